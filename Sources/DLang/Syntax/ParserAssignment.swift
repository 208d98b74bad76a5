// Assignments: `x = expr`, `net.dense_1.weights = ...`, `a, b = split ...`, `d = load ...`.

extension Parser {
  /// assignment = assign_target , { "," , assign_target } , "=" , assign_value ;
  mutating func parseAssignment() throws(ParseAbort) -> Statement {
    try rejectUnknownStatement()
    var targets = [try parseAssignTarget()]
    while match(",") {
      targets.append(try parseAssignTarget())
    }
    guard peek.isSymbol("=") else {
      let single = targets.count == 1 ? targets.first.map(targetText) : nil
      let written = single.map { "'\($0)'" } ?? "the names"
      let hint = single.map { "to show a value: print \($0)" }
      throw failAt(peek, "expected '=' after \(written)", hint: hint)
    }
    advance()
    let value = try parseAssignValue()
    let start = targets.first?.range ?? value.range
    return Statement(kind: .assign(targets: targets, value: value), range: start.union(value.range))
  }

  /// A line starting with a name that is not followed by `=`, `,` or `.` is a misspelt
  /// statement (`fitt net x y`) or a bare value.
  private mutating func rejectUnknownStatement() throws(ParseAbort) {
    let word = peek
    let next = token(at: current + 1)
    if next.isSymbol("=") || next.isSymbol(",") || next.isSymbol(".") { return }
    if next.isSymbol("[") && !next.spaceBefore && assignsLater(from: current + 1) {
      throw failAt(next, "assigning to an element ('\(word.text)[…] = …') is not supported",
                   hint: "assign the whole value: \(word.text) = [[…]]")
    }
    let statements = Keywords.statements.filter { Statements.spec($0)?.isValue == false }
    if let match = Suggest.closest(to: word.text, in: statements) {
      throw failAt(word, "unknown statement '\(word.text)'; did you mean '\(match)'?")
    }
    let hint = next.endsStatement
      ? "to show a value: print \(word.text)" : "type 'help' for the list of statements"
    throw failAt(word, "unknown statement '\(word.text)'", hint: hint)
  }

  /// Whether an `=` follows at bracket depth zero before the end of the statement.
  private func assignsLater(from start: Int) -> Bool {
    var depth = 0
    var i = start
    while true {
      let t = token(at: i)
      if t.kind == .endOfInput || (depth <= 0 && t.endsStatement) { return false }
      if t.kind == .symbol {
        if ["(", "[", "{"].contains(t.text) { depth += 1 }
        if [")", "]", "}"].contains(t.text) { depth -= 1 }
        if t.text == "=" && depth == 0 { return true }
      }
      i += 1
    }
  }

  /// assign_target = identifier , { "." , identifier } ;
  mutating func parseAssignTarget() throws(ParseAbort) -> AssignTarget {
    let first = try expectIdentifier("expected a name to assign to")
    var path = Expr(kind: .identifier(first.text), range: first.range)
    let entered = depth
    defer { depth = entered }
    while peek.isSymbol(".") {
      try enter()
      advance()
      let member = try expectIdentifier("expected a name after '.'")
      path = Expr(kind: .member(path, member), range: path.range.union(member.range))
    }
    if case .identifier = path.kind { return .name(first) }
    return .member(path)
  }

  func targetText(_ target: AssignTarget) -> String {
    switch target {
    case .name(let name): return name.text
    case .member(let expr): return exprPath(expr)
    }
  }

  private func exprPath(_ expr: Expr) -> String {
    switch expr.kind {
    case .identifier(let text): return text
    case .member(let base, let name): return exprPath(base) + "." + name.text
    default: return "..."
    }
  }

  /// The value after `=`: a value statement of the table (`load`, `split`) or an expression
  /// (the rendered grammar rule `assign_value`).
  mutating func parseAssignValue() throws(ParseAbort) -> AssignValue {
    let token = peek
    if token.kind == .keyword, let row = StatementTable.row(token.text), row.spec.isValue {
      return .command(try parseCommand(row))
    }
    if token.kind == .keyword && !Keywords.literals.contains(token.text) {
      throw failAt(token, "'\(token.text)' cannot be used as a value",
                   hint: "'\(token.text)' is a statement; write it on its own line")
    }
    if token.endsStatement {
      throw fail("expected a value after '='", at: afterPrevious)
    }
    return .expr(try parseExpression())
  }
}
