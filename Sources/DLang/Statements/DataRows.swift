import NeuralNet

// Rows of the statement table: the data statements — load, split, standardize, normalize
// (and windows, with generate, in SequenceRows.swift).
// Their run functions are in Interpreter/DataStatements.swift (and ModelFileStatements.swift
// for a model file given to `load`); the longer checks in Semantics/CheckerStatements.swift.

extension StatementTable {
  static let load = StatementRow(
    "load", synopsis: "NAME = load \"FILE.csv\" [target=COLUMN|last] [header=true|false] [shape=HxWxC] [missing=RULE|[COLUMN=RULE, …]] [categorical=[COLUMN, …]] [categories=DATA|MODEL]  or  load \"FILE.csv|X.npy\" stream=true [buffer=ROWS] [target=…] [labels=…] [missing=drop|zero|VALUE|mean|[COLUMN=RULE, …]]  or  load \"FILE.csv\" text=COLUMN vocab=V length=L [pad=pre|post] [truncate=pre|post] [target=COLUMN]  or  load \"PAIRS.csv\" source=COLUMN target=COLUMN [shared=false]  or  load \"X.npy\" [labels=\"Y.npy\"]  or  load \"A.npz\" [x=\"MEMBER\"] [labels=\"MEMBER\"]  or  NAME = load \"FILE.safetensors\"",
    summary: "Load a CSV file (or a .npy / IDX array, or .npz archive) as a dataset, the target column holding the labels; a CSV text column as token ids (text=); or a model saved by save; stream=true reads a file larger than memory in blocks on every pass.",
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
      OptionSpec("stream", "true|false", "read a file larger than memory in blocks on every pass (a CSV file, or a memory-mapped .npy / IDX array) instead of loading it whole; fit, evaluate, predict, split and standardize take the result; its missing cells can be dropped or filled with zero, a number or the column's mean as the rows are read",
                 example: "stream=true", kind: .bool),
      OptionSpec("buffer", "ROWS", "with stream=true: rows of the seeded shuffle buffer fit draws its batches from (default 10000)",
                 example: "buffer=50000", kind: .int(min: 1, max: 10_000_000)),
    ] + TextLoadOptions.specs + Seq2SeqLoadOptions.specs + PreparationOptions.specs,
    role: .value(check: { checker, c in
      guard let e = c.args.first, case .string = e.kind else {
        throw Diagnostic.error("load needs a file name in quotes", at: c.range,
                               hint: "e.g. iris = load \"examples/data/iris.csv\" target=label")
      }
      if c.args.count > 1 { throw Diagnostic.error("load takes one file name", at: c.args[1].range) }
      let kind = try checker.loadKind(c)
      _ = try PreparationOptions.read(c)
      if let o = c.option("categories") {
        let k = try checker.kind(of: o.value)
        guard k.isDataset || k.isModel || k == .unknown else {
          throw Diagnostic.error("categories= names a dataset or model; this is \(k.description)", at: o.value.range)
        }
      }
      if kind.isDataset, let text = try TextLoadOptions.read(c, checker.arguments(c)) {
        return [.dataset(text.length.map { [$0] })]
      }
      return [kind]
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

/// `load "FILE.csv" text=COLUMN vocab=V length=L [pad=pre|post] [truncate=pre|post]`: the options
/// that load a column of texts as token ids, read the same way by the checker and the
/// interpreter.
enum TextLoadOptions {
  /// The options' rows in the `load` table.
  static let specs: [OptionSpec] = [
    OptionSpec("text", "COLUMN", "a column of texts: each becomes `length` token ids of a tokenizer fitted on the file (lowercase, split on non-letters; 0 = padding, 1 = unknown word, 2… the most frequent words)",
               values: .nothing, example: "text=review"),
    OptionSpec("vocab", "V", "with text=: token ids in all, so the V−2 most frequent words get their own id (ties: the word seen first)",
               example: "vocab=2000", kind: .int(min: 3, max: Tokenizer.maxVocabulary)),
    OptionSpec("length", "L", "with text=: ids per text; longer texts are cut, shorter ones padded with 0",
               example: "length=40", kind: .int(min: 1, max: Tokenizer.maxLength)),
    OptionSpec("pad", "pre|post", "with text=: pad short texts at the front (pre, the default, as Keras' pad_sequences) or at the end",
               values: .words(sides), example: "pad=post"),
    OptionSpec("truncate", "pre|post", "with text=: cut long texts at the front, keeping their last words (pre, the default, as Keras' pad_sequences), or at the end",
               values: .words(sides), example: "truncate=post"),
  ]

  static let sides = Tokenizer.Side.allCases.map(\.rawValue)

  /// What the options say; `vocab` and `length` are nil while they are not known (a name
  /// the checker cannot evaluate).
  struct Parsed {
    var column: String
    var vocab: Int?
    var length: Int?
    var padding: Tokenizer.Side
    var truncating: Tokenizer.Side

    /// The options for the loader, once every value is known.
    var options: TextOptions? {
      guard let vocab, let length else { return nil }
      return TextOptions(column: column, vocabulary: vocab, length: length, padding: padding,
                         truncating: truncating)
    }
  }

  /// The text options of `c`: nil without `text=`; an error for a text option without it, a
  /// missing vocab= or length=, or a pad=/truncate= that is not pre or post.
  static func read(_ c: Command, _ args: Arguments) throws -> Parsed? {
    guard let text = c.option("text") else {
      for name in ["vocab", "length", "pad", "truncate"] {
        if let o = c.option(name) {
          throw Diagnostic.error("\(name)= belongs to a text column: name it with text=COLUMN", at: o.name.range,
                                 hint: "e.g. load \"reviews.csv\" text=review target=label vocab=2000 length=40")
        }
      }
      return nil
    }
    let column: String
    switch text.value.kind {
    case .identifier(let s), .string(let s): column = s
    default: throw Diagnostic.error("text is a column name, e.g. text=review", at: text.value.range)
    }
    if let o = c.option("shape") {
      throw Diagnostic.error("shape= reshapes numeric features; a text column becomes length= token ids", at: o.name.range)
    }
    for name in ["vocab", "length"] where c.option(name) == nil {
      throw Diagnostic.error("text= needs \(name)=", at: text.name.range,
                             hint: "e.g. text=\(column) vocab=2000 length=40: 2000 token ids, 40 per text")
    }
    return Parsed(column: column, vocab: try TableOptions.int(c, "vocab", args),
                  length: try TableOptions.int(c, "length", args),
                  padding: try side(c, "pad"), truncating: try side(c, "truncate"))
  }

  /// `pad=` / `truncate=`: pre (the default) or post.
  static func side(_ c: Command, _ name: String) throws -> Tokenizer.Side {
    guard let o = c.option(name) else { return .pre }
    if case .identifier(let s) = o.value.kind, let side = Tokenizer.Side(rawValue: s) { return side }
    throw Diagnostic.error("\(name) is pre or post", at: o.value.range)
  }
}
