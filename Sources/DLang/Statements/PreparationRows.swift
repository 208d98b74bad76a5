import NeuralNet

// Rows of the statement table: data preparation — describe, impute, onehot, resample.
// Their run functions are in Interpreter/PreparationStatements.swift; the options of `load`
// that read missing values and categories (missing=, categorical=, categories=) are in
// Semantics/PreparationOptions.swift.

extension StatementTable {
  static let describe = StatementRow(
    "describe", synopsis: "describe DATA",
    summary: "Per-feature count, missing, mean, std, min, quartiles and max of a dataset, and its class counts as bars.",
    example: "describe iris",
    arguments: [.expressions(1...1, what: "a dataset")],
    role: .command(check: { checker, c in try checker.checkPreparation(c, words: []) },
                   run: { try $0.describeData($1) }))

  static let impute = StatementRow(
    "impute", synopsis: "impute DATA [DATA ...] mean|median|zero|VALUE",
    summary: "Fill missing (NaN) features with statistics of the first dataset (the training part), kept for later data and predict.",
    example: "impute train test median",
    arguments: [.expressions(2...Int.max, what: "datasets and a fill (mean, median, zero or a number)")],
    role: .command(check: { checker, c in try checker.checkPreparation(c, words: ImputeRule.words, number: true) },
                   run: { try $0.impute($1) }))

  static let onehot = StatementRow(
    "onehot", synopsis: "onehot DATA [DATA ...]",
    summary: "Turn class-index targets into one-hot rows, as categorical_crossentropy takes them.",
    example: "onehot train test",
    arguments: [.expressions(1...Int.max, what: "a dataset")],
    role: .command(check: { checker, c in try checker.checkPreparation(c, words: []) },
                   run: { try $0.onehot($1) }))

  static let resample = StatementRow(
    "resample", synopsis: "resample DATA oversample|undersample",
    summary: "Even out the classes of a dataset (seeded): repeat rows of the smaller classes, or keep as many rows of each class as the smallest has.",
    example: "resample train oversample",
    arguments: [.expressions(2...2, what: "a dataset and oversample or undersample")],
    role: .command(check: { checker, c in
      try checker.checkPreparation(c, words: Resample.Method.allCases.map(\.rawValue))
    }, run: { try $0.resample($1) }))
}

/// The fills `impute` takes by name (a number is a constant).
enum ImputeRule {
  static let words = ["mean", "median", "zero"]

  /// The rule a word or number stands for.
  static func parse(_ e: Expr) -> Imputation? {
    switch e.kind {
    case .identifier("mean"): return .mean
    case .identifier("median"): return .median
    case .identifier("zero"): return .zero
    case .number(let v, _) where Float(v).isFinite: return .value(Float(v))
    case .unary(.negate, let inner):
      if case .number(let v, _) = inner.kind, Float(-v).isFinite { return .value(Float(-v)) }
      return nil
    default: return nil
    }
  }
}

extension Checker {
  /// `describe`/`onehot`/`impute`/`resample`: datasets, then (when `words` is not empty) a
  /// last argument that is one of `words` (or a number, with `number`).
  func checkPreparation(_ c: Command, words: [String], number: Bool = false) throws {
    let k = c.keyword.text
    var data = c.args[...]
    if !words.isEmpty, let last = c.args.last {
      data = c.args.dropLast()
      let ok: Bool
      if case .identifier(let w) = last.kind { ok = words.contains(w) } else { ok = false }
      if !ok && !(number && ImputeRule.parse(last) != nil) {
        let choices = words.joined(separator: ", ") + (number ? " or a number" : "")
        if case .identifier(let w) = last.kind, kinds[w] == nil || !(kinds[w]?.isDataset ?? false) {
          throw Diagnostic.unknown("unknown \(k) method '\(w)'", w, in: words, at: last.range,
                                   fallbackHint: "choose one of: " + choices)
        }
        throw Diagnostic.error("\(k) ends with \(choices)", at: last.range, hint: "e.g. \(StatementTable.row(k)?.spec.example ?? k)")
      }
    }
    guard !data.isEmpty else {
      throw Diagnostic.error("\(k) needs a dataset", at: c.range)
    }
    for e in data {
      let kind = try kind(of: e)
      guard kind.isDataset || kind == .unknown else {
        throw Diagnostic.error("\(k) works on datasets; this is \(kind.description)", at: e.range)
      }
    }
  }
}
