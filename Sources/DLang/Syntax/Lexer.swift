// The lexer: source text to tokens. Never traps; unreadable text becomes an `.invalid`
// token plus a diagnostic.

/// Splits `.dl` source text into tokens.
public struct Lexer: Sendable {
  /// Operator symbols.
  public static let operators: [String] = ["+", "-", "*", "/", "@", "="]
  /// Punctuation symbols.
  public static let punctuation: [String] = ["(", ")", "[", "]", "{", "}", ",", ".", ";"]

  private static let symbols: Set<Character> = Set((operators + punctuation).compactMap(\.first))

  private let chars: [Character]
  private var index = 0
  private var line: Int
  private var column = 1
  private var tokens: [Token] = []
  private var diagnostics: [Diagnostic] = []
  private var spaceBefore = false
  private var unterminatedStringAtEnd = false

  private init(_ source: String, startLine: Int) {
    chars = Array(source)
    line = startLine
  }

  /// Tokens of `source` (always ending with `.endOfInput`) and the lexical errors found.
  /// `startLine` numbers the first line (for text taken from the middle of a file).
  public static func tokenize(_ source: String, startLine: Int = 1)
    -> (tokens: [Token], diagnostics: [Diagnostic])
  {
    let result = scan(source, startLine: startLine)
    return (result.tokens, result.diagnostics)
  }

  /// Tokens of `source`, and whether it ends inside a string literal.
  static func scanForStatus(_ source: String) -> (tokens: [Token], endsInsideString: Bool) {
    let result = scan(source, startLine: 1)
    return (result.tokens, result.unterminatedStringAtEnd)
  }

  private static func scan(_ source: String, startLine: Int) -> Lexer {
    var lexer = Lexer(source, startLine: startLine)
    lexer.run()
    return lexer
  }

  private var location: SourceLocation { SourceLocation(line: line, column: column) }

  private func peek(_ offset: Int = 0) -> Character? {
    let i = index + offset
    return i >= 0 && i < chars.count ? chars[i] : nil
  }

  @discardableResult
  private mutating func advance() -> Character? {
    guard let c = peek() else { return nil }
    index += 1
    if c.isNewline {
      line += 1
      column = 1
    } else {
      column += 1
    }
    return c
  }

  private mutating func run() {
    while let c = peek() {
      let start = location
      if c.isNewline {
        advance()
        emit(.newline, "\n", from: start)
        spaceBefore = false
      } else if c.isWhitespace {
        advance()
        spaceBefore = true
      } else if c == "#" {
        skipComment()
      } else {
        scanToken(c, from: start)
      }
    }
    emit(.endOfInput, "", from: location)
  }

  private mutating func emit(_ kind: TokenKind, _ text: String, from start: SourceLocation) {
    tokens.append(Token(kind: kind, text: text, range: SourceRange(start: start, end: location),
                        spaceBefore: spaceBefore))
    spaceBefore = false
  }

  private mutating func skipComment() {
    while let c = peek(), !c.isNewline { advance() }
    spaceBefore = true
  }

  private mutating func scanToken(_ c: Character, from start: SourceLocation) {
    if Lexer.isDigit(c) {
      scanNumberOrShape(from: start)
    } else if Lexer.isIdentifierStart(c) {
      let text = take(while: Lexer.isIdentifierPart)
      emit(Keywords.set.contains(text) ? .keyword : .identifier, text, from: start)
    } else if c == "\"" {
      scanString(from: start)
    } else if Lexer.symbols.contains(c) {
      advance()
      emit(.symbol, String(c), from: start)
    } else {
      advance()
      let hint = c == ":" ? "options are written name=value, e.g. epochs=10" : nil
      let shown = c.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value != 127 }) ? String(c)
        : c.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined()
      fail("unexpected character '\(shown)'", text: String(c), from: start, hint: hint)
    }
  }

  private mutating func take(while predicate: (Character) -> Bool) -> String {
    var text = ""
    while let c = peek(), predicate(c) {
      text.append(c)
      advance()
    }
    return text
  }

  private mutating func fail(_ message: String, text: String, from start: SourceLocation,
                             hint: String? = nil) {
    diagnostics.append(.error(message, at: SourceRange(start: start, end: location), hint: hint))
    emit(.invalid, text, from: start)
  }

  // MARK: numbers and shapes

  private mutating func scanNumberOrShape(from start: SourceLocation) {
    var text = take(while: Lexer.isDigit)
    if peek() == "x", let next = peek(1), Lexer.isDigit(next) {
      return scanShape(text, from: start)
    }
    var isInteger = true
    if peek() == ".", let next = peek(1), Lexer.isDigit(next) {
      advance()
      text += "." + take(while: Lexer.isDigit)
      isInteger = false
    }
    if let e = peek(), e == "e" || e == "E", hasExponentDigits() {
      advance()
      text.append(e)
      if let sign = peek(), sign == "+" || sign == "-" {
        advance()
        text.append(sign)
      }
      text += take(while: Lexer.isDigit)
      isInteger = false
    }
    if rejectTrailingLetters(text, kind: "number", from: start) { return }
    guard let value = Double(text), value.isFinite else {
      return fail("number '\(text)' is too large", text: text, from: start)
    }
    emit(.number(value, isInteger: isInteger), text, from: start)
  }

  private func hasExponentDigits() -> Bool {
    if let d = peek(1), Lexer.isDigit(d) { return true }
    if let sign = peek(1), sign == "+" || sign == "-", let d = peek(2), Lexer.isDigit(d) {
      return true
    }
    return false
  }

  private mutating func scanShape(_ first: String, from start: SourceLocation) {
    var text = first
    var parts = [first]
    while peek() == "x", let next = peek(1), Lexer.isDigit(next) {
      advance()
      let digits = take(while: Lexer.isDigit)
      parts.append(digits)
      text += "x" + digits
    }
    if rejectTrailingLetters(text, kind: "shape", from: start) { return }
    let dims = parts.compactMap { Int($0) }
    guard dims.count == parts.count else {
      return fail("shape '\(text)' has a dimension that is too large", text: text, from: start)
    }
    emit(.shape(dims), text, from: start)
  }

  /// Reports `300abc`-style literals glued to letters; true when it did.
  private mutating func rejectTrailingLetters(_ text: String, kind: String,
                                              from start: SourceLocation) -> Bool {
    guard let c = peek(), Lexer.isIdentifierPart(c) || c == "." && peek(1).map(Lexer.isDigit) == true
    else { return false }
    let rest = take { Lexer.isIdentifierPart($0) || $0 == "." }
    let hint = kind == "shape" ? "shapes are written like 8x8x1" : "put a space between a number and a name"
    fail("invalid \(kind) '\(text + rest)'", text: text + rest, from: start, hint: hint)
    return true
  }

  // MARK: strings

  private mutating func scanString(from start: SourceLocation) {
    advance()
    var value = ""
    var text = "\""
    var badEscape: String?
    while let c = peek(), !c.isNewline {
      advance()
      text.append(c)
      if c == "\"" {
        if let badEscape {
          return fail("unknown escape '\\\(badEscape)' in string", text: text, from: start,
                      hint: "use \\\" \\\\ \\n or \\t")
        }
        return emit(.string(value), text, from: start)
      }
      if c == "\\", let next = peek(), !next.isNewline {
        advance()
        text.append(next)
        switch next {
        case "\"": value.append("\"")
        case "\\": value.append("\\")
        case "n": value.append("\n")
        case "t": value.append("\t")
        default: badEscape = badEscape ?? String(next)
        }
      } else {
        value.append(c)
      }
    }
    unterminatedStringAtEnd = peek() == nil
    fail("unterminated string", text: text, from: start, hint: "close it with '\"' on the same line")
  }

  // MARK: character classes

  static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
  static func isIdentifierStart(_ c: Character) -> Bool { c == "_" || c.isLetter }
  static func isIdentifierPart(_ c: Character) -> Bool { isIdentifierStart(c) || isDigit(c) }
}
