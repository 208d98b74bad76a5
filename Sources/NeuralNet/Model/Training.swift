import Autograd

/// Held-out data `fit` evaluates after each epoch (reported as `val_loss`, `val_accuracy`, …).
public enum Validation: Sendable {
  /// No validation.
  case none
  /// The LAST `fraction` of the samples (taken before shuffling, as Keras'
  /// `validation_split`): the first ⌈N·(1 − fraction)⌉ samples train.
  case fraction(Double)
  /// Separate validation inputs and targets.
  case data(Tensor, Tensor)
}

/// What a compiled model needs per batch, resolved once per fit/evaluate call.
struct Plan {
  let loss: Loss
  let fused: Bool
  let lastActivation: Activation
  let metricKinds: [MetricKind]
  /// `loss`, then the metric names in compile order.
  let names: [String]
  let regularized: [Layer]
  /// Every parameter: the optimizer updates the trainable ones and clears all gradients.
  let parameters: [Parameter]
}

extension Sequential {
  // MARK: compile

  /// Chooses the loss, optimizer and metrics, as Keras' `compile`. Throws a `ModelError` when
  /// the model has no layers or its output cannot serve the loss (e.g. sparse categorical
  /// cross-entropy on a 1-unit output). Metrics are de-duplicated, order kept.
  public func compile(loss: Loss, optimizer: Optimizer, metrics: [Metric] = []) throws {
    guard !layers.isEmpty, let out = outputShape else {
      throw ModelError("the model has no layers yet; add layers before compiling it")
    }
    try Sequential.check(loss: loss, outputShape: out)
    var ms: [Metric] = []
    for m in metrics where !ms.contains(m) { ms.append(m) }
    self.loss = loss
    self.optimizer = optimizer
    self.metrics = ms
    cachedPlan = nil
    batchEvaluator = nil
  }

  /// Throws a `ModelError` when a model whose output has shape `out` cannot serve `loss`.
  public static func check(loss: Loss, outputShape out: [Int]) throws {
    switch loss {
    case .sparseCategoricalCrossentropy, .categoricalCrossentropy:
      guard out.count == 1 else {
        throw ModelError("\(loss.name) needs a flat output (None, C) with one unit per class, "
                         + "but the model outputs \(out.kerasBatchShape)")
      }
      guard out[0] >= 2 else {
        throw ModelError("\(loss.name) needs one output unit per class, but the model outputs "
                         + "1 unit; for two classes use binary_crossentropy with one sigmoid "
                         + "unit, or end with C softmax units")
      }
    default: break
    }
  }

  func makePlan() throws -> Plan {
    guard let loss, optimizer != nil else {
      throw ModelError("the model is not compiled: compile it with a loss and an optimizer first")
    }
    guard let out = outputShape, !layers.isEmpty else {
      throw ModelError("the model has no layers")
    }
    try Sequential.check(loss: loss, outputShape: out)
    let lastAct = layers.last!.activation
    let width = out.reduce(1, *)
    let kinds: [MetricKind] = metrics.map { m in
      switch m {
      case .mae: return .mae
      case .mse: return .mse
      case .accuracy:
        // Keras: a 1-unit output is binary; labels of lower rank are sparse; else one-hot.
        if loss == .sparseCategoricalCrossentropy { return .sparseAccuracy }
        return width == 1 ? .binaryAccuracy : .categoricalAccuracy
      }
    }
    return Plan(loss: loss, fused: loss.fuses(with: lastAct), lastActivation: lastAct,
                metricKinds: kinds, names: ["loss"] + metrics.map(\.name),
                regularized: layers.filter(\.isRegularized),
                parameters: layers.flatMap(\.parameters))
  }

  // MARK: data checks

  /// `x` reshaped to (N, inputShape…), or a ShapeError.
  func prepareInputs(_ x: Tensor, _ what: String) throws -> Tensor {
    guard let inShape = inputShape else { throw ModelError("the model has no input shape") }
    if Array(x.shape.dropFirst()) == inShape, x.rank >= 1 { return x }
    if inShape == [1], x.rank == 1 { return x.reshaped([x.count, 1]) }
    let given = x.rank >= 1 ? Array(x.shape.dropFirst()).kerasBatchShape : "a scalar"
    throw ShapeError("the model expects \(what)inputs of shape \(inShape.kerasBatchShape) but "
                     + "\(what.isEmpty ? "x" : "the validation x") has shape \(given)"
                     + (x.rank >= 1 ? " (\(x.shape[0]) samples)" : ""))
  }

  /// `y` reshaped for the loss ((N,) labels for the sparse loss, (N, output…) otherwise) and
  /// checked against it, or a ModelError / ShapeError that says how to fix it.
  func prepareTargets(_ y: Tensor, samples n: Int, _ loss: Loss, _ what: String) throws -> Tensor {
    let out = outputShape!
    let width = out.reduce(1, *)
    let yName = what.isEmpty ? "y" : "the validation y"
    guard y.rank >= 1, y.shape[0] == n else {
      throw ShapeError("\(what.isEmpty ? "x" : "the validation x") has \(n) samples but "
                       + "\(yName) has \(y.rank >= 1 ? String(y.shape[0]) : "no") samples")
    }
    let perSample = Array(y.shape.dropFirst())
    switch loss {
    case .sparseCategoricalCrossentropy:
      guard perSample.isEmpty || perSample == [1] else {
        throw ModelError("sparse_categorical_crossentropy needs integer class labels of shape "
                         + "(N,) but \(yName) has shape \(y.shape.kerasShape)"
                         + (perSample == out ? "; it looks one-hot: use categorical_crossentropy"
                            : ""))
      }
      for (i, v) in y.data.enumerated() where !(v >= 0 && v < Float(width) && v == v.rounded()) {
        throw ModelError("sparse_categorical_crossentropy needs integer labels 0…\(width - 1) "
                         + "(C = \(width) output units) but \(yName)[\(i)] is \(formatNumber(v))")
      }
      return perSample.isEmpty ? y : y.reshaped([n])
    default:
      var t = y
      if perSample != out {
        if width == 1 && perSample.isEmpty { t = y.reshaped([n, 1]) }
        else if loss == .categoricalCrossentropy && (perSample.isEmpty || perSample == [1]) {
          throw ModelError("categorical_crossentropy needs one-hot targets of shape "
                           + "\(out.kerasBatchShape) but \(yName) has shape "
                           + "\(y.shape.kerasShape); for integer labels use "
                           + "sparse_categorical_crossentropy")
        } else {
          throw ShapeError("the model outputs \(out.kerasBatchShape) but \(yName) has shape "
                           + "\(y.shape.kerasShape); \(loss.name) needs targets of the "
                           + "output's shape")
        }
      }
      if loss == .binaryCrossentropy {
        for (i, v) in t.data.enumerated() where !(v >= 0 && v <= 1) {
          throw ModelError("binary_crossentropy needs targets in [0, 1] but \(yName)[\(i / width)] "
                           + (width == 1 ? "is " : "holds ") + formatNumber(v))
        }
      }
      return t
    }
  }

  // MARK: forward

  /// The model on a batch; the last layer's activation is left out when `logits`.
  func forwardBatch(_ x: Variable, training: Bool, logits: Bool,
                    rng: inout SeededRandom) -> Variable {
    var h = x
    let last = layers.count - 1
    for i in 0..<layers.count {
      h = logits && i == last ? layers[i].forwardPreActivation(h, training: training, rng: &rng)
        : layers[i].forward(h, training: training, rng: &rng)
    }
    return h
  }

  /// The regularisation penalty of all layers.
  func penalty(_ plan: Plan) -> Double {
    var p = 0.0
    for l in plan.regularized { p += Double(l.regularizationLoss) }
    return p
  }

  // MARK: fit

  /// Trains the model, as Keras' `fit`: for each epoch, shuffles the training samples (when
  /// `shuffle`), runs mini-batches of `batchSize` (the last one may be smaller), updates the
  /// weights after each, then evaluates on the validation data. All randomness (shuffling,
  /// dropout) comes from `rng`. Progress goes to `observer`; when its `shouldStop` turns true
  /// training stops after the current batch and the partial epoch is recorded (with
  /// `History.stopped`). Returns this call's history; `history` accumulates all calls.
  /// The reported loss includes weight penalties and is the batch-size-weighted mean.
  @discardableResult
  public func fit(x: Tensor, y: Tensor, epochs: Int = 1, batchSize: Int = 32,
                  validation: Validation = .none, shuffle: Bool = true,
                  rng: inout SeededRandom, observer: TrainingObserver? = nil) throws -> History {
    let plan = try makePlan()
    let optimizer = self.optimizer!
    guard epochs >= 0 else { throw ModelError("epochs must be at least 0, not \(epochs)") }
    guard batchSize > 0 else { throw ModelError("the batch size must be positive, not \(batchSize)") }
    var tx = try prepareInputs(x, "")
    var ty = try prepareTargets(y, samples: tx.shape[0], plan.loss, "")
    var val: (x: Tensor, y: Tensor)?
    switch validation {
    case .none: break
    case .fraction(let f):
      guard f > 0 && f < 1 else {
        throw ModelError("the validation fraction must be between 0 and 1, not \(f)")
      }
      let n = tx.shape[0]
      let split = Int((Double(n) * (1.0 - f)).rounded(.up))
      guard split > 0 && split < n else {
        throw ModelError("a validation fraction of \(f) of \(n) samples leaves "
                         + (split >= n ? "no validation samples" : "no training samples"))
      }
      val = (Sequential.rows(tx, split..<n), Sequential.rows(ty, split..<n))
      tx = Sequential.rows(tx, 0..<split)
      ty = Sequential.rows(ty, 0..<split)
    case .data(let vx, let vy):
      let px = try prepareInputs(vx, "validation ")
      val = (px, try prepareTargets(vy, samples: px.shape[0], plan.loss, "validation "))
    }

    let n = tx.shape[0]
    guard n > 0 else { throw ModelError("there are no training samples") }
    let xRow = tx.count / n, yRow = ty.count / n
    let steps = (n + batchSize - 1) / batchSize
    let full = Swift.min(batchSize, n), tail = n - (steps - 1) * batchSize
    let inShape = Array(tx.shape.dropFirst()), tShape = Array(ty.shape.dropFirst())
    var fullX = Tensor.zeros([full] + inShape), fullY = Tensor.zeros([full] + tShape)
    var tailX = Tensor.zeros([tail] + inShape), tailY = Tensor.zeros([tail] + tShape)
    var evaluator = MetricEvaluator(kinds: plan.metricKinds,
                                    logits: plan.fused ? plan.lastActivation : nil,
                                    width: outputShape!.reduce(1, *))
    // Log order: training names alphabetically, then val_ names alphabetically.
    let order = plan.names.indices.sorted { plan.names[$0] < plan.names[$1] }
    let sortedNames = order.map { plan.names[$0] }
    var sums = [Double](repeating: 0, count: plan.names.count)
    let clock = ContinuousClock()
    var result = History()
    let identity = Array(0..<n)

    epochLoop: for epoch in stride(from: 1, through: epochs, by: 1) {
      observer?.epochBegan(epoch: epoch, of: epochs)
      let start = clock.now
      let perm = shuffle ? rng.permutation(n) : identity
      for k in 0..<sums.count { sums[k] = 0 }
      var seen = 0
      var stoppedAt: Int?
      for b in 0..<steps {
        let s0 = b * batchSize
        let count = b == steps - 1 ? tail : full
        let isTail = count != full
        perm.withUnsafeBufferPointer { p in
          if isTail {
            Sequential.gather(tx, xRow, p, s0, count, &tailX)
            Sequential.gather(ty, yRow, p, s0, count, &tailY)
          } else {
            Sequential.gather(tx, xRow, p, s0, count, &fullX)
            Sequential.gather(ty, yRow, p, s0, count, &fullY)
          }
        }
        runStep(isTail ? tailX : fullX, isTail ? tailY : fullY, rows: count, plan: plan,
                optimizer: optimizer, evaluator: &evaluator, sums: &sums, rng: &rng)
        seen += count
        if let observer {
          let d = clock.now - start
          observer.batchEnded(batch: b + 1, of: steps,
                              logs: order.map { (plan.names[$0], sums[$0] / Double(seen)) },
                              elapsed: Sequential.seconds(d))
          if observer.shouldStop && !(epoch == epochs && b == steps - 1) {
            stoppedAt = b + 1
            break
          }
        }
      }
      var logs = order.map { (plan.names[$0], sums[$0] / Double(seen)) }
      if let val, !(stoppedAt != nil && observer?.shouldAbort == true) {
        let v = try evaluateData(val.x, val.y, batchSize: batchSize, plan: plan)
        logs += sortedNames.map { name in ("val_" + name, v[plan.names.firstIndex(of: name)!]) }
      }
      result.append(logs)
      observer?.epochEnded(epoch: epoch, logs: logs, elapsed: Sequential.seconds(clock.now - start))
      if let b = stoppedAt {
        result.stopped = (epoch, b)
        break epochLoop
      }
    }
    history.append(contentsOf: result)
    return result
  }

  /// One training step on a prepared batch: forward, loss (+ penalty), backward, update; adds
  /// the batch's loss and metric sums (per-sample values × rows) into `sums`.
  @inline(__always)
  func runStep(_ x: Tensor, _ y: Tensor, rows count: Int, plan: Plan, optimizer: Optimizer,
               evaluator: inout MetricEvaluator, sums: inout [Double],
               rng: inout SeededRandom) {
    let tape = Tape.current
    tape.reset()
    let out = forwardBatch(Variable(x), training: true, logits: plan.fused, rng: &rng)
    let lossVar = plan.loss.compute(out, targets: y, fused: plan.fused)
    var lossValue = Double(lossVar.value.scalar)
    if !plan.regularized.isEmpty { lossValue += penalty(plan) }
    tape.backward(from: lossVar)
    for l in plan.regularized { l.addRegularizationGradients() }
    optimizer.step(plan.parameters)
    sums[0] += lossValue * Double(count)
    evaluator.accumulate(out.value, y, rows: count, into: &sums, at: 1)
  }

  /// One gradient update on one batch, as Keras' `train_on_batch` (training mode: dropout on;
  /// `rng` drives it). Returns the batch's loss then metrics in compile order. The checks and
  /// the resolved loss/metric plan are cached, so this is the lightest way to time a step.
  @discardableResult
  public func trainOnBatch(x: Tensor, y: Tensor,
                           rng: inout SeededRandom) throws -> [(String, Double)] {
    let plan: Plan
    if let p = cachedPlan { plan = p } else { plan = try makePlan(); cachedPlan = plan }
    let bx = x.rank >= 1 && x.shape.count == (inputShape?.count ?? -1) + 1
      && x.shape.dropFirst().elementsEqual(inputShape!) ? x : try prepareInputs(x, "")
    let n = bx.shape[0]
    guard n > 0 else { throw ModelError("the batch is empty") }
    let by = try prepareTargets(y, samples: n, plan.loss, "")
    if batchEvaluator?.kinds.count != plan.metricKinds.count {
      batchEvaluator = MetricEvaluator(kinds: plan.metricKinds,
                                       logits: plan.fused ? plan.lastActivation : nil,
                                       width: outputShape!.reduce(1, *))
    }
    var sums = [Double](repeating: 0, count: plan.names.count)
    runStep(bx, by, rows: n, plan: plan, optimizer: optimizer!, evaluator: &batchEvaluator!,
            sums: &sums, rng: &rng)
    return (0..<sums.count).map { (plan.names[$0], sums[$0] / Double(n)) }
  }

  static func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }

  /// Rows `r` of `t` as a new tensor.
  static func rows(_ t: Tensor, _ r: Range<Int>) -> Tensor {
    let row = t.shape[0] == 0 ? 0 : t.count / t.shape[0]
    var s = t.shape
    s[0] = r.count
    return Tensor(shape: s, data: Array(t.data[(r.lowerBound * row)..<(r.upperBound * row)]))
  }

  /// Copies rows idx[start ..< start+count] of `src` into `dst` (preallocated).
  @inline(__always)
  static func gather(_ src: Tensor, _ rowSize: Int, _ idx: UnsafeBufferPointer<Int>,
                     _ start: Int, _ count: Int, _ dst: inout Tensor) {
    if rowSize == 0 { return }
    src.data.withUnsafeBufferPointer { s in
      dst.data.withUnsafeMutableBufferPointer { d in
        let sb = s.baseAddress!, db = d.baseAddress!
        if rowSize == 1 {
          for r in 0..<count { db[r] = sb[idx[start + r]] }
        } else {
          for r in 0..<count {
            (db + r * rowSize).update(from: sb + idx[start + r] * rowSize, count: rowSize)
          }
        }
      }
    }
  }

  // MARK: evaluate / predict

  /// Loss and metrics over prepared data, in `plan.names` order.
  func evaluateData(_ x: Tensor, _ y: Tensor, batchSize: Int, plan: Plan) throws -> [Double] {
    let n = x.shape[0]
    var sums = [Double](repeating: 0, count: plan.names.count)
    guard n > 0 else { return sums.map { _ in .nan } }
    var evaluator = MetricEvaluator(kinds: plan.metricKinds,
                                    logits: plan.fused ? plan.lastActivation : nil,
                                    width: outputShape!.reduce(1, *))
    var rng = SeededRandom(seed: 0)  // unused: inference has no randomness
    let pen = plan.regularized.isEmpty ? 0 : penalty(plan)
    withoutGrad {
      var s0 = 0
      while s0 < n {
        let count = Swift.min(batchSize, n - s0)
        let bx = Sequential.rows(x, s0..<(s0 + count))
        let by = Sequential.rows(y, s0..<(s0 + count))
        let out = forwardBatch(Variable(bx), training: false, logits: plan.fused, rng: &rng)
        let l = plan.loss.compute(out, targets: by, fused: plan.fused)
        sums[0] += (Double(l.value.scalar) + pen) * Double(count)
        evaluator.accumulate(out.value, by, rows: count, into: &sums, at: 1)
        s0 += count
      }
    }
    return sums.map { $0 / Double(n) }
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

  /// The model's outputs for `x` (N, inputShape…) → (N, outputShape…), in inference mode
  /// (no dropout, nothing recorded), computed `batchSize` samples at a time.
  public func predict(x: Tensor, batchSize: Int = 32) throws -> Tensor {
    guard !layers.isEmpty, let outShape = outputShape else {
      throw ModelError("the model has no layers yet")
    }
    guard batchSize > 0 else { throw ModelError("the batch size must be positive, not \(batchSize)") }
    let px = try prepareInputs(x, "")
    let n = px.shape[0]
    let width = outShape.reduce(1, *)
    var result = Tensor.zeros([n] + outShape)
    var rng = SeededRandom(seed: 0)  // unused: inference has no randomness
    withoutGrad {
      var s0 = 0
      while s0 < n {
        let count = Swift.min(batchSize, n - s0)
        let out = forwardBatch(Variable(Sequential.rows(px, s0..<(s0 + count))), training: false,
                               logits: false, rng: &rng)
        result.data.withUnsafeMutableBufferPointer { d in
          out.value.data.withUnsafeBufferPointer { o in
            (d.baseAddress! + s0 * width).update(from: o.baseAddress!, count: count * width)
          }
        }
        s0 += count
      }
    }
    return result
  }
}
