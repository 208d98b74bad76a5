// Token access and diagnostic helpers shared by the parse functions.

extension Parser {
  /// The token at `index`, or the final end-of-input token when out of range.
  func token(at index: Int) -> Token {
    if tokens.indices.contains(index) { return tokens[index] }
    if let last = tokens.last, index >= 0 { return last }
    let origin = SourceRange(at: SourceLocation(line: 1, column: 1))
    return Token(kind: index < 0 ? .newline : .endOfInput, text: "", range: origin,
                 spaceBefore: false)
  }

  /// The next token.
  var peek: Token { token(at: current) }

  /// The token just consumed.
  var previous: Token { token(at: current - 1) }

  /// Consumes and returns the next token (never moves past the end of input).
  @discardableResult
  mutating func advance() -> Token {
    let token = peek
    if token.kind != .endOfInput { current += 1 }
    return token
  }

  /// Consumes the symbol `symbol` if it is next.
  mutating func match(_ symbol: String) -> Bool {
    guard peek.isSymbol(symbol) else { return false }
    advance()
    return true
  }

  /// Skips newlines (inside brackets); true when any were skipped.
  @discardableResult
  mutating func skipNewlines() -> Bool {
    var skipped = false
    while peek.kind == .newline {
      advance()
      skipped = true
    }
    return skipped
  }

  /// Skips newlines and `;`.
  mutating func skipSeparators() {
    while peek.kind == .newline || peek.isSymbol(";") { advance() }
  }

  /// The token as a `Name`.
  func name(_ token: Token) -> Name {
    Name(text: token.text, range: token.range)
  }

  /// True when `token` can begin an expression. Invalid tokens count, so that they are
  /// consumed (silently: the lexer reported them) rather than reported again.
  func startsExpression(_ token: Token) -> Bool {
    switch token.kind {
    case .identifier, .number, .string, .shape, .invalid: return true
    case .keyword: return Keywords.literals.contains(token.text)
    case .symbol: return ["[", "(", "-"].contains(token.text)
    case .newline, .endOfInput: return false
    }
  }

  /// True when an option `name=value` starts here.
  var atOption: Bool {
    peek.kind == .identifier && token(at: current + 1).isSymbol("=")
  }

  // MARK: diagnostics

  /// Records an error that does not stop the statement (which is still dropped).
  mutating func report(_ message: String, at range: SourceRange, hint: String? = nil) {
    diagnostics.append(.error(message, at: range, hint: hint))
  }

  /// Records an error at `range` and returns the signal to abandon the statement.
  mutating func fail(_ message: String, at range: SourceRange, hint: String? = nil,
                     resumeAt: Int? = nil) -> ParseAbort {
    report(message, at: range, hint: hint)
    return ParseAbort(resumeAt: resumeAt)
  }

  /// Like `fail(_:at:)` at `token`, but silent for invalid tokens (already reported).
  mutating func failAt(_ token: Token, _ message: String, hint: String? = nil) -> ParseAbort {
    if token.kind == .invalid { return ParseAbort() }
    let range = token.kind == .newline || token.kind == .endOfInput ? afterPrevious : token.range
    return fail(message, at: range, hint: hint)
  }

  /// An empty range just after the last token consumed (ignoring line breaks): where
  /// something is missing.
  var afterPrevious: SourceRange {
    var index = current - 1
    while index >= 0 && token(at: index).kind == .newline { index -= 1 }
    if index < 0 { return SourceRange(at: peek.range.start) }
    return SourceRange(at: token(at: index).range.end)
  }

  /// Consumes an identifier, or fails with `message` (mentioning reserved words).
  mutating func expectIdentifier(_ message: String, hint: String? = nil) throws(ParseAbort) -> Name {
    let token = peek
    if token.kind == .identifier { return name(advance()) }
    if token.endsStatement {
      throw fail(message, at: afterPrevious, hint: hint)
    }
    let reserved = token.kind == .keyword ? "'\(token.text)' is a reserved word" : hint
    throw failAt(token, "\(message), found \(token.quoted)", hint: reserved)
  }
}
