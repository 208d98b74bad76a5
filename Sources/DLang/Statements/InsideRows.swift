import Autograd
import NeuralNet

// Rows of the statement table that show what happens inside a model: `trace` (one training
// step taken apart, as the notes explain backpropagation) and `activations` (every layer's
// output for some inputs). The text `trace` prints is in Interpreter/TraceText.swift.

extension StatementTable {
  static let trace = StatementRow(
    "trace", synopsis: "trace MODEL X Y",
    summary: "Take one training step on a small batch and print it as the notes explain it: per layer the input, z = x·W + b with the numbers filled in and the activation; the loss with its formula; dL/dy, dL/dz, dL/dW, dL/db per layer; and the update w ← w − lr·dL/dw with the weights before and after. The step really updates the model, as one step of fit on this batch would (it is not added to the history).",
    example: "trace neuron x y",
    arguments: [.model, .expressions(1...2, what: "inputs and targets", suchAs: "x y")],
    role: .command(check: { checker, c in checker.checkTrace(c) }, run: { try $0.trace($1) }))

  static let activations = StatementRow(
    "activations", synopsis: "activations MODEL X",
    summary: "Print every layer's output for a sample or a batch X (inference mode: no dropout, nothing changes); one layer's is also a value: net.dense_1(x).",
    example: "activations neuron x",
    arguments: [.model, .expressions(1...1, what: "a sample or a batch", suchAs: "x")],
    role: .command(check: { checker, c in checker.checkActivations(c) }, run: { try $0.activations($1) }))
}

/// The messages both the checker and the interpreter give.
enum InsideMessages {
  static func notCompiled(_ model: String, at range: SourceRange) -> Diagnostic {
    .error("trace takes a training step, so it needs the loss and the optimizer: model '\(model)' is not compiled yet",
           at: range, hint: "add: compile \(model) loss=mse optimizer=sgd(lr=0.1)")
  }
}

extension Checker {
  /// `trace M X Y`: a compiled model and labelled data.
  mutating func checkTrace(_ c: Command) {
    do {
      let m = try model(c.args.first, for: c.keyword.text, at: c.range)
      if let e = c.args.first, case .model(false, _) = m,
         !brokenCompile(of: exprText(e), before: c.range.start.line) {
        throw InsideMessages.notCompiled(exprText(e), at: e.range)
      }
    } catch { record(error) }
    do { try data(c.args.dropFirst(), for: c.keyword.text, at: c.range, needsTarget: true) } catch { record(error) }
  }

  /// `activations M X`: a model and one value.
  mutating func checkActivations(_ c: Command) {
    do { _ = try model(c.args.first, for: c.keyword.text, at: c.range) } catch { record(error) }
    for e in c.args.dropFirst() {
      do { try checkExpression(e) } catch { record(error) }
    }
  }
}

extension Interpreter {
  /// `trace MODEL X Y`.
  func trace(_ c: Command) throws {
    let model = try modelArg(c)
    let modelRange = c.args.first?.range ?? c.range
    guard model.compiled != nil, model.network.isCompiled else {
      throw InsideMessages.notCompiled(model.name, at: modelRange)
    }
    let (x, y, _) = try data(c, model: model, needsTarget: true)
    guard let y else { return }
    let dataRange = c.args.dropFirst().reduce(c.args.count > 1 ? c.args[1].range : c.range) { $0.union($1.range) }
    let step: TracedStep
    do {
      step = try model.network.traceStep(x: x, y: y)
    } catch let error as ModelError where error.message.hasPrefix("trace") {
      throw Diagnostic.error(error.message, at: modelRange)
    } catch {
      throw Diagnostic.error("\(error)", at: dataRange)
    }
    model.lastGradients = step.gradients
    show(TraceText.render(step, model: model.name, style: style))
  }

  /// `activations MODEL X`.
  func activations(_ c: Command) throws {
    let model = try modelArg(c)
    guard let e = c.args.dropFirst().first else { return }
    let ev = Evaluator(session: session)
    let x = try ev.layerInput(try evaluate(e), e.range)
    let outputs: [(layer: String, value: Tensor)]
    do {
      outputs = try model.network.layerOutputs(for: x)
    } catch {
      throw Diagnostic.error("\(error)", at: e.range)
    }
    var lines = ["\(model.name): the output of every layer for \(SourceText.slice(source, e.range))"]
    let ascii = !style.unicode
    let types = Dictionary(model.network.layers.map { ($0.name, $0.typeName) }, uniquingKeysWith: { a, _ in a })
    for (layer, value) in outputs {
      lines.append("\(layer) (\(types[layer] ?? "layer")) \(ValueFormat.shape(value.shape))")
      lines.append(TraceText.indent(TraceText.value(value), by: 2))
    }
    let text = lines.joined(separator: "\n")
    show(ascii ? TraceText.ascii(text) : text)
  }
}

/// Keeps the gradients of the last training step of a `fit` (after clipping: the ones the
/// optimizer applied), for `net.dense_1.weights.grad`. Per step it only holds on to the
/// gradient tensors the engine made (no copy, no allocation).
final class LastGradients: Callback {
  private var paths: [String] = []
  private var grads: [Tensor?] = []

  func trainBegan(_ c: TrainingContext) {
    paths = c.parameters.map(\.path)
    grads = [Tensor?](repeating: nil, count: paths.count)
  }

  func gradientsReady(_ c: TrainingContext) {
    let ps = c.parameters
    for i in ps.indices where i < grads.count { grads[i] = ps[i].variable.grad }
  }

  /// The gradients by parameter path; empty when no step was taken.
  var values: [String: Tensor] {
    var out: [String: Tensor] = [:]
    for (p, g) in zip(paths, grads) { if let g { out[p] = g } }
    return out
  }
}
