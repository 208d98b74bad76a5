import NeuralNet

/// `load "FILE.csv" missing=… categorical=[…] categories=NAME`: the options that read missing
/// values and string feature columns, read the same way by the checker and the interpreter.
enum PreparationOptions {
  /// The options' rows in the `load` table.
  static let specs: [OptionSpec] = [
    OptionSpec("missing", "drop|keep|mean|median|zero|VALUE|[COLUMN=RULE, …]",
               "what to do with missing cells (empty, NA, NaN, ?, null): drop their rows, keep them as NaN for a later impute, fill them with the column's mean or median, zero or a constant; or per column, e.g. missing=[age=median, income=0] (the default stops with an error naming the cell)",
               values: .words(policyWords), example: "missing=median"),
    OptionSpec("categorical", "[COLUMN, …]", "string feature columns to one-hot encode (one feature per category, sorted, named COLUMN=CATEGORY)",
               values: .nothing, example: "categorical=[island, sex]"),
    OptionSpec("categories", "DATA|MODEL", "encode the categorical columns exactly as this dataset or model does (a category it lacks is an error); for new data to predict",
               values: .names, example: "categories=train"),
  ]

  /// The words `missing=` takes.
  static let policyWords = ["drop", "keep", "mean", "median", "zero", "error"]

  /// What `missing=` and `categorical=` say (without `categories=`, which needs a value).
  static func read(_ c: Command) throws -> CSVOptions {
    var options = CSVOptions()
    if let o = c.option("missing") { try readMissing(o.value, into: &options) }
    if let o = c.option("categorical") {
      let items: [Expr]
      if case .list(let list) = o.value.kind { items = list } else { items = [o.value] }
      options.categorical = try items.map { item in
        switch item.kind {
        case .identifier(let s), .string(let s): return s
        default: throw Diagnostic.error("categorical is a list of column names, e.g. categorical=[island, sex]", at: item.range)
        }
      }
      if options.categorical.isEmpty {
        throw Diagnostic.error("categorical names at least one column", at: o.value.range)
      }
    }
    if c.option("categories") != nil && c.option("categorical") == nil {
      throw Diagnostic.error("categories= encodes the columns named by categorical=", at: c.option("categories")?.name.range ?? c.range,
                             hint: "e.g. new = load \"new.csv\" categorical=[island, sex] categories=train")
    }
    return options
  }

  private static func readMissing(_ e: Expr, into options: inout CSVOptions) throws {
    let hint = "e.g. missing=drop, missing=median, missing=0 or missing=[age=median, income=0]"
    if case .list(let items) = e.kind {
      guard !items.isEmpty else { throw Diagnostic.error("missing=[…] names at least one column", at: e.range, hint: hint) }
      for item in items {
        guard case .call(let name, let args, let opts) = item.kind, args.isEmpty, opts.count == 1,
              opts[0].name.text == name.text else {
          throw Diagnostic.error("each item of missing=[…] is COLUMN=RULE", at: item.range, hint: hint)
        }
        guard let rule = ImputeRule.parse(opts[0].value) else {
          throw Diagnostic.error("a column's fill is mean, median, zero or a number", at: opts[0].value.range, hint: hint)
        }
        if options.columnFills[name.text] != nil {
          throw Diagnostic.error("column '\(name.text)' is named twice", at: item.range)
        }
        options.columnFills[name.text] = rule
      }
      return
    }
    if case .identifier(let w) = e.kind, let policy = MissingPolicy(rawValue: w) {
      options.missing = policy
      return
    }
    if let rule = ImputeRule.parse(e), case .value(let v) = rule {
      options.fillValue = v
      return
    }
    if case .identifier(let w) = e.kind {
      throw Diagnostic.unknown("unknown missing-value rule '\(w)'", w, in: policyWords, at: e.range,
                               fallbackHint: hint)
    }
    throw Diagnostic.error("missing is drop, keep, mean, median, zero, a number or a list", at: e.range, hint: hint)
  }
}
