// Command statements: every statement that is a keyword, positional arguments and options.
// For compile, fit, evaluate, predict, summary and plot, `args[0]` is the model name
// (an `.identifier` expression).

extension Parser {
  /// command_stmt = seed_stmt | compile_stmt | fit_stmt | evaluate_stmt | predict_stmt | summary_stmt | plot_stmt | save_stmt | print_stmt | scale_stmt | help_stmt | run_stmt | session_stmt ;
  mutating func parseCommandStatement() throws(ParseAbort) -> Command {
    let token = peek
    switch token.text {
    case "seed": return try parseSeedStatement()
    case "compile": return try parseCompileStatement()
    case "fit": return try parseFitStatement()
    case "evaluate": return try parseEvaluateStatement()
    case "predict": return try parsePredictStatement()
    case "summary": return try parseSummaryStatement()
    case "plot": return try parsePlotStatement()
    case "save": return try parseSaveStatement()
    case "print": return try parsePrintStatement()
    case "standardize", "normalize": return try parseScaleStatement()
    case "help": return try parseHelpStatement()
    case "run": return try parseRunStatement()
    case "vars", "reset", "history", "exit": return try parseSessionStatement()
    default:
      if let spec = Statements.spec(token.text), spec.isValue {
        throw failAt(token, "'\(token.text)' makes a dataset; assign it to a name",
                     hint: "example: \(spec.example)")
      }
      throw failAt(token, "expected a statement, found \(token.quoted)",
                   hint: "type 'help' for the list of statements")
    }
  }

  /// seed_stmt = "seed" , expression ;
  mutating func parseSeedStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    let (args, options) = try parseArguments(
      keyword, count: 1...1, missing: "expected a number after 'seed'")
    return command(keyword, args, options)
  }

  /// compile_stmt = "compile" , identifier , { option } ;
  mutating func parseCompileStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    let model = try parseModelName(after: keyword)
    let (_, options) = try parseArguments(keyword, count: 0...0, missing: "")
    return command(keyword, [model], options)
  }

  /// fit_stmt = "fit" , identifier , expression , [ expression ] , { option } ;
  mutating func parseFitStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    let model = try parseModelName(after: keyword)
    let (args, options) = try parseArguments(
      keyword, count: 1...2, missing: "expected training data after 'fit \(modelText(model))'")
    return command(keyword, [model] + args, options)
  }

  /// evaluate_stmt = "evaluate" , identifier , expression , [ expression ] , { option } ;
  mutating func parseEvaluateStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    let model = try parseModelName(after: keyword)
    let (args, options) = try parseArguments(
      keyword, count: 1...2, missing: "expected test data after 'evaluate \(modelText(model))'")
    return command(keyword, [model] + args, options)
  }

  /// predict_stmt = "predict" , identifier , expression , { option } ;
  mutating func parsePredictStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    let model = try parseModelName(after: keyword)
    let (args, options) = try parseArguments(
      keyword, count: 1...1, missing: "expected inputs after 'predict \(modelText(model))'")
    return command(keyword, [model] + args, options)
  }

  /// summary_stmt = "summary" , identifier ;
  mutating func parseSummaryStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    let model = try parseModelName(after: keyword)
    try expectNoMoreArguments(keyword)
    return command(keyword, [model], [])
  }

  /// plot_stmt = "plot" , identifier , [ identifier ] ;
  mutating func parsePlotStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    let model = try parseModelName(after: keyword)
    var args = [model]
    if peek.kind == .identifier && !atOption {
      let metric = advance()
      args.append(Expr(kind: .identifier(metric.text), range: metric.range))
    } else if startsExpression(peek) {
      throw failAt(peek, "expected a metric name after 'plot \(modelText(model))', such as accuracy",
                   hint: usage(keyword))
    }
    try expectNoMoreArguments(keyword)
    return command(keyword, args, [])
  }

  /// save_stmt = "save" , identifier , string ;
  mutating func parseSaveStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    let model = try parseModelName(after: keyword)
    guard case .string(let path) = peek.kind else {
      if peek.kind == .invalid { throw ParseAbort() }
      let at = peek.endsStatement ? afterPrevious : peek.range
      throw fail("'save' expects a file name in quotes after the model", at: at,
                 hint: "example: save \(modelText(model)) \"runs/\(modelText(model)).safetensors\"")
    }
    let file = advance()
    try expectNoMoreArguments(keyword)
    return command(keyword, [model, Expr(kind: .string(path), range: file.range)], [])
  }

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

  /// scale_stmt = ( "standardize" | "normalize" ) , expression , { expression } ;
  mutating func parseScaleStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    let (args, options) = try parseArguments(
      keyword, count: 1...Int.max, missing: "expected a dataset after '\(keyword.text)'")
    return command(keyword, args, options)
  }

  /// help_stmt = "help" , [ identifier | keyword ] ;
  mutating func parseHelpStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    guard peek.kind == .identifier || peek.kind == .keyword else {
      if peek.endsStatement { return command(keyword, [], []) }
      throw failAt(peek, "expected a topic after 'help', such as fit or dense")
    }
    let topic = advance()
    return command(keyword, [Expr(kind: .identifier(topic.text), range: topic.range)], [])
  }

  /// run_stmt = "run" , string ;
  mutating func parseRunStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    guard case .string(let path) = peek.kind else {
      let at = peek.endsStatement ? afterPrevious : peek.range
      if peek.kind == .invalid { throw ParseAbort() }
      throw fail("'run' expects a file name in quotes", at: at,
                 hint: "example: run \"examples/xor.dl\"")
    }
    let file = advance()
    return command(keyword, [Expr(kind: .string(path), range: file.range)], [])
  }

  /// session_stmt = "vars" | "reset" | "history" | "exit" ;
  mutating func parseSessionStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    if !peek.endsStatement {
      throw failAt(peek, "'\(keyword.text)' takes no arguments")
    }
    return command(keyword, [], [])
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
