import Testing
import Foundation
@testable import Autograd

/// One gradient check: an op applied to inputs, compared against central differences.
struct GradCase: CustomTestStringConvertible, Sendable {
  /// The op this case checks (the completeness test requires every `OpKind` to appear).
  var op: OpKind
  /// A label for the case (shapes, attributes).
  var label: String
  /// Input tensors; the check perturbs those whose index is in `differentiable`.
  var inputs: [Tensor]
  /// Indices of inputs that carry gradients (class indices, masks and targets do not).
  var differentiable: [Int]
  /// The op under test.
  var f: @Sendable ([Variable]) -> Variable
  /// Finite-difference step and tolerances.
  var h: Double = 1e-3
  var atol: Double = 3e-3
  var rtol: Double = 3e-2

  var testDescription: String { "\(op.rawValue) \(label)" }
}

/// Deterministic, non-uniform test data in [lo, hi] (a sine pattern, odd-shape friendly).
func testTensor(_ shape: [Int], seed: Int = 1, lo: Float = -1.5, hi: Float = 1.5) -> Tensor {
  var rng = SeededRandom(seed: UInt64(seed))
  return rng.uniformTensor(shape, lo, hi)
}

/// Upstream weights for the objective L = Σ sin(y) · w, w fixed and non-uniform.
func upstreamWeights(_ count: Int) -> [Double] {
  (0..<count).map { 0.5 + 0.37 * sin(Double($0) * 1.3 + 0.2) }
}

/// L(y) = Σ sin(y_i) · w_i, in Float64.
func objective(_ y: Tensor) -> Double {
  let w = upstreamWeights(y.count)
  var s = 0.0
  for i in 0..<y.count { s += sin(Double(y.data[i])) * w[i] }
  return s
}

/// Runs the engine's backward for `c` and returns the analytic gradient of each input.
func analyticGrads(_ c: GradCase) -> [Tensor?] {
  Tape.current.reset()
  let vars = c.inputs.enumerated().map { i, t in
    Variable(t, requiresGrad: c.differentiable.contains(i))
  }
  let y = c.f(vars)
  let w = upstreamWeights(y.value.count)
  var seed = y.value
  for i in 0..<seed.count { seed.data[i] = Float(cos(Double(y.value.data[i])) * w[i]) }
  Tape.current.backward(from: y, seed: seed)
  return vars.map { $0.grad }
}

/// Central differences of the objective with respect to every element of input `k`.
func numericGrad(_ c: GradCase, input k: Int) -> Tensor {
  var g = Tensor.zeros(c.inputs[k].shape)
  for j in 0..<g.count {
    var plus = c.inputs, minus = c.inputs
    let x = Double(c.inputs[k].data[j])
    plus[k].data[j] = Float(x + c.h)
    minus[k].data[j] = Float(x - c.h)
    // Differences of the actual float32 perturbations, not of the intended ones.
    let dx = Double(plus[k].data[j]) - Double(minus[k].data[j])
    let lp = withoutGrad { objective(c.f(plus.map { Variable($0) }).value) }
    let lm = withoutGrad { objective(c.f(minus.map { Variable($0) }).value) }
    g.data[j] = Float((lp - lm) / dx)
  }
  return g
}

/// Compares analytic and numeric gradients; returns a description of each mismatch.
func gradientMismatches(_ c: GradCase) -> [String] {
  let analytic = analyticGrads(c)
  var problems: [String] = []
  for k in c.differentiable {
    let num = numericGrad(c, input: k)
    guard let ana = analytic[k] else { problems.append("input \(k): no gradient"); continue }
    guard ana.shape == num.shape else {
      problems.append("input \(k): gradient shape \(ana.shape) ≠ \(num.shape)"); continue
    }
    for j in 0..<num.count {
      let a = Double(ana.data[j]), n = Double(num.data[j])
      if !(abs(a - n) <= c.atol + c.rtol * abs(n)) {
        problems.append("input \(k)[\(j)]: analytic \(a) vs numeric \(n)")
        if problems.count > 5 { return problems }
      }
    }
  }
  return problems
}

/// Distinct values spaced 3/count apart in [-1.5, 1.5) (far more than 2h), shuffled: no
/// near-ties, so the arg-max/min of every slice or window is stable under perturbation.
func distinctTensor(_ shape: [Int], seed: UInt64 = 4) -> Tensor {
  let n = shape.reduce(1, *)
  var rng = SeededRandom(seed: seed)
  let p = rng.permutation(n)
  return Tensor(shape: shape) { -1.5 + 3 * Float(p[$0]) / Float(n) }
}
