import Autograd

extension Model {
  /// Trains on a dataset streamed from disk, as `fit` does on one in memory: every epoch is one
  /// pass over the file through a seeded shuffle buffer of `bufferRows` rows (file order with
  /// `shuffle` false). The running logs the callbacks see after each batch include
  /// `rows/s`, the epoch's throughput so far; the history does not. `validation`, when
  /// given, is evaluated after every epoch. A bad row in the middle of the file stops training
  /// with its `DataError` (weights as after the last complete batch).
  @discardableResult
  public func fit(stream: StreamDataset, epochs: Int = 1, batchSize: Int = 32,
                  validation: StreamDataset? = nil, shuffle: Bool = true, bufferRows: Int? = nil,
                  callbacks: [Callback] = [], rng: inout SeededRandom,
                  note: @escaping (String) -> Void = { _ in }) throws -> History {
    let mode = FloatMode.flushingSubnormals()  // subnormals as zero while it runs (FloatMode)
    defer { mode.restore() }
    let blas = BLASThreads.leavingOneCore()  // a core for the stream reader
    defer { blas.restore() }
    let (plan, optimizer) = try fitSetup(epochs: epochs, batchSize: batchSize)
    guard stream.hasTarget else { throw ModelError("the streamed dataset has no target") }
    var all: [Callback] = []
    if optimizer.clipping.isActive { all.append(ClipGradients(optimizer.clipping)) }
    if let s = optimizer.schedule { all.append(ScheduleLearningRate(s, monitor: validation == nil ? "loss" : "val_loss")) }
    all += callbacks
    let ctx = TrainingContext(model: self, optimizer: optimizer, epochs: epochs, note: note)
    ctx.parameters = plan.parameters.filter(\.trainable)
    ctx.batches = (stream.count + batchSize - 1) / batchSize
    let hooks: (() -> Void)? = all.isEmpty ? nil : { for cb in all { cb.gradientsReady(ctx) } }
    var evaluator = MetricEvaluator(kinds: plan.metricKinds, logits: plan.fused ? plan.lastActivation : nil,
                                    width: plan.width)
    let order = plan.names.indices.sorted { plan.names[$0] < plan.names[$1] }
    let clock = ContinuousClock()
    var result = History()
    for cb in all { cb.trainBegan(ctx) }
    epochLoop: for epoch in 1...Swift.max(1, epochs) where epochs > 0 {
      ctx.epoch = epoch
      ctx.globalEpoch = history.epochs
      for cb in all { cb.epochBegan(ctx) }
      let start = clock.now
      var lossSum = 0.0, seen = 0
      evaluator.reset()
      func means() -> [(String, Double)] {
        let values = [lossSum / Double(Swift.max(seen, 1))] + evaluator.values()
        return order.map { (plan.names[$0], values[$0]) }
      }
      let batches = StreamBatches(stream, batchSize: batchSize, shuffle: shuffle, bufferRows: bufferRows ?? stream.bufferRows,
                                  rng: SeededRandom(seed: rng.next()))
      var b = 0
      var stopped = false
      while let batch = try batches.next() {
        let (bx, by) = try streamBatch(batch, stream, plan)
        let outcome = runStep(bx, by, weights: nil, rows: batch.rows, plan: plan, optimizer: optimizer,
                              evaluator: &evaluator, lossSum: &lossSum, rng: &rng, hooks: hooks)
        if case .ok = outcome {} else {
          let message = "NaN guard: epoch \(epoch), batch \(b + 1): "
            + (outcomeText(outcome)) + ". Training stopped; the weights are the last finite ones."
          note(message)
          result.halted = message
          history.halted = message
          break epochLoop
        }
        b += 1
        seen += batch.rows
        ctx.batch = b
        ctx.elapsed = Model.seconds(clock.now - start)
        ctx.logs = means() + [("rows/s", ctx.elapsed > 0 ? Double(seen) / ctx.elapsed : 0)]
        for cb in all { cb.batchEnded(ctx) }
        if ctx.stopNow && !(epoch == epochs && b == ctx.batches) { stopped = true; break }
      }
      var logs = means()
      if let validation, !(stopped && ctx.skipValidation) {
        let v = try evaluateValues(stream: validation, batchSize: batchSize, plan: plan)
        logs += order.map { ("val_" + plan.names[$0], v[$0]) }
      }
      if optimizer.schedule != nil { logs.append(("lr", Double("\(optimizer.learningRate)") ?? Double(optimizer.learningRate))) }
      result.append(logs)
      history.append(logs)
      ctx.elapsed = Model.seconds(clock.now - start)
      ctx.logs = logs + [("rows/s", ctx.elapsed > 0 ? Double(seen) / ctx.elapsed : 0)]
      ctx.generatorState = rng.state
      for cb in all { cb.epochEnded(ctx) }
      if stopped {
        result.stopped = (epoch, b)
        history.stopped = (epoch, b)
        break
      }
      if ctx.stopTraining { break }
    }
    for cb in all { cb.trainEnded(ctx) }
    if result.stopped == nil { history.stopped = nil }
    return result
  }

  /// Loss and metrics over a streamed dataset (inference mode, file order), as `evaluate`.
  public func evaluate(stream: StreamDataset, batchSize: Int = 32) throws -> [(String, Double)] {
    let plan = try makePlan()
    guard batchSize > 0 else { throw ModelError("the batch size must be positive, not \(batchSize)") }
    guard stream.hasTarget else { throw ModelError("the streamed dataset has no target") }
    return Array(zip(plan.names, try evaluateValues(stream: stream, batchSize: batchSize, plan: plan)))
  }

  func evaluateValues(stream: StreamDataset, batchSize: Int, plan: Plan) throws -> [Double] {
    let mode = FloatMode.flushingSubnormals()  // subnormals as zero while it runs (FloatMode)
    defer { mode.restore() }
    let blas = BLASThreads.leavingOneCore()  // a core for the stream reader
    defer { blas.restore() }
    var evaluator = MetricEvaluator(kinds: plan.metricKinds, logits: plan.fused ? plan.lastActivation : nil,
                                    width: plan.width)
    var rng = SeededRandom(seed: 0)  // unused: inference has no randomness
    var lossSum = 0.0, seen = 0
    let batches = StreamBatches(stream, batchSize: batchSize, shuffle: false, rng: rng)
    let pen = withoutGrad { penalty(plan).map { Double($0.value.scalar) } ?? 0 }
    while let batch = try batches.next() {
      let (bx, by) = try streamBatch(batch, stream, plan)
      withoutGrad {
        let (out, mask) = forwardBatch(Variable(bx), extra: [], training: false, logits: plan.fused, rng: &rng)
        let l = batchLoss(out, by, plan, weights: nil, mask: mask)
        lossSum += (Double(l.value.scalar) + pen) * Double(batch.rows)
        let (rows, rowWeights) = Model.metricRows(out.value, mask, count: batch.rows, plan)
        evaluator.accumulate(out.value, by, rows: rows, mask: rowWeights)
      }
      seen += batch.rows
    }
    guard seen > 0 else { return plan.names.map { _ in .nan } }
    return [lossSum / Double(seen)] + evaluator.values()
  }

  /// The outputs for the first `limit` rows of a streamed dataset (file order), with their
  /// targets when it has them: `predict` shows a table, so it never needs every row at once.
  public func predict(stream: StreamDataset, limit: Int, batchSize: Int = 32) throws -> (Tensor, Tensor?) {
    let mode = FloatMode.flushingSubnormals()  // subnormals as zero while it runs (FloatMode)
    defer { mode.restore() }
    let blas = BLASThreads.leavingOneCore()  // a core for the stream reader
    defer { blas.restore() }
    guard let outShape = outputShape else { throw ModelError("the model has no layers yet") }
    let want = Swift.min(Swift.max(limit, 0), stream.count)
    let batches = StreamBatches(stream, batchSize: Swift.min(batchSize, Swift.max(want, 1)), shuffle: false,
                                rng: SeededRandom(seed: 0))
    var xs: [Float] = [], ys: [Float] = []
    var n = 0
    while n < want, let batch = try batches.next() {
      let take = Swift.min(batch.rows, want - n)
      xs += batch.x[0..<(take * stream.featureCount)]
      ys += batch.y[0..<(take * stream.source.targetWidth)]
      n += take
    }
    let x = Tensor(shape: [n] + stream.featureShape, data: xs)
    let out = n == 0 ? Tensor.zeros([0] + outShape) : try predict(x: x, batchSize: batchSize)
    return (out, stream.hasTarget ? Tensor(shape: [n], data: ys) : nil)
  }

  /// A streamed batch as tensors prepared for the model (shape and values checked).
  func streamBatch(_ b: (x: [Float], y: [Float], rows: Int), _ s: StreamDataset, _ plan: Plan) throws -> (Tensor, Tensor) {
    let x = try prepareInputs(Tensor(shape: [b.rows] + s.featureShape, data: b.x), "")
    let y = try prepareTargets(Tensor(shape: [b.rows], data: b.y), samples: b.rows, plan.loss, "")
    return (x, y)
  }

  private func outcomeText(_ o: StepOutcome) -> String {
    switch o {
    case .nonFiniteLoss(let v): return "the loss became \(v)"
    case .nonFiniteGradient(let p): return "the gradient of \(p) became non-finite"
    case .ok: return "ok"
    }
  }
}
