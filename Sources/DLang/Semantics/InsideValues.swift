import Autograd
import NeuralNet

// Gradients and activations as values: `net.dense_1.weights.grad` (the gradient of the last
// training step) and `net.dense_1(x)` (a layer's output for a sample or a batch).

extension Evaluator {
  /// The member that reads a parameter's gradient.
  static let gradMember = "grad"

  /// `net.dense_1.weights.grad`: nil when `base` is not a layer's parameter (the ordinary
  /// member rules then report it); an error before the model took any training step.
  func gradient(_ base: Expr, _ member: Name) throws -> Value? {
    guard case .member(let layerExpr, let param) = base.kind,
          case .layer(let ref, let layer) = try evaluate(layerExpr),
          ref.network.parameter(layer: layer, name: param.text) != nil else { return nil }
    let path = "\(layer).\(param.text)"
    guard let g = ref.lastGradients[path] else {
      let frozen = ref.network.parameter(layer: layer, name: param.text)?.trainable == false
      throw Diagnostic.error(
        frozen ? "\(ref.name).\(path) is not trained, so it has no gradient"
          : "\(ref.name).\(path) has no gradient yet: .grad is the gradient of the last training step",
        at: member.range, hint: frozen ? nil : "take a step first: fit \(ref.name) … or trace \(ref.name) X Y")
    }
    return .tensor(g)
  }

  /// `net.dense_1(x)`: the layer's output (after its activation) for one sample (input
  /// shape) or a batch (N, input…), in inference mode.
  func apply(_ base: Expr, _ args: [Expr], _ range: SourceRange) throws -> Value {
    guard case .layer(let ref, let layer) = try evaluate(base) else {
      throw Diagnostic.error("only a layer of a model can be applied to a value, e.g. net.dense_1(x)", at: base.range)
    }
    guard args.count == 1, let arg = args.first else {
      throw Diagnostic.error("a layer takes one value: a sample or a batch, e.g. \(ref.name).\(layer)(x)", at: range)
    }
    let x = try layerInput(try evaluate(arg), arg.range)
    do {
      guard let out = try ref.network.layerOutputs(for: x).first(where: { $0.layer == layer })?.value else {
        throw Diagnostic.error("layer '\(layer)' produced no output", at: range)
      }
      return .tensor(out)
    } catch let d as Diagnostic {
      throw d
    } catch {
      throw Diagnostic.error("\(error)", at: arg.range)
    }
  }

  /// A value fed to a model: a tensor, a dataset's features, or a number (a one-feature sample).
  func layerInput(_ v: Value, _ range: SourceRange) throws -> Tensor {
    switch v {
    case .tensor(let t): return t
    case .number(let x): return Tensor(shape: [1], data: [Float(x)])
    case .dataset(let d): return d.x
    default: throw Diagnostic.error("a layer reads a sample or a batch, not \(v.kindName)", at: range)
    }
  }
}
