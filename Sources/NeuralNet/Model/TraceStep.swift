import Autograd

// One training step taken apart, for `trace M X Y`: every intermediate value of the forward
// pass (each layer's input, z = x·W + b, its activation), the loss, the gradients of the
// backward pass (dL/dy, dL/dz, dL/dW, dL/db per layer) and the weights before and after the
// optimizer's update. The step is real: the weights change as in one step of `fit` on the
// same batch (no shuffling; the compiled loss, computed on the probabilities).
//
// Backward rules (per layer, from the output back; N samples in the batch):
//   dL/dz = dL/dy ⊙ act'(z)        (softmax: y ⊙ (dL/dy − Σ dL/dy ⊙ y))
//   dL/dW = xᵀ · dL/dz,  dL/db = Σ_rows dL/dz,  dL/dx = dL/dz · Wᵀ  (the previous layer's dL/dy)
// Each rule is the engine's own: the forward values are recomputed one layer at a time on the
// tape and its backward run from the gradient of the layer above.

/// One layer of a traced step.
public struct TracedLayer {
  /// The layer's name and type (`dense_1`, `Dense`).
  public let name: String
  public let typeName: String
  /// The activation's name (`sigmoid`, `linear`).
  public let activation: String
  /// What the layer read, (N, features).
  public let input: Tensor
  /// A dense layer's weights and bias before the update (nil for an activation layer).
  public let weights: Tensor?
  public let bias: Tensor?
  /// x·W + b (nil for an activation layer, whose z is its input).
  public let z: Tensor?
  /// The output, act(z).
  public let output: Tensor
  /// dL/dy, dL/dz (nil without weights), dL/dW, dL/db.
  public let dOutput: Tensor
  public let dZ: Tensor?
  public let dWeights: Tensor?
  public let dBias: Tensor?
  /// The weights and bias after the optimizer's update.
  public let weightsAfter: Tensor?
  public let biasAfter: Tensor?
}

/// A traced training step.
public struct TracedStep {
  /// The layers, input side first.
  public let layers: [TracedLayer]
  /// The loss and the targets it compared the output with (as the loss reads them).
  public let loss: Loss
  public let targets: Tensor
  public let lossValue: Double
  /// The optimizer's name and its learning rate at this step.
  public let optimizer: String
  public let learningRate: Double
  /// Whether the update is exactly w ← w − lr·dL/dw (plain SGD without momentum or clipping).
  public let plainGradientStep: Bool
  /// The gradient of every trainable parameter by path (`dense_1.weights`), as `fit` keeps
  /// the last step's.
  public let gradients: [String: Tensor]
}

extension Model {
  /// Takes one training step on the batch `x`, `y` and returns all of its values. The model
  /// must be compiled, a chain of dense and activation layers on
  /// (N, features) inputs, without weight penalties. Throws a `ModelError` / `ShapeError`
  /// otherwise, or when the loss or a gradient is not finite (nothing is then updated).
  public func traceStep(x: Tensor, y: Tensor) throws -> TracedStep {
    let plan = try makePlan()
    guard let optimizer else { throw ModelError("the model is not compiled") }
    guard isChain, inputs.count == 1 else { throw ModelError("trace takes a chain of layers with one input") }
    for l in layers where !(l is Dense || l is ActivationLayer) {
      throw ModelError("trace explains dense and activation layers; \(l.name) is a \(l.typeName) layer")
    }
    if let r = plan.regularized.first {
      throw ModelError("trace leaves weight penalties out, but \(r.name) has l1/l2 set; remove them to trace")
    }
    let px = try prepareInputs(x, "")
    guard px.rank == 2, px.shape[0] > 0 else {
      throw ModelError("trace takes a batch of feature rows (N, features), not \(px.shape.kerasShape)")
    }
    let py = try prepareTargets(y, samples: px.shape[0], plan.loss, "")

    // Forward, recording nothing: each layer's input, z and output.
    var xs: [Tensor] = [], zs: [Tensor?] = [], ys: [Tensor] = []
    var h = px
    withoutGrad {
      for l in layers {
        xs.append(h)
        if let d = l as? Dense, let w = d.weights, let b = d.bias {
          let z = matmul(Variable(h), w, bias: b).value
          zs.append(z)
          h = d.activation.apply(Variable(z)).value
        } else if let a = l as? ActivationLayer {
          zs.append(nil)
          h = a.activation.apply(Variable(h)).value
        }
        ys.append(h)
      }
    }

    // The loss on the output, then back through the layers.
    let tape = Tape.current
    for p in plan.parameters { p.variable.grad = nil }
    tape.reset()
    let out = Variable(h, requiresGrad: true)
    let lossVar = plan.loss.compute(out, targets: py, fused: false)
    let lossValue = Double(lossVar.value.scalar)
    guard lossValue.isFinite else { tape.reset(); throw ModelError("the loss is \(lossValue)") }
    tape.backward(from: lossVar)
    var upstream = out.grad ?? Tensor.zeros(h.shape)
    var dYs = [Tensor](repeating: upstream, count: layers.count)
    var dZs = [Tensor?](repeating: nil, count: layers.count)
    for k in stride(from: layers.count - 1, through: 0, by: -1) {
      dYs[k] = upstream
      let act = (layers[k] as? Dense)?.activation ?? (layers[k] as? ActivationLayer)?.activation ?? .linear
      let zIn = Variable(zs[k] ?? xs[k], requiresGrad: true)
      tape.reset()
      tape.backward(from: act.apply(zIn), seed: upstream)
      let dZ = zIn.grad ?? Tensor.zeros(zIn.shape)
      guard let d = layers[k] as? Dense, let w = d.weights, let b = d.bias else {
        upstream = dZ
        continue
      }
      dZs[k] = dZ
      let xIn = Variable(xs[k], requiresGrad: true)
      tape.reset()
      tape.backward(from: matmul(xIn, w, bias: b), seed: dZ)
      upstream = xIn.grad ?? Tensor.zeros(xs[k].shape)
    }
    tape.reset()
    if let bad = firstNonFiniteGradient(plan.parameters) {
      for p in plan.parameters { p.variable.grad = nil }
      throw ModelError("the gradient of \(bad) is not finite; nothing was updated")
    }

    // The update, as fit's: clipping first, then the optimizer's step.
    if optimizer.clipping.isActive { optimizer.clipping.apply(plan.trainable) }
    var gradients: [String: Tensor] = [:]
    for p in plan.trainable { if let g = p.variable.grad { gradients[p.path] = g } }
    let before = layers.map { l -> (Tensor?, Tensor?) in
      guard let d = l as? Dense else { return (nil, nil) }
      return (d.weights?.value, d.bias?.value)
    }
    let lr = Double(optimizer.learningRate)
    optimizer.step(plan.trainable)
    for p in plan.frozen { p.variable.grad = nil }

    var traced: [TracedLayer] = []
    for (k, l) in layers.enumerated() {
      let d = l as? Dense
      traced.append(TracedLayer(
        name: l.name, typeName: l.typeName,
        activation: (d?.activation ?? (l as? ActivationLayer)?.activation ?? .linear).name,
        input: xs[k], weights: before[k].0, bias: before[k].1, z: zs[k], output: ys[k],
        dOutput: dYs[k], dZ: dZs[k],
        dWeights: d == nil ? nil : gradients["\(l.name).weights"],
        dBias: d == nil ? nil : gradients["\(l.name).bias"],
        weightsAfter: d?.weights?.value, biasAfter: d?.bias?.value))
    }
    return TracedStep(layers: traced, loss: plan.loss, targets: py, lossValue: lossValue,
                      optimizer: optimizer.name, learningRate: lr,
                      plainGradientStep: (optimizer as? SGD)?.momentum == 0 && !optimizer.clipping.isActive,
                      gradients: gradients)
  }
}
