import Autograd

/// Batches keyed by input name, for models with several inputs (an encoder–decoder reads a
/// source and a target sequence). A single-input model takes its one input under its name.
extension Model {
  /// The tensors of `batch` in the model's input order, each checked against its input's
  /// shape (and its values by the layers that read it); all must have the same number of
  /// samples. Throws for a missing or unknown name.
  func orderedInputs(_ batch: [String: Tensor], _ what: String = "") throws -> [Tensor] {
    guard !inputs.isEmpty else { throw ModelError("the model has no inputs") }
    for name in batch.keys where !inputs.contains(where: { $0.name == name }) {
      throw ModelError("the model has no input named '\(name)'; its inputs are: "
                       + inputs.map(\.name).joined(separator: ", "))
    }
    var out: [Tensor] = []
    for input in inputs {
      guard let t = batch[input.name] else {
        throw ModelError("\(what)input '\(input.name)' is missing; the model's inputs are: "
                         + inputs.map(\.name).joined(separator: ", "))
      }
      var x = t
      if input.shape == [1], x.rank == 1 { x = x.reshaped([x.count, 1]) }
      guard x.rank >= 1, Array(x.shape.dropFirst()) == input.shape else {
        throw ShapeError("input '\(input.name)' takes samples of shape \(input.shape.kerasBatchShape) "
                         + "but is given \(x.rank >= 1 ? Array(x.shape.dropFirst()).kerasBatchShape : "a scalar")")
      }
      if let first = out.first, first.shape[0] != x.shape[0] {
        throw ShapeError("input '\(input.name)' has \(x.shape[0]) samples but '\(inputs[0].name)' has \(first.shape[0])")
      }
      out.append(x)
    }
    try checkInputValues(out)
    return out
  }

  /// `predict` with inputs keyed by name.
  public func predict(inputs batch: [String: Tensor], batchSize: Int = 32) throws -> Tensor {
    let xs = try orderedInputs(batch)
    return try predictPrepared(xs[0], extra: Array(xs.dropFirst()), batchSize: batchSize)
  }

  /// `evaluate` with inputs keyed by name.
  public func evaluate(inputs batch: [String: Tensor], y: Tensor,
                       batchSize: Int = 32) throws -> [(String, Double)] {
    let plan = try makePlan()
    guard batchSize > 0 else { throw ModelError("the batch size must be positive, not \(batchSize)") }
    let xs = try orderedInputs(batch)
    let py = try prepareTargets(y, samples: xs[0].shape[0], plan.loss, "")
    let v = try evaluateData(xs[0], extra: Array(xs.dropFirst()), py, batchSize: batchSize, plan: plan)
    return Array(zip(plan.names, v))
  }

  /// `trainOnBatch` with inputs keyed by name.
  @discardableResult
  public func trainOnBatch(inputs batch: [String: Tensor], y: Tensor,
                           rng: inout SeededRandom) throws -> [(String, Double)] {
    let mode = FloatMode.flushingSubnormals()  // subnormals as zero while it runs (FloatMode)
    defer { mode.restore() }
    if inputs.count == 1, let x = batch[inputs[0].name], batch.count == 1 {
      return try trainOnBatch(x: x, y: y, rng: &rng)
    }
    let plan = try makePlan()
    guard let optimizer else { throw ModelError("the model is not compiled") }
    let xs = try orderedInputs(batch)
    let n = xs[0].shape[0]
    guard n > 0 else { throw ModelError("the batch is empty") }
    let by = try prepareTargets(y, samples: n, plan.loss, "")
    var evaluator = MetricEvaluator(kinds: plan.metricKinds,
                                    logits: plan.fused ? plan.lastActivation : nil, width: plan.width)
    var lossSum = 0.0
    let outcome = runStep(xs[0], extra: Array(xs.dropFirst()), by, weights: nil, rows: n, plan: plan,
                          optimizer: optimizer, evaluator: &evaluator, lossSum: &lossSum, rng: &rng)
    if case .nonFiniteLoss(let v) = outcome { throw ModelError("the loss is \(v)") }
    if case .nonFiniteGradient(let p) = outcome { throw ModelError("the gradient of \(p) is not finite") }
    return Model.logs(plan.names, loss: lossSum / Double(n), metrics: evaluator.values())
  }
}
