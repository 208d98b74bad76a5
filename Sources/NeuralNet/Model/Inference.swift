import Autograd

/// Inference: loss and metrics over data (`evaluate`), outputs (`predict`), batch by batch in
/// inference mode with nothing recorded.
extension Model {
  /// Loss and metrics over prepared data, in `plan.names` order.
  func evaluateData(_ x: Tensor, extra: [Tensor] = [], _ y: Tensor, batchSize: Int,
                    plan: Plan, weights: Tensor? = nil) throws -> [Double] {
    let mode = FloatMode.flushingSubnormals()  // subnormals as zero while it runs (FloatMode)
    defer { mode.restore() }
    let n = x.shape[0]
    guard n > 0 else { return plan.names.map { _ in .nan } }
    var lossSum = 0.0
    var evaluator = MetricEvaluator(kinds: plan.metricKinds,
                                    logits: plan.fused ? plan.lastActivation : nil,
                                    width: plan.width)
    var rng = SeededRandom(seed: 0)  // unused: inference has no randomness
    withoutGrad {
      let pen = penalty(plan).map { Double($0.value.scalar) } ?? 0
      var s0 = 0
      while s0 < n {
        let count = Swift.min(batchSize, n - s0)
        let bx = Model.rows(x, s0..<(s0 + count))
        let by = Model.rows(y, s0..<(s0 + count))
        let ex = extra.map { Variable(Model.rows($0, s0..<(s0 + count))) }
        let (out, mask) = forwardBatch(Variable(bx), extra: ex, training: false, logits: plan.fused, rng: &rng)
        let bw = weights.map { Model.rows($0, s0..<(s0 + count)) }
        let l = batchLoss(out, by, plan, weights: bw, mask: mask)
        lossSum += (Double(l.value.scalar) + pen) * Double(count)
        let (rows, rowWeights) = Model.metricRows(out.value, mask, count: count, plan)
        evaluator.accumulate(out.value, by, rows: rows, mask: rowWeights)
        s0 += count
      }
    }
    return [lossSum / Double(n)] + evaluator.values()
  }

  /// Loss and metrics on `x`, `y` (inference mode), as Keras' `evaluate`: the loss first,
  /// then the metrics in compile order. The loss includes weight penalties.
  public func evaluate(x: Tensor, y: Tensor, batchSize: Int = 32) throws -> [(String, Double)] {
    let plan = try makePlan()
    guard batchSize > 0 else { throw ModelError("the batch size must be positive, not \(batchSize)") }
    let px = try prepareInputs(x, "")
    let py = try prepareTargets(y, samples: px.shape[0], plan.loss, "")
    let v = try evaluateData(px, py, batchSize: batchSize, plan: plan)
    return Array(zip(plan.names, v))
  }

  /// The loss on `x`, `y` in inference mode with each sample's loss weighed by its class's
  /// weight in `perClass` (Σ w·ℓ / N, the training loss of a fit with class_weight), weight
  /// penalties included.
  public func weightedLoss(x: Tensor, y: Tensor, perClass: [Double], batchSize: Int = 32) throws -> Double {
    let plan = try makePlan()
    guard batchSize > 0 else { throw ModelError("the batch size must be positive, not \(batchSize)") }
    let px = try prepareInputs(x, "")
    let py = try prepareTargets(y, samples: px.shape[0], plan.loss, "")
    let (_, perSample) = try classWeights(.list(perClass), targets: py)
    return try evaluateData(px, py, batchSize: batchSize, plan: plan, weights: perSample)[0]
  }

  /// The model's outputs for `x` (N, inputShape…) → (N, outputShape…), in inference mode
  /// (no dropout, nothing recorded), computed `batchSize` samples at a time.
  public func predict(x: Tensor, batchSize: Int = 32) throws -> Tensor {
    try predictPrepared(try prepareInputs(x, ""), extra: [], batchSize: batchSize)
  }

  func predictPrepared(_ px: Tensor, extra: [Tensor], batchSize: Int) throws -> Tensor {
    let mode = FloatMode.flushingSubnormals()  // subnormals as zero while it runs (FloatMode)
    defer { mode.restore() }
    guard !layers.isEmpty, let outShape = outputShape else {
      throw ModelError("the model has no layers yet")
    }
    guard isBuilt else { throw ModelError("the model is not built") }
    guard batchSize > 0 else { throw ModelError("the batch size must be positive, not \(batchSize)") }
    let n = px.shape[0]
    let width = outShape.reduce(1, *)
    var result = Tensor.zeros([n] + outShape)
    var rng = SeededRandom(seed: 0)  // unused: inference has no randomness
    withoutGrad {
      var s0 = 0
      while s0 < n {
        let count = Swift.min(batchSize, n - s0)
        let ex = extra.map { Variable(Model.rows($0, s0..<(s0 + count))) }
        let (out, _) = forwardBatch(Variable(Model.rows(px, s0..<(s0 + count))), extra: ex, training: false,
                                    logits: false, rng: &rng)
        result.data.withUnsafeMutableBufferPointer { d in
          out.value.data.withUnsafeBufferPointer { o in
            guard let db = d.baseAddress, let ob = o.baseAddress else { return }
            (db + s0 * width).update(from: ob, count: count * width)
          }
        }
        s0 += count
      }
    }
    return result
  }
}
