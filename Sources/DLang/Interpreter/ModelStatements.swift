import Autograd
import NeuralNet
import TermPlot

/// `model`, `compile`, `summary`.
extension Interpreter {
  /// Builds the model layer by layer and echoes each layer's output shape.
  func declareModel(_ name: Name, _ layers: [LayerDecl], range: SourceRange) throws {
    let ev = Evaluator(session: session)
    var builder = ModelBuilder(name: name.text, evaluate: { try ev.evaluate($0) })
    var echoes: [LayerEcho] = []
    for decl in layers {
      if let echo = try builder.add(decl) { echoes.append(echo) }
    }
    try builder.finishSeq2Seq(at: name.range)
    guard let network = builder.network else {
      throw Diagnostic.error("model '\(name.text)' has no input layer", at: name.range,
                             hint: "start the block with the shape of one sample, e.g. input 4")
    }
    // The one allocation of the model's weights, drawn from the session's generator.
    do { try network.build(rng: &session.rng) } catch {
      throw Diagnostic.error("\(error)", at: name.range)
    }
    let text = ModelSource.selfContained(name: name.text, layers: layers, range: range, source: source,
                                         session: session)
    let ref = ModelRef(name: name.text, network: network, source: text)
    ref.seq2seq = builder.seq2seq
    session.bind(name.text, .model(ref))
    if session.echoModelLayers {
      show(ModelEchoText.render(model: name.text, echoes: echoes))
    } else {
      let total = echoes.reduce(0) { $0 + $1.parameters }
      show("model \(name.text): \(plural(network.layers.count, "layer")), \(plural(total, "parameter", grouped: true))")
    }
  }

  func compile(_ c: Command) throws {
    try compile(try modelArg(c), c)
  }

  /// `compile` applied to `model` (a `load` recompiles a model from its file's settings).
  func compile(_ model: ModelRef, _ c: Command) throws {
    let args = arguments(c)
    guard let lossOption = c.option("loss") else {
      throw Diagnostic.error("compile needs a loss", at: c.range)
    }
    let lossName = try args.choice(lossOption.value, what: "loss", in: LossTable.names)
    guard let loss = LossTable.loss(lossName) else { return }
    var optimizer: Optimizer = RMSprop(lr: 0.001, rho: 0.9, epsilon: 1e-7)
    var optimizerText = "rmsprop(lr=0.001)"
    if let o = c.option("optimizer") { (optimizer, optimizerText) = try OptimizerTable.build(o.value, args: args) }
    let metrics = try c.option("metrics").map { try MetricTable.parse($0.value, args: args) } ?? []
    do {
      try model.network.compile(loss: loss, optimizer: optimizer, metrics: metrics.map(\.1))
    } catch {
      throw Diagnostic.error("\(error)", at: lossOption.range)
    }
    model.compiled = CompileSettings(loss: lossName, optimizer: optimizerText, metrics: metrics.map(\.0))
  }

  func summary(_ c: Command) throws {
    let model = try modelArg(c)
    show(SummaryText.render(model, style: style))
  }

  /// The model named by a command's first argument.
  func modelArg(_ c: Command) throws -> ModelRef {
    guard let e = c.args.first else { throw Diagnostic.error("expected a model name", at: c.range) }
    guard case .model(let m) = try evaluate(e) else {
      throw Diagnostic.error("'\(c.keyword.text)' needs a model", at: e.range)
    }
    return m
  }
}

/// The text echoed when a model is declared.
public enum ModelEchoText {
  /// `dense_1 → (None, 16)  272 params` for one layer line (the REPL echoes these one by one).
  public static func line(_ e: LayerEcho) -> String {
    let params = e.parameters == 0 ? "" : "  " + plural(e.parameters, "param", grouped: true)
    return "→ " + ValueFormat.batchShape(e.outputShape) + params
  }

  /// Every layer of a script's model block, aligned.
  public static func render(model: String, echoes: [LayerEcho]) -> String {
    let width = echoes.map(\.name.count).max() ?? 0
    let shapes = echoes.map { ValueFormat.batchShape($0.outputShape) }
    let shapeWidth = shapes.map(\.count).max() ?? 0
    var lines = ["model \(model)"]
    for (e, s) in zip(echoes, shapes) {
      let name = e.name + String(repeating: " ", count: width - e.name.count)
      let params = e.parameters == 0 ? "" : String(repeating: " ", count: shapeWidth - s.count) + "  " + plural(e.parameters, "param", grouped: true)
      lines.append("  " + name + "  → " + s + params)
    }
    let total = echoes.reduce(0) { $0 + $1.parameters }
    lines.append("  " + plural(total, "parameter", grouped: true))
    return lines.joined(separator: "\n")
  }
}
