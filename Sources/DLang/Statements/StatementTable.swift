// The statement table: one row per statement keyword, holding everything about it — what
// `help` shows, its options with their types and bounds, how it is parsed, checked and run.
// The parser, the checker, the interpreter, `help` and TAB completion all dispatch through
// `StatementTable.rows`; no other place lists the statements.

/// How a statement is parsed.
enum StatementSyntax: Sendable {
  /// The generic rule: the keyword, the row's `arguments` in order, then its options (when it
  /// has any). The grammar rule is rendered from the arguments (`StatementRow.grammarRule`).
  case arguments
  /// An irregular command (`print a, b`): a parse function, from the keyword on, headed by
  /// its EBNF rule.
  case command(@Sendable (inout Parser) throws(ParseAbort) -> Command)
  /// A statement that is not a command (a model block, `time STATEMENT`).
  case statement(@Sendable (inout Parser) throws(ParseAbort) -> Statement)
}

/// What a statement does, before running (check) and when it runs.
enum StatementRole: Sendable {
  /// A statement of its own (`fit net train`).
  case command(check: @Sendable (inout Checker, Command) throws -> Void,
               run: @Sendable (Interpreter, Command) throws -> Void)
  /// A value on the right of `=` (`iris = load …`, `a, b = split …`): the check gives the
  /// kinds of the values, the run the values, for the names on the left.
  case value(check: @Sendable (inout Checker, Command) throws -> [Kind],
             run: @Sendable (Interpreter, Command, _ names: [String]) throws -> [Value])
  /// A statement that is not a command (`model NAME { … }`, `time STATEMENT`).
  case structure(check: @Sendable (inout Checker, Statement) -> Void,
                 run: @Sendable (Interpreter, Statement) throws -> Void)
}

/// One statement: its spec (help, options, arguments), its syntax and its role.
struct StatementRow: Sendable {
  let spec: StatementSpec
  let syntax: StatementSyntax
  let role: StatementRole

  /// A row; `isValue` of the spec follows from the role.
  init(_ name: String, synopsis: String, summary: String, example: String,
       arguments: [ArgumentShape] = [], options: [OptionSpec] = [],
       syntax: StatementSyntax = .arguments, role: StatementRole) {
    var isValue = false
    if case .value = role { isValue = true }
    spec = StatementSpec(name, synopsis: synopsis, summary: summary, example: example,
                         arguments: arguments, options: options, isValue: isValue)
    self.syntax = syntax
    self.role = role
  }

  /// The keyword.
  var name: String { spec.name }
}

/// The table.
enum StatementTable {
  /// Every statement, in the order `help` lists them.
  static let rows: [StatementRow] = [
    seed, load, split, standardize, normalize, windows, model,
    compile, summary, fit, evaluate,
    crossval, search, predict, generate, plot, show, confusion, gradients, trace, activations, lrfind,
    compare, save, export, print, forLoop, help, vars, reset, run, time, history, exit, describe,
    impute, resample, onehot,
  ]

  private static let byName: [String: StatementRow] =
    Dictionary(rows.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

  /// The row of `keyword`, if it is a statement keyword.
  static func row(_ keyword: String) -> StatementRow? { byName[keyword] }

  /// The row a parsed statement belongs to (nil for an assignment, whose value's row is
  /// that of its command).
  static func row(for statement: Statement) -> StatementRow? {
    switch statement.kind {
    case .command(let c): return row(c.keyword.text)
    case .model: return model
    case .time: return time
    case .loop: return forLoop
    case .assign: return nil
    }
  }
}

/// The statement table's public face: what `help` and TAB completion read.
public enum Statements {
  /// The spec for `keyword`, if it is a statement keyword.
  public static func spec(_ keyword: String) -> StatementSpec? {
    StatementTable.row(keyword)?.spec
  }

  /// Every statement, in the order `help` lists them.
  public static let all: [StatementSpec] = StatementTable.rows.map(\.spec)
}
