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
  /// The seed last set (`seed N`), or the one drawn from the system at the first random
  /// choice; nil while neither has happened.
  public private(set) var seed: UInt64?
  /// The generator behind every random choice (initialisation, shuffling, dropout, splits).
  /// Without `seed N`, the first use draws a seed from the system and reports it once, so
  /// that the run can be repeated.
  var rng: SeededRandom {
    get {
      if seed == nil { drawSeed() }
      return generator
    }
    set { generator = newValue }
  }
  private var generator = SeededRandom(seed: 0)
  /// Where a seed comes from when the script sets none (tests can fix it).
  public var systemSeed: () -> UInt64 = { UInt64.random(in: 0...99_999_999) }
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
  /// The augmentation of the last `fit … augment=`, which `show augment(SAMPLE, N)` draws
  /// when it is given no steps.
  var lastAugmentation: Augmentation?
  /// Called before each statement runs, with its source text (transcripts use it).
  public var willRun: ((_ source: String, _ comments: [String]) -> Void)?

  /// The scripts running now, outermost first (`run "FILE"` nests): each path as written and
  /// its canonical identity (`SourceFile.identity`).
  public internal(set) var runChain: [(path: String, identity: String)] = []
  /// How many scripts `run` may nest.
  public static let maxRunDepth = 32

  public init(output: SessionOutput) { self.output = output }

  /// Runs a script file's text with the file on the run chain, so that a `run` of it (or of a
  /// script that runs it) is reported instead of recursing forever.
  @discardableResult
  public func runScript(_ source: String, file: String) -> Bool {
    runChain.append((file, SourceFile.identity(resolve(file)) ?? file))
    defer { runChain.removeLast() }
    return run(source, file: file)
  }

  /// Why running the script `path` (canonically `identity`) on top of `chain` is refused: it
  /// is already running (a cycle), or the chain is already `maxRunDepth` scripts deep.
  static func runProblem(chain: [(path: String, identity: String)], path: String,
                         identity: String) -> String? {
    let names = chain.map(\.path) + [path]
    if let first = chain.firstIndex(where: { $0.identity == identity }) {
      let cycle = names[first...].joined(separator: " → ")
      return "run cycle: \(cycle) (a script cannot run itself, directly or through others)"
    }
    if chain.count >= maxRunDepth {
      let shown = names.count > 6 ? names.prefix(3).joined(separator: " → ") + " → … → " + names.suffix(2).joined(separator: " → ")
        : names.joined(separator: " → ")
      return "scripts run each other more than \(maxRunDepth) deep (\(shown))"
    }
    return nil
  }

  /// Files the session has read as input — scripts, CSV data, model files — as resolved
  /// paths: `save` refuses to write over any of them.
  public private(set) var inputFiles: [String] = []

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

  /// Forgets every name and model, and the seed: as in a new session, the next random choice
  /// draws a new seed (and reports it) unless `seed N` comes first.
  public func reset() {
    bindings = [:]
    order = []
    seed = nil
    generator = SeededRandom(seed: 0)
    lastAugmentation = nil
  }

  /// Reseeds the generator.
  func setSeed(_ s: UInt64) {
    seed = s
    generator = SeededRandom(seed: s)
  }

  /// Draws a seed from the system and reports it on the progress stream.
  private func drawSeed() {
    let s = systemSeed()
    setSeed(s)
    output.progress(.note("seed \(s) (write it to repeat this run)"))
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
