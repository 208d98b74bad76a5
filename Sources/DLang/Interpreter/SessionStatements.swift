import Autograd
import NeuralNet
import TermPlot

/// `help`, `vars`, `reset`, `run`, `history`.
extension Interpreter {
  func help(_ c: Command) throws {
    guard let e = c.args.first else {
      show(HelpText.overview(style: style))
      return
    }
    let topic: String
    switch e.kind {
    case .identifier(let s), .string(let s): topic = s
    default: topic = ""
    }
    guard let text = HelpText.topic(topic) else {
      throw Diagnostic.unknown("no help for '\(topic)'", topic, in: HelpText.topics, at: e.range,
                               fallbackHint: "try: help, help fit, help dense, help adam")
    }
    show(text)
  }

  func vars(_ c: Command) throws {
    let rows = session.names.compactMap { name -> [String]? in
      guard let v = session.value(named: name) else { return nil }
      return [name, v.kindWord, VarsText.shape(v), VarsText.detail(v)]
    }
    if rows.isEmpty { show("no variables yet"); return }
    show(Table.render(headers: ["name", "kind", "shape", "details"], rows: rows, style: style))
  }

  func reset(_ c: Command) throws {
    session.reset()
    show("session reset: every variable and model forgotten")
  }

  /// Runs a script into this session (its names stay), reporting errors in that file.
  func runFile(_ c: Command) throws {
    guard let e = c.args.first, case .string(let path) = e.kind else {
      throw Diagnostic.error("run needs a file name in quotes", at: c.range)
    }
    let resolved = session.resolve(path)
    let text: String
    switch SourceFile.load(resolved) {
    case .success(let t): text = t
    case .failure(let failure):
      let where_ = failure.line.map { "'\(path)' line \($0): " } ?? "cannot read '\(path)': "
      throw Diagnostic.error(where_ + failure.description, at: e.range)
    }
    let identity = SourceFile.identity(resolved) ?? resolved
    if let problem = Session.runProblem(chain: session.runChain, path: path, identity: identity) {
      throw Diagnostic.error(problem, at: e.range)
    }
    session.runChain.append((path, identity))
    defer { session.runChain.removeLast() }
    if !session.run(text, file: path) {
      throw Diagnostic.error("'\(path)' stopped with an error (above)", at: e.range)
    }
  }

  func history(_ c: Command) throws {
    let lines = session.inputHistory.enumerated().map { "\($0.offset + 1)  \($0.element)" }
    show(lines.isEmpty ? "no history yet" : lines.joined(separator: "\n"))
  }
}

/// The columns of `vars`.
enum VarsText {
  static func shape(_ v: Value) -> String {
    switch v {
    case .tensor(let t): return ValueFormat.shape(t.shape)
    case .dataset(let d): return ValueFormat.shape([d.count] + d.featureShape)
    case .model(let m): return ValueFormat.batchShape(m.network.inputShape ?? []) + " → " + ValueFormat.batchShape(m.network.outputShape ?? [])
    case .list(let items): return ValueFormat.shape([items.count])
    default: return ""
    }
  }

  static func detail(_ v: Value) -> String {
    switch v {
    case .number(let x): return ValueFormat.number(x)
    case .string(let s): return "\"\(s)\""
    case .bool(let b): return b ? "true" : "false"
    case .tensor(let t):
      return t.count <= 8 ? ValueFormat.tensor(t).split(separator: "\n").map { $0.trimmingPrefix(" ") }.joined(separator: " ")
        : "\(t.count) values"
    case .dataset(let d): return d.describe
    case .stream(let s): return s.describe
    case .model(let m):
      var s = "\(plural(m.network.layers.count, "layer")), \(plural(m.network.parameterCount, "param", grouped: true))"
      if let c = m.compiled { s += ", \(c.loss), \(c.optimizer)" } else { s += ", not compiled" }
      if m.history.epochs > 0 { s += ", trained \(plural(m.history.epochs, "epoch"))" }
      return s
    case .layer(_, let l): return l
    case .list(let items): return plural(items.count, "item")
    }
  }
}
