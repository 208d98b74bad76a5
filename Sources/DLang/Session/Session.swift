import Autograd
import NeuralNet

/// The state of a `.dl` session — names, models, the seeded generator — and the entry point
/// that runs source text against it. A script is one run; each REPL cell is one run against the
/// same session, so everything a cell defines stays for the next.
public final class Session {
  /// Where results, progress and diagnostics go.
  public let output: SessionOutput
  /// Names bound by assignments, `load`, `split` and `model`, in definition order.
  private(set) var bindings: [String: Value] = [:]
  private(set) var order: [String] = []
  /// The seed last set (`seed N`), or the default.
  public private(set) var seed: UInt64 = 0
  /// The generator behind every random choice (initialisation, shuffling, dropout, splits).
  var rng = SeededRandom(seed: 0)
  /// Polled during `fit`: the REPL's Ctrl-C handler sets it; 1 = stop after this batch.
  public var interruptLevel: () -> Int = { 0 }
  /// Statements entered so far (for `history`), kept by the front end that reads them.
  public var inputHistory: [String] = []
  /// Current working directory for relative paths (`nil` = the process's).
  public var baseDirectory: String? = nil
  /// Set by the REPL while a `model` block is open (completion offers layer kinds).
  public var isTypingModelBlock = false
  /// Set by `exit`: the front end should leave.
  public internal(set) var exitRequested = false
  /// Whether a `model` block echoes its layers when it runs (the REPL echoes them as typed).
  public var echoModelLayers = true
  /// Called before each statement runs, with its source text (transcripts use it).
  public var willRun: ((_ source: String, _ comments: [String]) -> Void)?

  /// Files the session has read as input — scripts, CSV data, model files — as resolved
  /// paths: `save` refuses to write over any of them.
  public private(set) var inputFiles: [String] = []

  public init(output: SessionOutput) { self.output = output }

  /// Remembers a file read as input (a path already resolved against the base directory).
  func noteInput(_ resolvedPath: String) {
    if !inputFiles.contains(resolvedPath) { inputFiles.append(resolvedPath) }
  }

  /// The value bound to `name`.
  public func value(named name: String) -> Value? { bindings[name] }

  /// Bound names in definition order.
  public var names: [String] { order }

  /// Binds `name`, keeping first-definition order.
  func bind(_ name: String, _ value: Value) {
    if bindings[name] == nil { order.append(name) }
    bindings[name] = value
  }

  /// Forgets every name and model; the seed goes back to its default.
  public func reset() {
    bindings = [:]
    order = []
    setSeed(0)
  }

  /// Reseeds the generator.
  func setSeed(_ s: UInt64) {
    seed = s
    rng = SeededRandom(seed: s)
  }

  /// Parses, checks and runs `source`. Diagnostics go to the output, located in `file`
  /// (a path, or `<cell 7>`). Returns false when anything went wrong.
  @discardableResult
  public func run(_ source: String, file: String) -> Bool {
    if !file.hasPrefix("<") { noteInput(resolve(file)) }
    let program = Parser.parse(source: source)
    var diagnostics = program.diagnostics
    diagnostics += Checker(session: self).check(program.statements, source: source,
                                                   syntaxErrors: program.diagnostics)
    diagnostics.sort { ($0.range.start.line, $0.range.start.column) < ($1.range.start.line, $1.range.start.column) }
    for d in diagnostics { output.diagnostic(d, file: file, source: source) }
    if diagnostics.contains(where: { $0.severity == .error }) { return false }
    let interpreter = Interpreter(session: self, file: file, source: source)
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var previousEnd = 0
    for statement in program.statements {
      if let willRun {
        let (text, comments) = SourceText.statement(statement.range, lines: lines, after: previousEnd)
        willRun(text, comments)
      }
      previousEnd = statement.range.end.line
      do {
        try interpreter.execute(statement)
      } catch let d as Diagnostic {
        output.diagnostic(d, file: file, source: source)
        return false
      } catch is StopRequest {
        return true
      } catch {
        output.diagnostic(.error("\(error)", at: statement.range), file: file, source: source)
        return false
      }
      // Ctrl-C stopped this statement: the rest of the cell or script does not run.
      if interruptLevel() > 0, statement != program.statements.last {
        output.progress(.note("interrupted: the statements after line \(statement.range.end.line) were not run"))
        return true
      }
    }
    return true
  }
}

/// Thrown by `exit` to end a script or session early without an error.
struct StopRequest: Error {}
