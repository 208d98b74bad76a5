// Statements that start with a keyword, parsed through the statement table: a row either
// declares its positional arguments (`ArgumentShape`s) and is read by the generic rule below,
// or brings its own parse function. For statements that take a model, `args[0]` is the model
// name (an `.identifier` expression).

extension Parser {
  /// The statement the keyword `row` starts, at the start of a line.
  mutating func parseKeywordStatement(_ row: StatementRow) throws(ParseAbort) -> Statement {
    if case .value = row.role {
      throw failAt(peek, "'\(row.name)' makes a dataset; assign it to a name",
                   hint: "example: \(row.spec.example)")
    }
    if case .statement(let parse) = row.syntax { return try parse(&self) }
    let command = try parseCommand(row)
    return Statement(kind: .command(command), range: command.range)
  }

  /// The command the keyword `row` starts (a statement, or a value after `=`).
  mutating func parseCommand(_ row: StatementRow) throws(ParseAbort) -> Command {
    switch row.syntax {
    case .command(let parse): return try parse(&self)
    case .statement: throw failAt(peek, "'\(row.name)' cannot be used as a value",
                                  hint: "'\(row.name)' is a statement; write it on its own line")
    case .arguments: return try parseArgumentsRule(row)
    }
  }

  /// The generic rule: the keyword, each of the row's arguments in order, then `{ option }`
  /// when the row has options. An `.expressions` argument comes last: the options follow it.
  mutating func parseArgumentsRule(_ row: StatementRow) throws(ParseAbort) -> Command {
    let keyword = name(advance())
    var args: [Expr] = []
    var written = keyword.text  // "fit net", for "expected training data after 'fit net'"
    for shape in row.spec.arguments {
      switch shape {
      case .model:
        let model = try parseModelName(after: keyword)
        args.append(model)
        written += " " + modelText(model)
      case .expressions(let count, let what, let suchAs, _):
        let missing = "expected \(what) after '\(written)'" + (suchAs.map { ", such as \($0)" } ?? "")
        let (more, options) = try parseArguments(keyword, count: count, missing: missing)
        return command(keyword, args + more, options)
      case .path(let extensions):
        args.append(try parsePath(keyword, model: args.first.map(modelText), extension: extensions.first,
                                  example: row.spec.example))
      case .word(let what, let suchAs, let kind):
        if let word = try parseWord(keyword, kind, missing: "expected \(what) after '\(written)', such as \(suchAs)") {
          args.append(word)
        }
      case .statement:
        throw failAt(peek, "'\(keyword.text)' cannot be parsed here")
      }
    }
    if !row.spec.options.isEmpty {
      let (_, options) = try parseArguments(keyword, count: 0...0, missing: "")
      return command(keyword, args, options)
    }
    if row.spec.arguments.isEmpty {
      if !peek.endsStatement { throw failAt(peek, "'\(keyword.text)' takes no arguments") }
    } else {
      try expectNoMoreArguments(keyword)
    }
    return command(keyword, args, [])
  }

  /// A file name in quotes. After a model (`save net "…"`) the example uses its name.
  mutating func parsePath(_ keyword: Name, model: String?, extension ext: String?,
                          example: String) throws(ParseAbort) -> Expr {
    guard case .string(let path) = peek.kind else {
      if peek.kind == .invalid { throw ParseAbort() }
      let at = peek.endsStatement ? afterPrevious : peek.range
      let hint = model.map { "example: \(keyword.text) \($0) \"runs/\($0)\(ext ?? "")\"" } ?? "example: \(example)"
      throw fail("'\(keyword.text)' expects a file name in quotes" + (model == nil ? "" : " after the model"),
                 at: at, hint: hint)
    }
    let file = advance()
    return Expr(kind: .string(path), range: file.range)
  }

  /// An optional word: a metric name (`plot net accuracy`), or a help topic, which may be a
  /// keyword (`help fit`).
  mutating func parseWord(_ keyword: Name, _ kind: WordKind,
                          missing: String) throws(ParseAbort) -> Expr? {
    let isTopic = kind == .helpTopic
    // `plot net gradients`: the one statement keyword that is also a chart of the history.
    let chartKeyword = kind == .metric && peek.kind == .keyword && peek.text == "gradients"
    if (peek.kind == .identifier && !atOption) || (isTopic && peek.kind == .keyword) || chartKeyword {
      let word = advance()
      return Expr(kind: .identifier(word.text), range: word.range)
    }
    if isTopic ? !peek.endsStatement : startsExpression(peek) {
      throw failAt(peek, missing, hint: usage(keyword))
    }
    return nil
  }

  // MARK: shared pieces

  /// Builds a command whose range runs from the keyword to its last argument or option.
  func command(_ keyword: Name, _ args: [Expr], _ options: [Option]) -> Command {
    let ranges = args.map(\.range) + options.map(\.range)
    let range = ranges.reduce(keyword.range) { $0.union($1) }
    return Command(keyword: keyword, args: args, options: options, range: range)
  }

  /// The model name after `compile`, `fit`, ...: an identifier, as an expression.
  mutating func parseModelName(after keyword: Name) throws(ParseAbort) -> Expr {
    let model = try expectIdentifier("expected a model name after '\(keyword.text)'",
                                     hint: usage(keyword))
    return Expr(kind: .identifier(model.text), range: model.range)
  }

  func modelText(_ model: Expr) -> String {
    if case .identifier(let text) = model.kind { return text }
    return "MODEL"
  }

  /// `usage: <synopsis>` for the keyword's statement.
  func usage(_ keyword: Name) -> String? {
    Statements.spec(keyword.text).map { "usage: \($0.synopsis)" }
  }

  /// Fails when arguments or options follow a statement that takes no more.
  mutating func expectNoMoreArguments(_ keyword: Name) throws(ParseAbort) {
    if atOption {
      throw failAt(peek, "'\(keyword.text)' takes no options", hint: usage(keyword))
    }
    if startsExpression(peek) {
      throw failAt(peek, "too many arguments for '\(keyword.text)'", hint: usage(keyword))
    }
  }

  /// Positional expressions (`count` of them), then options validated against the
  /// statement table.
  mutating func parseArguments(_ keyword: Name, count: ClosedRange<Int>,
                               missing: String) throws(ParseAbort) -> ([Expr], [Option]) {
    let spec = Statements.spec(keyword.text)
    var args: [Expr] = []
    while startsExpression(peek) && !atOption {
      try rejectBareOptionName(spec)
      if args.count >= count.upperBound {
        throw failAt(peek, "too many arguments for '\(keyword.text)'", hint: usage(keyword))
      }
      args.append(try parseExpression())
    }
    let missingAt = afterPrevious
    let options = try parseOptions(keyword, spec: spec)
    if startsExpression(peek) {
      throw failAt(peek, "positional arguments must come before the options",
                   hint: usage(keyword))
    }
    if args.count < count.lowerBound {
      throw fail(missing, at: missingAt, hint: usage(keyword))
    }
    return (args, options)
  }

  /// `{ option }`, reporting unknown and repeated option names (without stopping).
  mutating func parseOptions(_ keyword: Name, spec: StatementSpec?) throws(ParseAbort) -> [Option] {
    var options: [Option] = []
    while atOption {
      let option = try parseOption(of: spec)
      checkOption(option, keyword: keyword, spec: spec, seen: options)
      options.append(option)
    }
    return options
  }

  private mutating func checkOption(_ option: Option, keyword: Name, spec: StatementSpec?,
                                    seen: [Option]) {
    guard let spec else { return }
    let name = option.name
    if spec.options.isEmpty {
      report("'\(keyword.text)' takes no options", at: name.range, hint: usage(keyword))
    } else if spec.option(name.text) == nil {
      let suggestion = Suggest.didYouMean(name.text, in: spec.optionNames)
      report("unknown option '\(name.text)' for '\(keyword.text)'\(suggestion)", at: name.range,
             hint: "options of '\(keyword.text)': \(spec.optionNames.joined(separator: ", "))")
    } else if seen.contains(where: { $0.name.text == name.text }) {
      report("option '\(name.text)' is given twice", at: name.range)
    }
  }

  /// `fit net train epochs 10`: an option name used without `=value`.
  private mutating func rejectBareOptionName(_ spec: StatementSpec?) throws(ParseAbort) {
    guard peek.kind == .identifier, let option = spec?.option(peek.text) else { return }
    // `epochs:10`: the lexer already reported the ':' (with the name=value hint).
    if token(at: current + 1).kind == .invalid && token(at: current + 1).text == ":" { throw ParseAbort() }
    throw failAt(peek, "'\(option.name)' expects a value: \(option.example)")
  }
}
