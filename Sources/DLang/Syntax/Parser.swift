// The parser: recursive descent, one function per grammar rule (grammar/dl.ebnf).
// It never throws to its callers: every problem becomes a diagnostic, and parsing resumes
// at the next line so that independent mistakes are all reported.

/// Internal unwinding signal: the current statement (or layer line) cannot be parsed.
/// The diagnostic has already been recorded. `resumeAt` is the token index where parsing
/// should continue, when the error was found at the start of a later statement.
struct ParseAbort: Error {
  var resumeAt: Int?
}

/// Parses `.dl` source text into a `Program`.
public struct Parser: Sendable {
  var tokens: [Token]
  var current = 0
  var diagnostics: [Diagnostic] = []
  /// The `(`, `[` and `{` tokens currently open, innermost last.
  var openBrackets: [Token] = []
  /// Nesting depth of statements and expressions: brackets, `time`, unary minus, and each
  /// operator, `.member` or `[index]` of a chain. The parser keeps every tree within
  /// `maxDepth`, so the checker, the evaluator and any other walk of the tree recurse at
  /// most that deep.
  var depth = 0
  static let maxDepth = 256
  /// How many `for … {` blocks are open: inside one, `}` also ends a statement.
  var blockDepth = 0

  init(tokens: [Token]) {
    self.tokens = tokens
  }

  /// Parses a whole script or REPL entry. Never traps and never throws: problems are in
  /// `Program.diagnostics`, and only statements without errors are in `statements`.
  public static func parse(source: String) -> Program {
    let (tokens, lexical) = Lexer.tokenize(source)
    var parser = Parser(tokens: tokens)
    let statements = parser.parseProgram()
    return Program(statements: statements, diagnostics: sorted(lexical + parser.diagnostics))
  }

  /// Diagnostics in source order (stable for equal positions).
  static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
    diagnostics.enumerated()
      .sorted { ($0.element.range.start, $0.offset) < ($1.element.range.start, $1.offset) }
      .map(\.element)
  }

  // MARK: program and statements

  /// program = { [ statement ] , ( newline | ";" ) } , [ statement ] ;
  mutating func parseProgram() -> [Statement] {
    var statements: [Statement] = []
    while true {
      skipSeparators()
      if peek.kind == .endOfInput { return statements }
      let start = current
      if let statement = parseStatementLine() { statements.append(statement) }
      if current == start { advance() }
    }
  }

  /// One statement and its end; nil (after recovering) when it had errors.
  mutating func parseStatementLine() -> Statement? {
    let errorsBefore = diagnostics.count
    openBrackets = []
    do {
      let statement = try parseStatement()
      try expectEndOfStatement()
      return diagnostics.count == errorsBefore ? statement : nil
    } catch {
      synchronize(error)
      return nil
    }
  }

  /// One statement: a keyword's, through the statement table (whose rendered grammar rule
  /// `statement` lists them), or an assignment.
  mutating func parseStatement() throws(ParseAbort) -> Statement {
    try enter()
    defer { leave() }
    let token = peek
    if token.kind == .keyword, let row = StatementTable.row(token.text) {
      return try parseKeywordStatement(row)
    }
    if token.kind == .identifier { return try parseAssignment() }
    throw failAt(token, "expected a statement, found \(token.quoted)",
                 hint: "type 'help' for the list of statements")
  }

  /// After a statement: a newline, `;` or the end of input must follow.
  mutating func expectEndOfStatement() throws(ParseAbort) {
    let token = peek
    if token.endsStatement { return }
    if blockDepth > 0 && token.isSymbol("}") { return }
    if token.isSymbol(")") || token.isSymbol("]") || token.isSymbol("}") {
      throw failAt(token, "unmatched '\(token.text)'")
    }
    throw failAt(token, "unexpected \(token.quoted); expected the end of the statement",
                 hint: "write one statement per line, or separate statements with ';'")
  }

  // MARK: recovery

  /// Skips the rest of a broken statement: to the end of its line, past any brackets or
  /// model block still open, but stopping at a line that starts with a statement keyword.
  mutating func synchronize(_ abort: ParseAbort) {
    if let resume = abort.resumeAt, resume >= current {
      current = resume
    } else {
      skipLine(depth: openBrackets.count, stopAtClosingBrace: blockDepth > 0)
    }
    openBrackets = []
  }

  /// Advances to the next newline or `;` at bracket depth zero (not consumed). With
  /// `stopAtClosingBrace`, also stops before a `}` at depth zero or at the start of a line.
  mutating func skipLine(depth start: Int, stopAtClosingBrace: Bool) {
    var depth = start
    while peek.kind != .endOfInput {
      let token = peek
      if depth <= 0 && (token.kind == .newline || token.isSymbol(";")) { return }
      if stopAtClosingBrace && token.isSymbol("}")
        && (depth <= 0 || self.token(at: current - 1).kind == .newline) { return }
      if token.kind == .newline && startsStatement(at: current + 1) { return }
      if ["(", "[", "{"].contains(token.text) && token.kind == .symbol { depth += 1 }
      if [")", "]", "}"].contains(token.text) && token.kind == .symbol { depth -= 1 }
      advance()
    }
  }

  /// True when the token at `index` begins a line and looks like a new statement: a
  /// statement keyword, or a name followed by `=`.
  func startsStatement(at index: Int) -> Bool {
    let token = self.token(at: index)
    let previous = self.token(at: index - 1)
    guard index == 0 || previous.kind == .newline else { return false }
    if token.kind == .keyword { return !Keywords.literals.contains(token.text) }
    return token.kind == .identifier && self.token(at: index + 1).isSymbol("=")
  }

  // MARK: depth guard

  /// Counts one level of nesting; fails when input nests absurdly deep.
  mutating func enter() throws(ParseAbort) {
    guard depth < Parser.maxDepth else {
      throw failAt(peek, "expression nests too deeply (more than \(Parser.maxDepth) levels)",
                   hint: "split it into several assignments")
    }
    depth += 1
  }

  mutating func leave() { depth -= 1 }
}
