// The statement table: one entry per statement keyword, with its synopsis, help text and
// options. The parser validates option names against it; the REPL uses it for `help` and
// TAB completion.

/// The type of an option's value and its bounds: the one place they are declared. The checker
/// (before running) and the interpreter (running) both read simple options through
/// `TableOptions`, so they can never disagree; `.custom` options are read by their statement.
public enum OptionKind: Sendable, Equatable {
  /// A whole number in `min...max`.
  case int(min: Int, max: Int)
  /// A number in `lo...hi` (`hi` excluded when `openHigh`).
  case number(lo: Double, hi: Double, openHigh: Bool)
  /// `true` or `false`.
  case bool
  /// Read by the statement itself (names, lists, calls, datasets, paths).
  case custom
}

/// One `name=value` option of a statement.
public struct OptionSpec: Sendable, Equatable {
  /// The option name, e.g. `epochs`.
  public var name: String
  /// What the value looks like, e.g. `N` or `FRACTION|DATASET`.
  public var valueHint: String
  /// One line of help.
  public var help: String
  /// The identifier/number values it accepts when they can be listed (for completion);
  /// empty when open-ended. The checker is authoritative.
  public var allowedValues: [String]
  /// A typical use, e.g. `epochs=10`.
  public var example: String
  /// The value's type and bounds.
  public var kind: OptionKind

  /// Creates an option spec.
  public init(_ name: String, _ valueHint: String, _ help: String, allowed: [String] = [],
              example: String, kind: OptionKind = .custom) {
    self.name = name
    self.valueHint = valueHint
    self.help = help
    self.allowedValues = allowed
    self.example = example
    self.kind = kind
  }
}

/// One statement keyword.
public struct StatementSpec: Sendable, Equatable {
  /// The keyword, e.g. `fit`.
  public var name: String
  /// Usage line, e.g. `fit MODEL DATA [epochs=N] ...`.
  public var synopsis: String
  /// One line saying what it does.
  public var summary: String
  /// A complete example statement.
  public var example: String
  public var options: [OptionSpec]
  /// True for `load` and `split`, which only appear on the right of `=`.
  public var isValue: Bool

  /// Creates a statement spec.
  public init(_ name: String, synopsis: String, summary: String, example: String,
              options: [OptionSpec] = [], isValue: Bool = false) {
    self.name = name
    self.synopsis = synopsis
    self.summary = summary
    self.example = example
    self.options = options
    self.isValue = isValue
  }

  /// The option called `name`, if the statement has one.
  public func option(_ name: String) -> OptionSpec? {
    options.first { $0.name == name }
  }

  /// All option names, in table order.
  public var optionNames: [String] { options.map(\.name) }
}

/// The table of statements.
public enum Statements {
  /// The spec for `keyword`, if it is a statement keyword.
  public static func spec(_ keyword: String) -> StatementSpec? {
    byName[keyword]
  }

  private static let byName: [String: StatementSpec] =
    Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

  static let bool = ["true", "false"]

  /// Every statement, in the order `help` lists them.
  public static let all: [StatementSpec] = [
    StatementSpec(
      "seed", synopsis: "seed N", summary: "Seed the random generator so runs repeat exactly; without it, the first random choice draws a seed and prints it.",
      example: "seed 42"),
    StatementSpec(
      "load", synopsis: "NAME = load \"FILE.csv\" [target=COLUMN|last] [header=true|false]  or  load \"X.npy\" [labels=\"Y.npy\"]  or  load \"A.npz\" [x=\"MEMBER\"] [labels=\"MEMBER\"]  or  NAME = load \"FILE.safetensors\"",
      summary: "Load a CSV file (or a .npy / IDX array, or .npz archive) as a dataset, the target column holding the labels; or a model saved by save.",
      example: "iris = load \"examples/data/iris.csv\" target=label",
      options: [
        OptionSpec("target", "COLUMN|last", "the label column, by header name or `last`",
                   allowed: ["last"], example: "target=label"),
        OptionSpec("header", "true|false", "whether the first row holds column names",
                   allowed: bool, example: "header=false", kind: .bool),
        OptionSpec("labels", "\"FILE\"|\"MEMBER\"", "for a .npy or IDX features file: the file of labels (one per sample); for a .npz archive: the member holding them",
                   example: "labels=\"digits_labels.npy\""),
        OptionSpec("x", "\"MEMBER\"", "for a .npz archive: the member holding the features (needed when the archive has several)",
                   example: "x=\"x_train\""),
        OptionSpec("shape", "HxWxC", "reshape each sample's features, e.g. 64 CSV columns to 8x8x1 images",
                   example: "shape=8x8x1"),
      ], isValue: true),
    StatementSpec(
      "split", synopsis: "A, B = split DATA FRACTION [FRACTION] [stratify=true] [shuffle=true]",
      summary: "Split a dataset into two (or three) parts by fraction.",
      example: "train, test = split iris 0.8 stratify=true",
      options: [
        OptionSpec("stratify", "true|false", "keep class proportions equal in every part",
                   allowed: bool, example: "stratify=true", kind: .bool),
        OptionSpec("shuffle", "true|false", "shuffle rows before splitting", allowed: bool,
                   example: "shuffle=false", kind: .bool),
      ], isValue: true),
    StatementSpec(
      "standardize", synopsis: "standardize DATA [DATA ...]",
      summary: "Scale features to mean 0, std 1 using statistics of the first dataset (per pixel on images, which usually take a rescale layer instead).",
      example: "standardize train test"),
    StatementSpec(
      "normalize", synopsis: "normalize DATA [DATA ...]",
      summary: "Scale features to [0, 1] using the range of the first dataset (per pixel on images, which usually take a rescale layer instead).",
      example: "normalize train test"),
    StatementSpec(
      "model", synopsis: "model NAME { LAYER ... }",
      summary: "Define a network: one layer per line inside the braces.",
      example: "model net { input 4; dense 3 softmax }"),
    StatementSpec(
      "compile", synopsis: "compile MODEL loss=LOSS optimizer=OPT[(lr=R|SCHEDULE(R, ...), CLIP=V, ...)] [metrics=[M, ...]]",
      summary: "Choose the loss, optimizer and metrics of a model.",
      example: "compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]",
      options: [
        OptionSpec("loss", "LOSS", "the loss to minimise",
                   allowed: ["mse", "mae", "binary_crossentropy", "categorical_crossentropy",
                             "sparse_categorical_crossentropy"],
                   example: "loss=mse"),
        OptionSpec("optimizer", "OPT|OPT(lr=R, ...)", "the optimizer, optionally with settings; lr may be a schedule such as cosine(0.003, epochs=200), and clipnorm, clipvalue or global_clipnorm clips the gradients",
                   allowed: ["sgd", "adam", "rmsprop"], example: "optimizer=adam(lr=0.01)"),
        OptionSpec("metrics", "[M, ...]", "metrics to report while training",
                   allowed: ["accuracy"], example: "metrics=[accuracy]"),
      ]),
    StatementSpec(
      "summary", synopsis: "summary MODEL", summary: "Show the layers, shapes and parameter counts.",
      example: "summary net"),
    StatementSpec(
      "fit", synopsis: "fit MODEL DATA|X Y [epochs=N] [batch=N] [validation=FRACTION|DATA] [shuffle=B] [verbose=0|1|2] [early_stopping=N] [class_weight=balanced|[W, ...]] [log=\"FILE.csv\"] [checkpoint=\"DIR\"] [resume=\"DIR\"]",
      summary: "Train a model on a dataset, or on inputs X and targets Y.",
      example: "fit net train epochs=60 batch=16 validation=0.1",
      options: [
        OptionSpec("epochs", "N", "passes over the training data", example: "epochs=10",
                   kind: .int(min: 1, max: 1_000_000)),
        OptionSpec("batch", "N", "samples per gradient step", example: "batch=32",
                   kind: .int(min: 1, max: 1 << 24)),
        OptionSpec("validation", "FRACTION|DATASET",
                   "hold out a fraction of the data, or validate on a dataset",
                   example: "validation=0.1"),
        OptionSpec("shuffle", "true|false", "shuffle the data every epoch", allowed: bool,
                   example: "shuffle=false", kind: .bool),
        OptionSpec("verbose", "0|1|2", "0 silent, 1 progress per epoch, 2 one line per epoch",
                   allowed: ["0", "1", "2"], example: "verbose=0", kind: .int(min: 0, max: 2)),
        OptionSpec("early_stopping", "N|early_stopping(patience=N, monitor=M, min_delta=D, restore_best=B, start_from=E)",
                   "stop when val_loss (loss without validation) has not improved for N epochs; restores the best weights",
                   example: "early_stopping=5"),
        OptionSpec("class_weight", "balanced|[W, ...]",
                   "weigh the loss per class: balanced = samples / (classes × class count), or one weight per class",
                   allowed: ["balanced"], example: "class_weight=balanced"),
        OptionSpec("log", "\"FILE.csv\"", "write one CSV row per epoch (Keras' CSVLogger: epoch, metrics, lr)",
                   example: "log=\"runs/net.csv\""),
        OptionSpec("checkpoint", "\"DIR\"",
                   "after every epoch, save weights, optimizer, generator, schedule and history into DIR (atomically)",
                   example: "checkpoint=\"runs/net.ckpt\""),
        OptionSpec("resume", "\"DIR\"",
                   "continue from the checkpoint in DIR (bit-identical to an uninterrupted run); starts afresh when DIR has none",
                   example: "resume=\"runs/net.ckpt\""),
      ]),
    StatementSpec(
      "evaluate", synopsis: "evaluate MODEL DATA|X Y [batch=N] [verbose=0|1|2]",
      summary: "Report loss and metrics on a dataset.", example: "evaluate net test",
      options: [
        OptionSpec("batch", "N", "samples per forward pass", example: "batch=64",
                   kind: .int(min: 1, max: 1 << 24)),
        OptionSpec("verbose", "0|1|2", "accepted as in fit (Keras' values); evaluate prints its one result line at every level",
                   allowed: ["0", "1", "2"], example: "verbose=0", kind: .int(min: 0, max: 2)),
      ]),
    StatementSpec(
      "predict", synopsis: "predict MODEL X|DATA [batch=N] [top=N]",
      summary: "Show the model's outputs for some inputs.", example: "predict net test top=3",
      options: [
        OptionSpec("batch", "N", "samples per forward pass", example: "batch=64",
                   kind: .int(min: 1, max: 1 << 24)),
        OptionSpec("top", "N", "show the N most likely classes", example: "top=3",
                   kind: .int(min: 1, max: 1_000_000)),
      ]),
    StatementSpec(
      "plot", synopsis: "plot MODEL [METRIC|lr]",
      summary: "Plot the training history (loss, or the given metric, or lr: the learning rate per epoch); marks the best epoch after early stopping.",
      example: "plot net accuracy"),
    StatementSpec(
      "save", synopsis: "save MODEL \"FILE.safetensors\"",
      summary: "Write a model (layers, weights, compile settings, class names) to a safetensors file; missing parent directories are created.",
      example: "save net \"runs/net.safetensors\""),
    StatementSpec(
      "print", synopsis: "print EXPR [, EXPR ...]", summary: "Print values.",
      example: "print \"weights\", net.dense_1.weights"),
    StatementSpec(
      "help", synopsis: "help [TOPIC]",
      summary: "List statements, or explain a statement, layer, optimizer or option.",
      example: "help fit"),
    StatementSpec(
      "vars", synopsis: "vars", summary: "List the variables, datasets and models defined.",
      example: "vars"),
    StatementSpec(
      "reset", synopsis: "reset", summary: "Forget every variable and model, and the seed (as a new session would).", example: "reset"),
    StatementSpec(
      "run", synopsis: "run \"FILE.dl\"", summary: "Run a script in the current session.",
      example: "run \"examples/xor.dl\""),
    StatementSpec(
      "time", synopsis: "time STATEMENT", summary: "Run a statement and report how long it took.",
      example: "time fit net train epochs=5"),
    StatementSpec(
      "history", synopsis: "history", summary: "Show the statements entered so far.",
      example: "history"),
    StatementSpec("exit", synopsis: "exit", summary: "Leave the session.", example: "exit"),
  ]
}
