// Rows of the statement table: the data statements — load, split, standardize, normalize.
// Their run functions are in Interpreter/DataStatements.swift (and ModelFileStatements.swift
// for a model file given to `load`); the longer checks in Semantics/CheckerStatements.swift.

extension StatementTable {
  static let load = StatementRow(
    "load", synopsis: "NAME = load \"FILE.csv\" [target=COLUMN|last] [header=true|false] [shape=HxWxC]  or  load \"X.npy\" [labels=\"Y.npy\"]  or  load \"A.npz\" [x=\"MEMBER\"] [labels=\"MEMBER\"]  or  NAME = load \"FILE.safetensors\"",
    summary: "Load a CSV file (or a .npy / IDX array, or .npz archive) as a dataset, the target column holding the labels; or a model saved by save.",
    example: "iris = load \"examples/data/iris.csv\" target=label",
    arguments: [.expressions(1...1, what: "a file name", suchAs: "\"data.csv\"", files: [".csv", ".npy", ".npz", ".safetensors"])],
    options: [
      OptionSpec("target", "COLUMN|last", "the label column, by header name or `last`",
                 values: .words(["last"]), example: "target=label"),
      OptionSpec("header", "true|false", "whether the first row holds column names",
                 example: "header=false", kind: .bool),
      OptionSpec("labels", "\"FILE\"|\"MEMBER\"", "for a .npy or IDX features file: the file of labels (one per sample); for a .npz archive: the member holding them",
                 values: .nothing, example: "labels=\"digits_labels.npy\""),
      OptionSpec("x", "\"MEMBER\"", "for a .npz archive: the member holding the features (needed when the archive has several)",
                 values: .nothing, example: "x=\"x_train\""),
      OptionSpec("shape", "HxWxC", "reshape each sample's features, e.g. 64 CSV columns to 8x8x1 images",
                 values: .nothing, example: "shape=8x8x1"),
    ],
    role: .value(check: { checker, c in
      guard let e = c.args.first, case .string = e.kind else {
        throw Diagnostic.error("load needs a file name in quotes", at: c.range,
                               hint: "e.g. iris = load \"examples/data/iris.csv\" target=label")
      }
      if c.args.count > 1 { throw Diagnostic.error("load takes one file name", at: c.args[1].range) }
      return [try checker.loadKind(c)]
    }, run: { interpreter, c, names in
      [try interpreter.load(c, name: names.first ?? "value")]
    }))

  static let split = StatementRow(
    "split", synopsis: "A, B = split DATA FRACTION [FRACTION] [stratify=true] [shuffle=true]",
    summary: "Split a dataset into two (or three) parts by fraction.",
    example: "train, test = split iris 0.8 stratify=true",
    arguments: [.expressions(2...3, what: "a dataset and a fraction")],
    options: [
      OptionSpec("stratify", "true|false", "keep class proportions equal in every part",
                 example: "stratify=true", kind: .bool),
      OptionSpec("shuffle", "true|false", "shuffle rows before splitting",
                 example: "shuffle=false", kind: .bool),
    ],
    role: .value(check: { checker, c in try checker.checkSplit(c) },
                 run: { interpreter, c, names in try interpreter.split(c, names: names) }))

  static let standardize = StatementRow(
    "standardize", synopsis: "standardize DATA [DATA ...]",
    summary: "Scale features to mean 0, std 1 using statistics of the first dataset (per pixel on images, which usually take a rescale layer instead).",
    example: "standardize train test",
    arguments: [.expressions(1...Int.max, what: "a dataset")],
    role: .command(check: { checker, c in try checker.checkScale(c) },
                   run: { try $0.scale($1, minMax: false) }))

  static let normalize = StatementRow(
    "normalize", synopsis: "normalize DATA [DATA ...]",
    summary: "Scale features to [0, 1] using the range of the first dataset (per pixel on images, which usually take a rescale layer instead).",
    example: "normalize train test",
    arguments: [.expressions(1...Int.max, what: "a dataset")],
    role: .command(check: { checker, c in try checker.checkScale(c) },
                   run: { try $0.scale($1, minMax: true) }))
}

extension Checker {
  /// `standardize` / `normalize`: one or more datasets.
  func checkScale(_ c: Command) throws {
    let k = c.keyword.text
    guard !c.args.isEmpty else {
      throw Diagnostic.error("\(k) needs at least one dataset", at: c.range, hint: "e.g. \(k) train test")
    }
    for e in c.args {
      let kind = try kind(of: e)
      guard kind.isDataset || kind == .unknown else {
        throw Diagnostic.error("\(k) works on datasets; this is \(kind.description)", at: e.range)
      }
    }
  }
}
