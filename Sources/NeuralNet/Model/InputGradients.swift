import Autograd

/// How much of the loss's gradient reaches each time step of a sequence input: for samples i
/// of a model whose input is (T, F…), the mean over i of ‖∂ℓᵢ/∂xᵢ,ₜ‖ (the Euclidean norm over
/// the step's features), where ℓᵢ is sample i's own loss. Backpropagation through time carries
/// the gradient from the output back to every step; a SimpleRNN's shrinks by a factor at each
/// step it crosses (vanishing gradients), an LSTM's cell state lets it through.
public struct InputGradientNorms: Sendable, Equatable {
  /// The mean norm per time step, step 0 first; NaN or ±∞ when a gradient was not finite.
  public let steps: [Double]
  /// The samples averaged over.
  public let samples: Int

  /// Creates the norms of `steps` over `samples` samples.
  public init(steps: [Double], samples: Int) {
    self.steps = steps
    self.samples = samples
  }

  /// The norm at the last step over the norm at the first (how much more gradient the last
  /// step gets); nil without steps, ∞ when the first step gets none.
  public var lastOverFirst: Double? {
    guard let first = steps.first, let last = steps.last else { return nil }
    return last / first
  }

  /// Whether every norm is a finite number.
  public var allFinite: Bool { steps.allSatisfy(\.isFinite) }
}

extension Model {
  /// ∂ℓᵢ/∂xᵢ for every sample i of `x` (inference mode: no dropout, moving batch-norm
  /// statistics), where ℓᵢ is the compiled loss of sample i alone (a sequence output's loss
  /// is the mean over its steps; weight penalties do not depend on x). Computed
  /// `batchSize` samples at a time: the gradient of a batch's mean loss, times the batch's
  /// size. The weights are not changed and their gradients are cleared. A loss that is not
  /// finite (weights that blew up) gives gradients that are not finite either: they are
  /// returned as they are. Throws a `ModelError` when the model is not compiled or has
  /// several inputs; a `ShapeError` for data of the wrong shape.
  public func inputGradient(x: Tensor, y: Tensor, batchSize: Int = 32) throws -> Tensor {
    let plan = try makePlan()
    guard inputs.count == 1 else {
      throw ModelError("input gradients need a model with one input, not \(inputs.count)")
    }
    guard batchSize > 0 else { throw ModelError("the batch size must be positive, not \(batchSize)") }
    let px = try prepareInputs(x, "")
    let n = px.shape[0]
    guard n > 0 else { throw ModelError("there are no samples") }
    let py = try prepareTargets(y, samples: n, plan.loss, "")
    var result = Tensor.zeros(px.shape)
    let row = px.count / n
    let tape = Tape.current
    defer {
      tape.reset()
      for p in plan.parameters { p.variable.grad = nil }
    }
    var rng = SeededRandom(seed: 0)  // unused: inference has no randomness
    var s0 = 0
    while s0 < n {
      let count = Swift.min(batchSize, n - s0)
      tape.reset()
      let input = Variable(Model.rows(px, s0..<(s0 + count)), requiresGrad: true)
      let (out, mask) = forwardBatch(input, training: false, logits: plan.fused, rng: &rng)
      let loss = batchLoss(out, Model.rows(py, s0..<(s0 + count)), plan, weights: nil, mask: mask)
      tape.backward(from: loss)
      if let g = input.grad, g.count == count * row {
        let scale = Float(count)
        result.data.withUnsafeMutableBufferPointer { d in
          g.data.withUnsafeBufferPointer { s in
            for k in 0..<(count * row) { d[s0 * row + k] = s[k] * scale }
          }
        }
      }
      for p in plan.parameters { p.variable.grad = nil }
      s0 += count
    }
    return result
  }

  /// The mean over the first `samples` samples of `x` (all when nil) of ‖∂ℓᵢ/∂xᵢ,ₜ‖ at every
  /// time step t, for a model whose input is a sequence (T, F…): see `inputGradient`. Throws
  /// a `ModelError` when the input has no time axis (a vector or token ids), besides
  /// `inputGradient`'s errors.
  public func inputGradientNorms(x: Tensor, y: Tensor, samples: Int? = nil,
                                 batchSize: Int = 32) throws -> InputGradientNorms {
    guard let shape = inputShape, shape.count >= 2 else {
      throw ModelError("the gradient per time step needs a model whose input is a sequence "
                       + "(timesteps, features), e.g. input 50x1; this one takes "
                       + (inputShape?.kerasBatchShape ?? "no input"))
    }
    if let samples, samples < 1 { throw ModelError("samples must be at least 1, not \(samples)") }
    var (px, py) = (x, y)
    let available = x.rank >= 1 ? x.shape[0] : 0
    if let samples, samples < available, y.rank >= 1, y.shape[0] == available {
      px = Model.rows(x, 0..<samples)
      py = Model.rows(y, 0..<samples)
    }
    let g = try inputGradient(x: px, y: py, batchSize: batchSize)
    let n = g.shape[0], t = shape[0]
    let width = shape.dropFirst().reduce(1, *)
    var sums = [Double](repeating: 0, count: t)
    g.data.withUnsafeBufferPointer { p in
      for i in 0..<n {
        for step in 0..<t {
          let base = (i * t + step) * width
          var s = 0.0
          for k in 0..<width { let v = Double(p[base + k]); s += v * v }
          sums[step] += s.squareRoot()
        }
      }
    }
    return InputGradientNorms(steps: sums.map { $0 / Double(n) }, samples: n)
  }
}
