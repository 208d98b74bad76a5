import Foundation
import Testing
import Autograd
@testable import NeuralNet

/// Gradient checks through whole layers: the layer (with its options) is built inside a model
/// for an input shape, and the engine's gradients of L = Σ sin(y)·w with respect to the input
/// and every parameter are compared with central differences of L, computed in Float64 from
/// float32 forward passes (as `Tests/AutogradTests/GradCheck.swift` does for single ops).
struct LayerGradCase: CustomTestStringConvertible, Sendable {
  /// What is checked, for messages.
  var label: String
  /// A fresh, unbuilt layer.
  var make: @Sendable () -> Layer
  /// The batch (N, per-sample shape…).
  var x: Tensor
  /// Training-mode forward passes (batch statistics).
  var training = false
  /// The mask (N, T) the layer finds in its context, if any.
  var mask: Tensor? = nil
  /// Which of the layer's outputs the objective reads (a state of a return_state layer: 1…).
  var output = 0
  /// Whether `x` is checked too (not for token ids, which have no gradient).
  var differentiableInput = true
  var h: Double = 1e-3
  var atol: Double = 3e-3
  var rtol: Double = 3e-2

  var testDescription: String { label }
}

enum LayerGradCheck {
  /// Upstream weights of the objective, fixed and non-uniform.
  static func weights(_ count: Int) -> [Double] {
    (0..<count).map { 0.5 + 0.37 * sin(Double($0) * 1.3 + 0.2) }
  }

  static func objective(_ y: Tensor) -> Double {
    let w = weights(y.count)
    var s = 0.0
    for i in 0..<y.count { s += sin(Double(y.data[i])) * w[i] }
    return s
  }

  /// The layer built (seed 7) in a model for the case's per-sample shape.
  static func built(_ c: LayerGradCase) throws -> Layer {
    let model = Model(inputShape: Array(c.x.shape.dropFirst()))
    let layer = c.make()
    var rng = SeededRandom(seed: 7)
    try model.add(layer, rng: &rng)
    return layer
  }

  static func forward(_ layer: Layer, _ x: Variable, training: Bool, mask: Tensor? = nil,
                      output: Int = 0) -> Variable {
    var ctx = ForwardContext(training: training, rng: SeededRandom(seed: 0), mask: mask)
    return layer.forward([x], &ctx)[output]
  }

  /// Descriptions of every mismatch between analytic and numeric gradients (empty: pass).
  static func mismatches(_ c: LayerGradCase) throws -> [String] {
    let layer = try built(c)
    let params = layer.parameters.filter(\.trainable)
    // Analytic.
    Tape.current.reset()
    for p in params { p.variable.zeroGrad() }
    let xv = Variable(c.x, requiresGrad: true)
    let y = forward(layer, xv, training: c.training, mask: c.mask, output: c.output)
    let w = weights(y.value.count)
    var seed = y.value
    for i in 0..<seed.count { seed.data[i] = Float(cos(Double(y.value.data[i])) * w[i]) }
    Tape.current.backward(from: y, seed: seed)
    var problems: [String] = []
    func compare(_ name: String, _ analytic: Tensor?, _ numeric: Tensor) {
      // No gradient is right only where the objective does not depend on the value (the
      // other direction of a bidirectional layer when the objective reads one direction's state).
      guard let a = analytic else {
        if numeric.data.contains(where: { $0 != 0 }) { problems.append("\(name): no gradient") }
        return
      }
      guard a.shape == numeric.shape else {
        problems.append("\(name): gradient shape \(a.shape) ≠ \(numeric.shape)"); return
      }
      for j in 0..<a.count {
        let av = Double(a.data[j]), nv = Double(numeric.data[j])
        if !(abs(av - nv) <= c.atol + c.rtol * abs(nv)) {
          problems.append("\(name)[\(j)]: analytic \(av) vs numeric \(nv)")
          if problems.count > 5 { return }
        }
      }
    }
    if c.differentiableInput { compare("x", xv.grad, numeric(c, layer)) }
    for p in params { compare(p.name, p.variable.grad, numericParameter(c, layer, p.variable)) }
    return problems
  }

  /// Central differences with respect to the input.
  static func numeric(_ c: LayerGradCase, _ layer: Layer) -> Tensor {
    var g = Tensor.zeros(c.x.shape)
    for j in 0..<g.count {
      var plus = c.x, minus = c.x
      plus.data[j] = Float(Double(c.x.data[j]) + c.h)
      minus.data[j] = Float(Double(c.x.data[j]) - c.h)
      let dx = Double(plus.data[j]) - Double(minus.data[j])
      let lp = withoutGrad { objective(forward(layer, Variable(plus), training: c.training, mask: c.mask, output: c.output).value) }
      let lm = withoutGrad { objective(forward(layer, Variable(minus), training: c.training, mask: c.mask, output: c.output).value) }
      g.data[j] = Float((lp - lm) / dx)
    }
    return g
  }

  /// Central differences with respect to one parameter (perturbed in place, then restored).
  static func numericParameter(_ c: LayerGradCase, _ layer: Layer, _ v: Variable) -> Tensor {
    let original = v.value
    var g = Tensor.zeros(original.shape)
    let x = Variable(c.x)
    for j in 0..<g.count {
      var plus = original, minus = original
      plus.data[j] = Float(Double(original.data[j]) + c.h)
      minus.data[j] = Float(Double(original.data[j]) - c.h)
      let dx = Double(plus.data[j]) - Double(minus.data[j])
      v.value = plus
      let lp = withoutGrad { objective(forward(layer, x, training: c.training, mask: c.mask, output: c.output).value) }
      v.value = minus
      let lm = withoutGrad { objective(forward(layer, x, training: c.training, mask: c.mask, output: c.output).value) }
      g.data[j] = Float((lp - lm) / dx)
    }
    v.value = original
    return g
  }
}

/// Distinct values spaced 3/count apart in [-1.5, 1.5), shuffled: no near-ties, so every
/// pooling window's arg-max is stable under a perturbation of h.
func distinctValues(_ shape: [Int], seed: UInt64 = 4) -> Tensor {
  let n = shape.reduce(1, *)
  var rng = SeededRandom(seed: seed)
  let p = rng.permutation(n)
  return Tensor(shape: shape) { -1.5 + 3 * Float(p[$0]) / Float(n) }
}

/// Uniform test data in [-1.5, 1.5].
func uniformValues(_ shape: [Int], seed: UInt64 = 1) -> Tensor {
  var rng = SeededRandom(seed: seed)
  return rng.uniformTensor(shape, -1.5, 1.5)
}
