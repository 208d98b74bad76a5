import Autograd
import NeuralNet
import TermPlot

/// Runs checked statements against a session, each through its row of the statement table;
/// the rows' run functions report through the session's output and throw located diagnostics.
struct Interpreter {
  let session: Session
  /// The file (or `<cell N>`) being run, for diagnostics of nested runs.
  let file: String
  let source: String

  var output: SessionOutput { session.output }
  var style: RenderStyle { session.output.style }

  /// Runs one statement. A command's simple options are validated against the table first
  /// (as the checker does), so a bound holds even for a statement the checker never saw.
  func execute(_ s: Statement) throws {
    if case .assign(let targets, let value) = s.kind {
      try assign(targets, value)
      return
    }
    guard let row = StatementTable.row(for: s) else { return }
    switch row.role {
    case .command(_, let run):
      guard case .command(let c) = s.kind else { return }
      try TableOptions.validate(c, arguments(c))
      try run(self, c)
    case .value:
      throw Diagnostic.error("'\(row.name)' cannot be used on its own here", at: s.range)
    case .structure(_, let run):
      try run(self, s)
    }
  }

  /// An `Arguments` reader that evaluates fully.
  func arguments(_ c: Command) -> Arguments {
    let ev = Evaluator(session: session)
    return Arguments(owner: c.keyword.text, args: c.args, options: c.options, range: c.range,
                     evaluate: { try ev.evaluate($0) })
  }

  func evaluate(_ e: Expr) throws -> Value { try Evaluator(session: session).evaluate(e) }

  // MARK: simple statements

  func seed(_ c: Command) throws {
    let args = arguments(c)
    guard let e = c.args.first, let n = try args.int(e, what: "the seed", min: 0) else { return }
    session.setSeed(UInt64(n))
  }

  func printValues(_ c: Command) throws {
    let parts = try c.args.map { try vocabularyTable($0) ?? display(try evaluate($0)) }
    let joined = parts.contains { $0.contains("\n") } ? parts.joined(separator: "\n") : parts.joined(separator: " ")
    show(joined)
  }

  /// The printed form of a value.
  func display(_ v: Value) throws -> String {
    switch v {
    case .number(let x): return ValueFormat.number(x)
    case .string(let s): return s
    case .bool(let b): return b ? "true" : "false"
    case .tensor(let t): return ValueFormat.tensor(t)
    case .dataset(let d): return d.describe
    case .stream(let s): return s.describe
    case .model(let m): return "model \(m.name): \(plural(m.network.layers.count, "layer")), \(plural(m.network.parameterCount, "param", grouped: true))"
    case .layer(let m, let l): return "layer \(l) of model \(m.name)"
    case .list(let items):
      // Only `.shape` makes a list of numbers (numeric list literals are tensors): a shape
      // prints as NumPy and Keras write it, (4, 4).
      let dims = items.compactMap { item -> Int? in
        if case .number(let x) = item, x == x.rounded(), abs(x) < 1e15 { return Int(x) }
        return nil
      }
      if !items.isEmpty && dims.count == items.count { return ValueFormat.shape(dims) }
      return "[" + (try items.map(display)).joined(separator: ", ") + "]"
    }
  }

  func assign(_ targets: [AssignTarget], _ value: AssignValue) throws {
    let values: [Value]
    switch value {
    case .expr(let e): values = [try evaluate(e)]
    case .command(let c):
      guard let row = StatementTable.row(c.keyword.text), case .value(_, let run) = row.role else {
        throw Diagnostic.error("'\(c.keyword.text)' cannot be used as a value", at: c.keyword.range)
      }
      try TableOptions.validate(c, arguments(c))
      values = try run(self, c, targets.map(targetName))
    }
    let valueRange: SourceRange
    switch value {
    case .expr(let e): valueRange = e.range
    case .command(let c): valueRange = c.range
    }
    for (t, v) in zip(targets, values) {
      switch t {
      case .name(let n): session.bind(n.text, v)
      case .member(let e): try assignMember(e, v, valueRange: valueRange)
      }
    }
  }

  func targetName(_ t: AssignTarget) -> String {
    if case .name(let n) = t { return n.text }
    return "value"
  }

  /// `net.dense_1.weights = [[…]]`; a value of the wrong shape is reported at the value.
  func assignMember(_ e: Expr, _ v: Value, valueRange: SourceRange) throws {
    guard case .member(let base, let param) = e.kind, case .layer(let model, let layer) = try evaluate(base) else {
      throw Diagnostic.error("only layer parameters can be assigned, e.g. net.dense_1.weights = [[…]]", at: e.range)
    }
    guard case .tensor(let t) = v else {
      throw Diagnostic.error("a parameter must be set to a tensor, not \(v.kindName)", at: valueRange)
    }
    let names = model.network.parameterNames(of: layer)
    guard names.contains(param.text) else {
      throw Diagnostic.unknown("layer '\(layer)' has no parameter '\(param.text)'", param.text, in: names,
                               at: param.range, fallbackHint: names.isEmpty ? "'\(layer)' has no parameters"
                                 : "its parameters: " + names.joined(separator: ", "))
    }
    do {
      try model.network.setParameter(layer: layer, name: param.text, value: t)
    } catch let error as ShapeError {
      throw Diagnostic.error(error.message, at: valueRange)
    } catch {
      throw Diagnostic.error("\(error)", at: param.range)
    }
  }

  func time(_ inner: Statement) throws {
    let start = Clock.now()
    try execute(inner)
    let elapsed = Clock.now() - start
    show("Wall time: " + Interpreter.wallTime(elapsed))
  }
}

/// `1 layer`, `3 layers`; `grouped`: `1,024 params`, as parameter counts are written.
func plural(_ n: Int, _ word: String, grouped: Bool = false) -> String {
  "\(grouped ? Format.integer(n) : String(n)) \(word)\(n == 1 ? "" : "s")"
}

extension Interpreter {
  /// `812 µs`, `12.3 ms`, `4.21 s` — IPython's %time style.
  static func wallTime(_ s: Double) -> String {
    if s < 1e-3 { return Format.fixed(s * 1e6, decimals: 0) + " µs" }
    if s < 1 { return Format.fixed(s * 1e3, decimals: 1) + " ms" }
    return Format.fixed(s, decimals: 2) + " s"
  }
}

extension Interpreter {
  /// Prints a result with trailing spaces removed from every line (tables and charts pad).
  func show(_ text: String) {
    output.result(text.split(separator: "\n", omittingEmptySubsequences: false)
      .map { line in line.last == " " ? String(line.reversed().drop { $0 == " " }.reversed()) : String(line) }
      .joined(separator: "\n"))
  }
}
