// The syntax tree of a `.dl` program. Every node carries its source range so
// that the checker and interpreter can point diagnostics at the user's text.

/// A position in source text: 1-based line and 1-based column counted in characters.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var line: Int
  public var column: Int

  /// Creates a location from a 1-based line and column.
  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
    (a.line, a.column) < (b.line, b.column)
  }

  /// `line:column`, as used in messages ("unclosed '[' opened at 3:5").
  public var description: String { "\(line):\(column)" }
}

/// A half-open span of source text: `start` is the first character, `end` is just past the last.
public struct SourceRange: Sendable, Hashable {
  public var start: SourceLocation
  public var end: SourceLocation

  /// Creates a range from `start` (inclusive) to `end` (exclusive).
  public init(start: SourceLocation, end: SourceLocation) {
    self.start = start
    self.end = end
  }

  /// An empty range at `location`.
  public init(at location: SourceLocation) {
    self.init(start: location, end: location)
  }

  /// The smallest range covering `self` and `other`.
  public func union(_ other: SourceRange) -> SourceRange {
    SourceRange(start: min(start, other.start), end: max(end, other.end))
  }
}

/// An identifier as written, with its location.
public struct Name: Sendable, Equatable {
  public var text: String
  public var range: SourceRange

  /// Creates a name.
  public init(text: String, range: SourceRange) {
    self.text = text
    self.range = range
  }
}

/// Prefix operators.
public enum UnaryOp: String, Sendable, Equatable {
  case negate = "-"
}

/// Infix arithmetic operators; `*`, `/` and `@` bind tighter than `+` and `-`.
public enum BinaryOp: String, Sendable, Equatable {
  case add = "+"
  case subtract = "-"
  case multiply = "*"
  case divide = "/"
  /// The matrix product (NumPy's `@`).
  case matmul = "@"
}

/// The shape of an expression.
public indirect enum ExprKind: Sendable, Equatable {
  /// A numeric literal; `isInteger` is true when written without `.` or exponent.
  case number(Double, isInteger: Bool)
  /// A string literal with escapes already decoded.
  case string(String)
  case bool(Bool)
  /// A shape literal such as `8x8x1`.
  case shape([Int])
  case identifier(String)
  case list([Expr])
  /// `base.name`
  case member(Expr, Name)
  /// `base[index]`
  case index(Expr, Expr)
  /// `name(args, key=value)`
  case call(Name, args: [Expr], options: [Option])
  case unary(UnaryOp, Expr)
  case binary(BinaryOp, Expr, Expr)
  /// `base(args)` where `base` is not a plain name: a layer applied to a value,
  /// `net.dense_1(x)`.
  case apply(Expr, args: [Expr])
}

/// An expression with its source range (parentheses included when present).
public struct Expr: Sendable, Equatable {
  public var kind: ExprKind
  public var range: SourceRange

  /// Creates an expression.
  public init(kind: ExprKind, range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}

/// A `name=value` option.
public struct Option: Sendable, Equatable {
  public var name: Name
  public var value: Expr

  /// Creates an option.
  public init(name: Name, value: Expr) {
    self.name = name
    self.value = value
  }

  /// From the start of the name to the end of the value.
  public var range: SourceRange { name.range.union(value.range) }
}

/// A statement of the statement table other than a model block or `time` (and the `load` /
/// `split` value of an assignment): the keyword, positional args, options.
public struct Command: Sendable, Equatable {
  public var keyword: Name
  public var args: [Expr]
  public var options: [Option]
  /// From the keyword to the end of the last argument or option.
  public var range: SourceRange
  private var timedBox: CommandBox?

  /// Creates a command; `range` defaults to the keyword's range.
  public init(
    keyword: Name, args: [Expr] = [], options: [Option] = [], timed: Command? = nil,
    range: SourceRange? = nil
  ) {
    self.keyword = keyword
    self.args = args
    self.options = options
    self.range = range ?? keyword.range
    self.timedBox = timed.map(CommandBox.init)
  }

  /// Unused by the parser (timing is `StatementKind.time`); kept for the AST contract.
  public var timed: Command? {
    get { timedBox?.value }
    set { timedBox = newValue.map(CommandBox.init) }
  }

  /// The first option called `name`, if any.
  public func option(_ name: String) -> Option? {
    options.first { $0.name.text == name }
  }
}

/// Indirection so that `Command` may hold an optional `Command`.
final class CommandBox: Sendable, Equatable {
  let value: Command
  init(_ value: Command) { self.value = value }
  static func == (a: CommandBox, b: CommandBox) -> Bool { a.value == b.value }
}

/// One line of a model block: a layer kind (not validated here), positional args, options.
public struct LayerDecl: Sendable, Equatable {
  public var kind: Name
  public var args: [Expr]
  public var options: [Option]
  public var range: SourceRange
  /// The block of an encoder–decoder model the line is in (`encoder` or `decoder`), nil in
  /// a plain model block.
  public var section: String?

  /// Creates a layer declaration.
  public init(kind: Name, args: [Expr], options: [Option], range: SourceRange, section: String? = nil) {
    self.kind = kind
    self.args = args
    self.options = options
    self.range = range
    self.section = section
  }
}

/// The left side of `=`: a plain name, or a member path such as `net.dense_1.weights`.
public enum AssignTarget: Sendable, Equatable {
  case name(Name)
  /// An `Expr` whose kind is `.member`, nested down to an `.identifier`.
  case member(Expr)

  /// Where the target was written.
  public var range: SourceRange {
    switch self {
    case .name(let name): name.range
    case .member(let expr): expr.range
    }
  }
}

/// The right side of `=`: an expression, or a `load` / `split` command form.
public enum AssignValue: Sendable, Equatable {
  case expr(Expr)
  case command(Command)

  /// Where the value was written.
  public var range: SourceRange {
    switch self {
    case .expr(let expr): expr.range
    case .command(let command): command.range
    }
  }
}

/// The shape of a statement.
public indirect enum StatementKind: Sendable, Equatable {
  /// A statement of the statement table whose role is a command (`fit net train`).
  case command(Command)
  case assign(targets: [AssignTarget], value: AssignValue)
  case model(name: Name, layers: [LayerDecl])
  case time(Statement)
  /// `for NAME in SEQUENCE { statements }`.
  case loop(variable: Name, sequence: Expr, body: [Statement])
}

/// A statement with its source range.
public struct Statement: Sendable, Equatable {
  public var kind: StatementKind
  public var range: SourceRange

  /// Creates a statement.
  public init(kind: StatementKind, range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}

/// A parsed source text. `statements` holds only statements that parsed without error;
/// `diagnostics` holds every problem found, in source order.
public struct Program: Sendable, Equatable {
  public var statements: [Statement]
  public var diagnostics: [Diagnostic]

  /// Creates a program.
  public init(statements: [Statement], diagnostics: [Diagnostic]) {
    self.statements = statements
    self.diagnostics = diagnostics
  }

  /// True when any diagnostic is an error.
  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
