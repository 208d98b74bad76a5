// Rows of the statement table: the session statements — seed, print, help, vars, reset, run,
// time, history, exit. Their run functions are in Interpreter/SessionStatements.swift and
// Interpreter/Interpreter.swift.

extension StatementTable {
  static let seed = StatementRow(
    "seed", synopsis: "seed N",
    summary: "Seed the random generator so runs repeat exactly; without it, the first random choice draws a seed and prints it.",
    example: "seed 42",
    arguments: [.expressions(1...1, what: "a number")],
    role: .command(check: { checker, c in
      guard let e = c.args.first else {
        throw Diagnostic.error("seed needs a whole number, e.g. seed 42", at: c.range)
      }
      _ = try checker.arguments(c).int(e, what: "the seed", min: 0)
    }, run: { try $0.seed($1) }))

  static let print = StatementRow(
    "print", synopsis: "print EXPR [, EXPR ...]", summary: "Print values.",
    example: "print \"weights\", net.dense_1.weights",
    arguments: [.expressions(1...Int.max, what: "a value")],
    syntax: .command { (p: inout Parser) throws(ParseAbort) in try p.parsePrintStatement() },
    role: .command(check: { checker, c in
      for e in c.args { try checker.checkExpression(e) }
    }, run: { try $0.printValues($1) }))

  static let help = StatementRow(
    "help", synopsis: "help [TOPIC]",
    summary: "List statements, or explain a statement, layer, optimizer or option.",
    example: "help fit",
    arguments: [.word(what: "a topic", suchAs: "fit or dense", of: .helpTopic)],
    role: .command(check: { _, _ in }, run: { try $0.help($1) }))

  static let vars = StatementRow(
    "vars", synopsis: "vars", summary: "List the variables, datasets and models defined.",
    example: "vars",
    role: .command(check: { _, _ in }, run: { try $0.vars($1) }))

  static let reset = StatementRow(
    "reset", synopsis: "reset",
    summary: "Forget every variable and model, and the seed (as a new session would).", example: "reset",
    role: .command(check: { _, _ in }, run: { try $0.reset($1) }))

  static let run = StatementRow(
    "run", synopsis: "run \"FILE.dl\"", summary: "Run a script in the current session.",
    example: "run \"examples/xor.dl\"",
    arguments: [.path(extensions: [".dl"])],
    role: .command(check: { checker, c in
      guard let e = c.args.first, case .string(let path) = e.kind else {
        throw Diagnostic.error("run needs a file name in quotes", at: c.range, hint: "e.g. run \"examples/xor.dl\"")
      }
      try checker.checkRun(path, at: e.range)
    }, run: { try $0.runFile($1) }))

  static let time = StatementRow(
    "time", synopsis: "time STATEMENT", summary: "Run a statement and report how long it took.",
    example: "time fit net train epochs=5",
    arguments: [.statement],
    syntax: .statement { (p: inout Parser) throws(ParseAbort) in try p.parseTimeStatement() },
    role: .structure(check: { checker, s in
      if case .time(let inner) = s.kind { checker.check(inner) }
    }, run: { interpreter, s in
      if case .time(let inner) = s.kind { try interpreter.time(inner) }
    }))

  static let history = StatementRow(
    "history", synopsis: "history", summary: "Show the statements entered so far.",
    example: "history",
    role: .command(check: { _, _ in }, run: { try $0.history($1) }))

  static let exit = StatementRow(
    "exit", synopsis: "exit", summary: "Leave the session.", example: "exit",
    role: .command(check: { _, _ in }, run: { interpreter, _ in
      interpreter.session.exitRequested = true
      throw StopRequest()
    }))
}

extension Parser {
  /// print_stmt = "print" , expression , { "," , expression } ;
  mutating func parsePrintStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    guard startsExpression(peek) else {
      throw failAt(peek, "expected a value after 'print'", hint: "example: print x, 1 + 2")
    }
    var args = [try parseExpression()]
    while match(",") {
      args.append(try parseExpression())
    }
    if startsExpression(peek) {
      throw failAt(peek, "separate the values to print with ','", hint: "example: print \"acc\", x")
    }
    return command(keyword, args, [])
  }

  /// time_stmt = "time" , statement ;
  mutating func parseTimeStatement() throws(ParseAbort) -> Statement {
    let keyword = advance()
    if peek.endsStatement {
      throw failAt(peek, "expected a statement after 'time'", hint: "example: time fit net train")
    }
    let inner = try parseStatement()
    return Statement(kind: .time(inner), range: keyword.range.union(inner.range))
  }
}
