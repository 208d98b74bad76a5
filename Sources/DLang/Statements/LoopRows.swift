import Autograd
import NeuralNet

// The row of the statement table for the loop `for NAME in SEQUENCE { … }`: random
// restarts, small grid searches, "the same seed gives the same result". The body holds any
// statements (nested loops and model blocks too), one per line or separated by `;`; in the
// REPL the block continues over lines until its `}`, as a model block does.

extension StatementTable {
  static let forLoop = StatementRow(
    "for", synopsis: "for NAME in LIST|range(…) { STATEMENTS }",
    summary: "Run the statements of the block once for each item: each number of a list or a range(…), each row of a matrix, each item of a list of strings, with NAME set to it.",
    example: "for s in [1, 2, 3] { seed s; print s }",
    syntax: .statement { (p: inout Parser) throws(ParseAbort) in try p.parseForStatement() },
    role: .structure(check: { checker, s in checker.checkLoop(s) },
                     run: { interpreter, s in try interpreter.loop(s) }))
}

extension Parser {
  /// for_stmt = "for" , identifier , "in" , expression , "{" , { statement | newline | ";" } , "}" ;
  mutating func parseForStatement() throws(ParseAbort) -> Statement {
    let keyword = advance()
    let example = "for s in [1, 2, 3] { print s }"
    let variable = try expectIdentifier("expected a name after 'for'", hint: "example: \(example)")
    guard peek.isKeyword("in") else {
      throw failAt(peek, "expected 'in' after 'for \(variable.text)'", hint: "example: \(example)")
    }
    advance()
    guard startsExpression(peek) else {
      throw failAt(peek, "expected a list or range(…) after 'in'", hint: "example: \(example)")
    }
    let sequence = try parseExpression()
    guard peek.isSymbol("{") else {
      throw failAt(peek, "expected '{' after 'for \(variable.text) in …'",
                   hint: "the statements to repeat go in a block: \(example)")
    }
    let open = advance()
    blockDepth += 1
    defer { blockDepth -= 1 }
    var body: [Statement] = []
    while true {
      skipSeparators()
      if match("}") { break }
      if peek.kind == .endOfInput {
        throw fail("unclosed '{' opened at \(open.range.start)", at: afterPrevious,
                   hint: "add '}' on a line after the loop's last statement")
      }
      let start = current
      if let statement = parseStatementLine() { body.append(statement) }
      if current == start { advance() }
    }
    let range = keyword.range.union(previous.range)
    return Statement(kind: .loop(variable: variable, sequence: sequence, body: body), range: range)
  }
}

extension Checker {
  /// A loop: its sequence is a value that has items; the name holds one of them while the
  /// body (checked once) runs.
  mutating func checkLoop(_ s: Statement) {
    guard case .loop(let variable, let sequence, let body) = s.kind else { return }
    var item = Kind.unknown
    do {
      try checkExpression(sequence)
      switch try kind(of: sequence) {
      case .number, .string, .bool, .model, .layer, .dataset:
        let k = try kind(of: sequence)
        throw Diagnostic.error("a loop runs over a list, a range(…) or a tensor's rows, not over \(k.description)",
                               at: sequence.range, hint: "e.g. for s in [1, 2, 3] { … } or for i in range(3) { … }")
      case .tensor(let shape?):
        item = shape.count == 1 ? .number : .tensor(Array(shape.dropFirst()))
      case .tensor(nil): item = .unknown
      default: break
      }
    } catch { record(error) }
    kinds[variable.text] = item
    networks[variable.text] = nil
    shadowed.insert(variable.text)
    for statement in body { check(statement) }
  }
}

extension Interpreter {
  /// Runs a loop's body once per item of its sequence. Ctrl-C stops it after the current
  /// statement; the name keeps the last item.
  func loop(_ s: Statement) throws {
    guard case .loop(let variable, let sequence, let body) = s.kind else { return }
    let items = try loopItems(try evaluate(sequence), sequence.range)
    for item in items {
      session.bind(variable.text, item)
      for statement in body {
        try execute(statement)
        if session.interruptLevel() > 0 { return }
      }
    }
  }

  /// The items a loop runs over: the numbers of a vector, the rows of a matrix (or of a
  /// dataset's features), the items of a list.
  func loopItems(_ v: Value, _ range: SourceRange) throws -> [Value] {
    switch v {
    case .tensor(let t) where t.rank >= 1:
      let n = t.shape[0]
      let inner = Array(t.shape.dropFirst())
      let size = inner.reduce(1, *)
      return (0..<n).map { i in
        inner.isEmpty ? .number(Double(t.data[i]))
          : .tensor(Tensor(shape: inner, data: Array(t.data[(i * size)..<((i + 1) * size)])))
      }
    case .list(let items): return items
    default:
      throw Diagnostic.error("a loop runs over a list, a range(…) or a tensor's rows, not over \(v.kindName)",
                             at: range, hint: "e.g. for s in [1, 2, 3] { … } or for i in range(3) { … }")
    }
  }
}
