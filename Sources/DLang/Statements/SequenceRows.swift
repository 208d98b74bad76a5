import NeuralNet

// Rows of the statement table: the sequence statements — windows (a series cut into sliding
// windows) and generate (a model's output fed back as its next input). Their run functions
// are in Interpreter/SequenceStatements.swift.

extension StatementTable {
  static let windows = StatementRow(
    "windows", synopsis: "NAME = windows DATA size=N [horizon=H] [column=NAME] [stride=S]",
    summary: "Cut a series (a dataset, one row per time step, in order) into sliding windows of size steps, each labelled with the value of one column horizon steps after its last step.",
    example: "seq = windows wave size=20 horizon=1",
    arguments: [.expressions(1...1, what: "a series (a dataset with one row per time step)")],
    options: [
      OptionSpec("size", "N", "time steps per window: the inputs are (windows, N, features)",
                 example: "size=20", kind: .int(min: 1, max: 1_000_000)),
      OptionSpec("horizon", "H", "the target is the value H steps after the window's last step (1, the next step, by default)",
                 example: "horizon=1", kind: .int(min: 1, max: 1_000_000)),
      OptionSpec("column", "NAME",
                 "the column whose value is the target: by default the series' target column if it has one (it is not an input), else its only column; a series of several columns and no target must name one",
                 values: .nothing, example: "column=value"),
      OptionSpec("stride", "S", "rows between the starts of two windows (1 by default: every window)",
                 example: "stride=5", kind: .int(min: 1, max: 1_000_000)),
    ],
    role: .value(check: { checker, c in [try checker.checkWindows(c)] },
                 run: { interpreter, c, names in [try interpreter.windows(c, name: names.first ?? "value")] }))

  static let generate = StatementRow(
    "generate", synopsis: "generate MODEL WINDOW steps=N",
    summary: "Continue a sequence: predict the next step from a window (a sample such as test[0]), append it, slide the window, repeat; prints the values and charts them after the true series.",
    example: "generate f seq[0] steps=10",
    arguments: [.model, .expressions(1...1, what: "a starting window", suchAs: "test[0]")],
    options: [
      OptionSpec("steps", "N", "how many values to generate", example: "steps=50",
                 kind: .int(min: 1, max: 100_000)),
    ],
    role: .command(check: { checker, c in try checker.checkGenerate(c) },
                   run: { try $0.generate($1) }))
}

extension Checker {
  /// `windows DATA size=N …`: one dataset and a size; the windows' sample shape when the
  /// series' is known.
  func checkWindows(_ c: Command) throws -> Kind {
    guard let d = c.args.first else {
      throw Diagnostic.error("windows needs a series", at: c.range, hint: "e.g. train = windows past size=20 horizon=1")
    }
    let k = try kind(of: d)
    guard k.isDataset || k == .unknown else {
      throw Diagnostic.error("windows cuts a dataset (one row per time step); this is \(k.description)", at: d.range)
    }
    guard c.option("size") != nil else {
      throw Diagnostic.error("windows needs size=N, the time steps per window", at: c.range,
                             hint: "e.g. windows \(exprText(d)) size=20 horizon=1")
    }
    if let o = c.option("column") { _ = try Interpreter.columnName(o) }
    if case .dataset(let shape?) = k, shape.count == 1, let size = try TableOptions.int(c, "size", arguments(c)) {
      return .dataset([size] + shape)
    }
    return .dataset(nil)
  }

  /// `generate MODEL WINDOW steps=N`: a model, one sample (not a whole dataset) and steps=.
  func checkGenerate(_ c: Command) throws {
    _ = try model(c.args.first, for: c.keyword.text, at: c.range)
    guard c.args.count >= 2 else {
      throw Diagnostic.error("generate needs a starting window after the model", at: c.range,
                             hint: "e.g. generate f test[0] steps=50")
    }
    let k = try kind(of: c.args[1])
    switch k {
    case .tensor, .unknown: break
    case .dataset:
      throw Diagnostic.error("generate starts from one window, but '\(exprText(c.args[1]))' is a whole dataset",
                             at: c.args[1].range, hint: "pick one sample, e.g. \(exprText(c.args[1]))[0]")
    default:
      throw Diagnostic.error("generate starts from a window of values, not \(k.description)", at: c.args[1].range,
                             hint: "e.g. generate f test[0] steps=50")
    }
    guard c.option("steps") != nil else {
      throw Diagnostic.error("generate needs steps=N, how many values to generate", at: c.range,
                             hint: "e.g. generate \(exprText(c.args[0])) test[0] steps=50")
    }
  }
}
