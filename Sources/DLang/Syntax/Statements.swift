// What a statement looks like, as the statement table declares it: its options (with their
// types and bounds) and its positional arguments. The rows themselves, with their parse,
// check and run functions, are in Sources/DLang/Statements; `Statements` is their public face,
// which `help` and TAB completion read.

/// The type of an option's value and its bounds: the one place they are declared. The checker
/// (before running) and the interpreter (before running a statement) both validate simple
/// options through `TableOptions`, so they can never disagree; `.custom` options are read by
/// their statement.
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

/// What TAB completion offers as the value of an option.
public enum OptionValues: Sendable, Equatable {
  /// Nothing to list: a number, a path, a column only the data knows.
  case nothing
  /// These words (drawn from NeuralNet's and DLang's tables, or from the option's kind).
  case words([String])
  /// The session's datasets.
  case datasets
  /// Any name of the session.
  case names
}

/// One `name=value` option of a statement.
public struct OptionSpec: Sendable, Equatable {
  /// The option name, e.g. `epochs`.
  public var name: String
  /// What the value looks like, e.g. `N` or `FRACTION|DATASET`.
  public var valueHint: String
  /// One line of help.
  public var help: String
  /// More lines for `help OPTION` (the settings of a call such as `early_stopping(…)`).
  public var details: [String]
  /// What completion offers for the value.
  public var values: OptionValues
  /// For an option whose value is a call (`optimizer=adam(lr=…)`): the words completion
  /// offers for a setting inside it, by setting name.
  public var settingValues: [String: [String]]
  /// A typical use, e.g. `epochs=10`.
  public var example: String
  /// The value's type and bounds.
  public var kind: OptionKind

  /// Creates an option spec. `values` defaults from `kind`: `true`/`false` for a boolean, the
  /// numbers of a small whole-number range (`0|1|2`), nothing for other numbers, any session
  /// name for a custom option.
  public init(_ name: String, _ valueHint: String, _ help: String, values: OptionValues? = nil,
              settingValues: [String: [String]] = [:], details: [String] = [],
              example: String, kind: OptionKind = .custom) {
    self.name = name
    self.valueHint = valueHint
    self.help = help
    self.details = details
    self.values = values ?? OptionSpec.defaultValues(kind)
    self.settingValues = settingValues
    self.example = example
    self.kind = kind
  }

  /// The words completion offers; empty when the value is open-ended.
  public var allowedValues: [String] {
    if case .words(let words) = values { return words }
    return []
  }

  static func defaultValues(_ kind: OptionKind) -> OptionValues {
    switch kind {
    case .bool: return .words(["true", "false"])
    case .int(let lo, let hi) where hi - lo < 10: return .words((lo...hi).map(String.init))
    case .int, .number: return .nothing
    case .custom: return .names
    }
  }
}

/// Which words a `.word` argument takes.
public enum WordKind: Sendable, Equatable {
  /// A metric of the model's training history (`plot net accuracy`).
  case metric
  /// A `help` topic: any name, statement keywords included.
  case helpTopic
}

/// One positional argument (or run of them) of a statement, in order. The generic statement
/// parser reads these; the grammar rule of the statement is rendered from them; completion
/// offers names that fit each one.
public enum ArgumentShape: Sendable, Equatable {
  /// `identifier`: the name of a model.
  case model
  /// `count` expressions side by side. `what` names them in "expected … after 'fit net'";
  /// `suchAs` adds an example; completion prefers files ending in `files` inside quotes.
  case expressions(ClosedRange<Int>, what: String, suchAs: String? = nil, files: [String] = [])
  /// `string`: a file name in quotes; completion prefers files ending in `extensions`.
  case path(extensions: [String])
  /// `[ identifier ]` (or `[ identifier | keyword ]` for a help topic): an optional word.
  case word(what: String, suchAs: String, of: WordKind)
  /// Another statement (`time STATEMENT`).
  case statement
}

/// One statement keyword as `help` and completion see it.
public struct StatementSpec: Sendable, Equatable {
  /// The keyword, e.g. `fit`.
  public var name: String
  /// Usage line, e.g. `fit MODEL DATA [epochs=N] ...`.
  public var synopsis: String
  /// One line saying what it does.
  public var summary: String
  /// A complete example statement.
  public var example: String
  /// Its positional arguments, in order.
  public var arguments: [ArgumentShape]
  /// Its `name=value` options.
  public var options: [OptionSpec]
  /// True for `load` and `split`, which only appear on the right of `=`.
  public var isValue: Bool
  /// The name of its rule in grammar/dl.ebnf, e.g. `fit_stmt` or `load_expr`.
  public var rule: String

  /// Creates a statement spec.
  public init(_ name: String, synopsis: String, summary: String, example: String,
              arguments: [ArgumentShape] = [], options: [OptionSpec] = [], isValue: Bool = false) {
    self.name = name
    self.synopsis = synopsis
    self.summary = summary
    self.example = example
    self.arguments = arguments
    self.options = options
    self.isValue = isValue
    self.rule = name + (isValue ? "_expr" : "_stmt")
  }

  /// The option called `name`, if the statement has one.
  public func option(_ name: String) -> OptionSpec? {
    options.first { $0.name == name }
  }

  /// All option names, in table order.
  public var optionNames: [String] { options.map(\.name) }

  /// Whether the first argument names a model (`fit MODEL …`).
  public var takesModel: Bool { arguments.first == .model }
}
