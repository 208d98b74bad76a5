// Tokens and the literal tables of the lexer: keywords, operators, punctuation.

/// What a token is.
public enum TokenKind: Sendable, Equatable {
  case identifier
  /// A reserved word from `Keywords.all`.
  case keyword
  case number(Double, isInteger: Bool)
  /// A string literal; the payload has escapes decoded.
  case string(String)
  /// A shape literal such as `8x8x1`.
  case shape([Int])
  /// An operator or punctuation mark from `Lexer.operators` / `Lexer.punctuation`.
  case symbol
  case newline
  case endOfInput
  /// Text the lexer could not read; it has already reported a diagnostic.
  case invalid
}

/// One token with its text as written and its location.
public struct Token: Sendable, Equatable {
  public var kind: TokenKind
  /// The source text of the token (`"\n"` for newlines, `""` at the end of input).
  public var text: String
  public var range: SourceRange
  /// True when whitespace or a comment separates this token from the previous one.
  public var spaceBefore: Bool

  /// Creates a token.
  public init(kind: TokenKind, text: String, range: SourceRange, spaceBefore: Bool) {
    self.kind = kind
    self.text = text
    self.range = range
    self.spaceBefore = spaceBefore
  }

  /// True for the symbol `text`.
  func isSymbol(_ symbol: String) -> Bool { kind == .symbol && text == symbol }

  /// True for the keyword `word`.
  func isKeyword(_ word: String) -> Bool { kind == .keyword && text == word }

  /// True for a newline, `;`, or the end of input: the end of a statement.
  var endsStatement: Bool {
    kind == .newline || kind == .endOfInput || isSymbol(";")
  }

  /// How the token is quoted in messages: `'fit'`, `end of line`, `end of input`.
  var quoted: String {
    switch kind {
    case .newline: "end of line"
    case .endOfInput: "end of input"
    default: "'\(text)'"
    }
  }
}

/// The reserved words of the language.
public enum Keywords {
  /// Words that begin a statement (or a `load` / `split` value), from the statement table.
  public static let statements: [String] = Statements.all.map(\.name)
  /// Literal words.
  public static let literals: [String] = ["true", "false"]
  /// Words that only join the parts of a statement (`for s in …`).
  public static let connectives: [String] = ["in"]
  /// Every reserved word.
  public static let all: [String] = statements + literals + connectives
  /// Fast membership test for `all`.
  static let set: Set<String> = Set(all)
}
