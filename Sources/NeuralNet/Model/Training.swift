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

/// Per-class loss weights, as Keras' `class_weight`.
public enum ClassWeighting: Sendable, Equatable {
  /// n_samples / (n_classes × count of the class), as scikit-learn's "balanced".
  case balanced
  /// One weight per class index.
  case list([Double])
}

/// What a compiled model needs per batch, resolved once per fit/evaluate call: the output
/// head (loss, whether it fuses the last activation) and the metrics.
struct Plan {
  let loss: Loss
  let fused: Bool
  let lastActivation: Activation
  let metricKinds: [MetricKind]
  /// `loss`, then the metric names in compile order.
  let names: [String]
  let regularized: [Layer]
  /// Every parameter (with its path): the optimizer updates the trainable ones and clears
  /// all gradients.
  let parameters: [Parameter]
  /// The ones the optimizer updates (and keeps state for), and the frozen ones.
  let trainable: [Parameter]
  let frozen: [Parameter]
  /// Rows of the loss per sample: T for sequence outputs (N, T, C) under a cross-entropy,
  /// else 1. Metrics are averaged over rows.
  let rowsPerSample: Int
  /// Classes (the output's last axis).
  let width: Int
}

extension Model {
  // MARK: compile

  /// Chooses the loss, optimizer and metrics, as Keras' `compile`. Throws a `ModelError` when
  /// the model has no layers or its output cannot serve the loss (e.g. sparse categorical
  /// cross-entropy on a 1-unit output). Metrics are de-duplicated, order kept.
  public func compile(loss: Loss, optimizer: Optimizer, metrics: [Metric] = []) throws {
    guard !nodes.isEmpty, let out = outputShape else {
      throw ModelError("the model has no layers yet; add layers before compiling it")
    }
    try Model.check(loss: loss, outputShape: out)
    try optimizer.clipping.validate()
    var ms: [Metric] = []
    for m in metrics where !ms.contains(m) { ms.append(m) }
    for m in ms { _ = try MetricKind.resolve(m, loss: loss, width: Model.metricWidth(loss, out)) }
    self.loss = loss
    self.optimizer = optimizer
    self.metrics = ms
    cachedPlan = nil
    batchEvaluator = nil
  }

  /// Throws a `ModelError` when a model whose output has shape `out` cannot serve `loss`.
  /// Cross-entropies take (None, C) or sequence outputs (None, T, C).
  public static func check(loss: Loss, outputShape out: [Int]) throws {
    switch loss {
    case .sparseCategoricalCrossentropy, .categoricalCrossentropy:
      guard out.count == 1 || out.count == 2 else {
        throw ModelError("\(loss.name) needs an output (None, C) with one unit per class, or "
                         + "(None, T, C) for sequences, but the model outputs \(out.kerasBatchShape)")
      }
      guard let c = out.last, c >= 2 else {
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
    guard let out = outputShape, let last = nodes.last?.layer else {
      throw ModelError("the model has no layers")
    }
    guard isBuilt else { throw ModelError("the model is not built") }
    try Model.check(loss: loss, outputShape: out)
    let lastAct = last.activation
    let isCE = loss == .sparseCategoricalCrossentropy || loss == .categoricalCrossentropy
    let rows = isCE && out.count == 2 ? out[0] : 1
    let width = Model.metricWidth(loss, out)
    let kinds = try metrics.map { try MetricKind.resolve($0, loss: loss, width: width) }
    return Plan(loss: loss, fused: loss.fuses(with: lastAct), lastActivation: lastAct,
                metricKinds: kinds, names: ["loss"] + metrics.map(\.name),
                regularized: layers.filter(\.isRegularized),
                parameters: namedParameters.map(\.parameter),
                trainable: namedParameters.map(\.parameter).filter(\.trainable),
                frozen: namedParameters.map(\.parameter).filter { !$0.trainable },
                rowsPerSample: rows, width: width)
  }

  /// Values per row of the loss and metrics: classes (the last axis) for a cross-entropy,
  /// every output value otherwise.
  static func metricWidth(_ loss: Loss, _ out: [Int]) -> Int {
    let isCE = loss == .sparseCategoricalCrossentropy || loss == .categoricalCrossentropy
    return isCE ? (out.last ?? 1) : out.reduce(1, *)
  }

  /// The per-class weights for `spec` and the per-sample weights (N,) they give `y`
  /// (prepared targets: labels, one-hot rows or 0/1 values). Throws for a list of the wrong
  /// length, a negative weight or a class with no sample under `balanced`.
  public func classWeights(_ spec: ClassWeighting, targets y: Tensor) throws -> (perClass: [Double], perSample: Tensor) {
    guard let loss, let out = outputShape else { throw ModelError("the model is not compiled") }
    let n = y.rank >= 1 ? y.shape[0] : 0
    guard n > 0 else { throw ModelError("there are no samples to weigh") }
    let classes: Int
    var cls = [Int](repeating: 0, count: n)
    switch loss {
    case .sparseCategoricalCrossentropy:
      guard out.count == 1 else { throw ModelError("class_weight needs one label per sample") }
      classes = out[0]
      for i in 0..<n { cls[i] = Int(y.data[i]) }
    case .categoricalCrossentropy:
      guard out.count == 1 else { throw ModelError("class_weight needs one label per sample") }
      classes = out[0]
      y.data.withUnsafeBufferPointer { p in
        for i in 0..<n {
          var best = 0
          for j in 1..<classes where p[i * classes + j] > p[i * classes + best] { best = j }
          cls[i] = best
        }
      }
    case .binaryCrossentropy where out.reduce(1, *) == 1:
      classes = 2
      for i in 0..<n { cls[i] = y.data[i] >= 0.5 ? 1 : 0 }
    default:
      throw ModelError("class_weight needs a classification loss (sparse_categorical_crossentropy, "
                       + "categorical_crossentropy, or binary_crossentropy with one output), not \(loss.name)")
    }
    var perClass: [Double]
    switch spec {
    case .balanced:
      var counts = [Int](repeating: 0, count: classes)
      for c in cls { counts[c] += 1 }
      if let empty = counts.firstIndex(of: 0) {
        throw ModelError("class_weight=balanced: class \(empty) has no training sample")
      }
      perClass = counts.map { Double(n) / (Double(classes) * Double($0)) }
    case .list(let w):
      guard w.count == classes else {
        throw ModelError("class_weight has \(w.count) weights but the model has \(classes) classes")
      }
      guard w.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
        throw ModelError("class weights must be 0 or more")
      }
      perClass = w
    }
    let sample = Tensor(shape: [n], data: cls.map { Float(perClass[$0]) })
    return (perClass, sample)
  }

  // MARK: data checks

  /// `x` reshaped to (N, inputShape…) with its values checked by the layers that read it
  /// (`checkInputValues`), or a ShapeError / the layer's error.
  func prepareInputs(_ x: Tensor, _ what: String) throws -> Tensor {
    let px = try shapedInputs(x, what)
    try checkInputValues([px])
    return px
  }

  /// `x` reshaped to (N, inputShape…), or a ShapeError.
  func shapedInputs(_ x: Tensor, _ what: String) throws -> Tensor {
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
    guard let out = outputShape else { throw ModelError("the model has no output") }
    let width = out.reduce(1, *)
    let classes = out.last ?? 1
    let yName = what.isEmpty ? "y" : "the validation y"
    guard y.rank >= 1, y.shape[0] == n else {
      throw ShapeError("\(what.isEmpty ? "x" : "the validation x") has \(n) samples but "
                       + "\(yName) has \(y.rank >= 1 ? String(y.shape[0]) : "no") samples")
    }
    let perSample = Array(y.shape.dropFirst())
    switch loss {
    case .sparseCategoricalCrossentropy where out.count == 2:
      // A sequence output (T, C): one label per time step.
      guard perSample == [out[0]] || perSample == [out[0], 1] else {
        throw ModelError("sparse_categorical_crossentropy on a sequence output \(out.kerasBatchShape) "
                         + "needs labels of shape (N, \(out[0])) but \(yName) has shape \(y.shape.kerasShape)")
      }
      for (i, v) in y.data.enumerated() where !(v >= 0 && v < Float(classes) && v == v.rounded()) {
        throw ModelError("sparse_categorical_crossentropy needs integer labels 0…\(classes - 1) "
                         + "but \(yName) holds \(formatNumber(v)) (sample \(i / out[0]), step \(i % out[0]))")
      }
      return y.reshaped([n, out[0]])
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
        else if out.count >= 2 && out.last == 1 && perSample == Array(out.dropLast()) {
          t = y.reshaped([n] + out)  // one value per step of a (T, 1) sequence output
        }
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

  /// The model on a batch, and the mask of its output ((N, T) when a layer such as an
  /// embedding with `maskZero` made one and the output kept the time axis); the last layer's
  /// activation is left out when `logits`. `extra` holds the inputs after the first, for a
  /// graph with several.
  @inline(__always)
  func forwardBatch(_ x: Variable, extra: [Variable] = [], training: Bool, logits: Bool,
                    rng: inout SeededRandom) -> (output: Variable, mask: Tensor?) {
    var ctx = ForwardContext(training: training, rng: rng)
    let out = isChain && extra.isEmpty ? forwardChain(x, logits: logits, &ctx)
      : forwardGraph([x] + extra, logits: logits, &ctx)[0]
    rng = ctx.rng
    return (out, ctx.mask)
  }

  /// `mask` when it weighs the steps of a sequence output `out` (N, T, …): the mask is
  /// (N, T) with the output's first two sizes. Else nil (the output has no time axis).
  @inline(__always)
  static func stepMask(_ mask: Tensor?, for out: [Int]) -> Tensor? {
    guard let m = mask, m.rank == 2, out.count >= 3, out[0] == m.shape[0], out[1] == m.shape[1]
    else { return nil }
    return m
  }

  /// The rows the metrics of a batch of `count` samples are over, and their weights: one
  /// row per time step weighted by the mask for a masked sequence output, else
  /// `plan.rowsPerSample` rows per sample, unweighted.
  @inline(__always)
  static func metricRows(_ out: Tensor, _ mask: Tensor?, count: Int, _ plan: Plan) -> (Int, Tensor?) {
    if let m = stepMask(mask, for: out.shape) { return (m.count, m) }
    return (count * plan.rowsPerSample, nil)
  }

  /// The loss of a batch's output, weighted when `weights` (per sample) are given. A masked
  /// sequence output (N, T, …) weighs each step by its mask (times its sample's weight) and
  /// divides by Σ mask, as Keras: padded steps do not count.
  @inline(__always)
  func batchLoss(_ out: Variable, _ y: Tensor, _ plan: Plan, weights: Tensor?,
                 mask: Tensor? = nil) -> Variable {
    if let m = Model.stepMask(mask, for: out.shape) {
      return maskedLoss(out, y, plan, weights: weights, mask: m)
    }
    guard let w = weights else { return plan.loss.compute(out, targets: y, fused: plan.fused) }
    if plan.rowsPerSample == 1 { return plan.loss.compute(out, targets: y, fused: plan.fused, weights: w) }
    // A sequence output: each sample's weight covers its T rows.
    var rows = [Float](repeating: 0, count: w.count * plan.rowsPerSample)
    for i in 0..<rows.count { rows[i] = w.data[i / plan.rowsPerSample] }
    return plan.loss.compute(out, targets: y, fused: plan.fused,
                             weights: Tensor(shape: [rows.count], data: rows),
                             normalizer: Float(w.count * plan.rowsPerSample))
  }

  /// Σ w·m·ℓ / Σ m over the steps of a sequence output: `mask` (N, T), `weights` (N) or nil.
  /// A batch of padding only has loss 0 (Keras divides by Σ m + ε).
  func maskedLoss(_ out: Variable, _ y: Tensor, _ plan: Plan, weights: Tensor?, mask m: Tensor) -> Variable {
    var rows = m.data
    var total: Float = 0
    for v in rows { total += v }
    if let w = weights, w.count == m.shape[0] {
      let t = m.shape[1]
      for i in 0..<rows.count { rows[i] *= w.data[i / t] }
    }
    return plan.loss.compute(out, targets: y, fused: plan.fused,
                             weights: Tensor(shape: [rows.count], data: rows),
                             normalizer: Swift.max(total, 1e-7))
  }

  /// The weight penalties of all layers, as one op on the tape (nil when there are none).
  func penalty(_ plan: Plan) -> Variable? {
    var total: Variable?
    for l in plan.regularized {
      if let p = l.penalty() { total = total.map { $0 + p } ?? p }
    }
    return total
  }

  // MARK: fit

  /// Trains the model, as Keras' `fit`: for each epoch, shuffles the training samples (when
  /// `shuffle`), runs mini-batches of `batchSize` (the last one may be smaller), updates the
  /// weights after each, then evaluates on the validation data. All randomness (shuffling,
  /// dropout) comes from `rng`. `classWeight` weighs the training loss per class (Keras'
  /// class_weight); the weights used are reported through `note`. Callbacks run in order
  /// after the built-in ones (gradient clipping and the learning-rate schedule of the
  /// optimizer). `initialEpoch` skips epochs already trained (a resumed run). `augment`
  /// transforms every training batch (never the validation data), drawing from `rng`.
  ///
  /// A NaN guard is always on: at the first non-finite loss or gradient, training stops, the
  /// first layer whose output or gradient is non-finite is named, and the weights are the last
  /// finite ones (a step with non-finite gradients is never applied; weights that became
  /// non-finite are restored from the start of the epoch). Returns this call's history;
  /// `history` accumulates all calls. The reported loss includes weight penalties and is the
  /// batch-size-weighted mean.
  @discardableResult
  public func fit(x: Tensor, y: Tensor, epochs: Int = 1, batchSize: Int = 32,
                  validation: Validation = .none, shuffle: Bool = true,
                  classWeight: ClassWeighting? = nil, callbacks: [Callback] = [],
                  initialEpoch: Int = 0, augment: Augmentation? = nil, rng: inout SeededRandom,
                  note: @escaping (String) -> Void = { _ in }) throws -> History {
    let (plan, optimizer) = try fitSetup(epochs: epochs, batchSize: batchSize)
    var data = try FitData(model: self, x: x, y: y, validation: validation, plan: plan)
    try augment?.validate(sampleShape: Array(data.x.shape.dropFirst()))
    return try fit(data: &data, plan: plan, optimizer: optimizer, epochs: epochs, batchSize: batchSize,
                   shuffle: shuffle, classWeight: classWeight, callbacks: callbacks,
                   initialEpoch: initialEpoch, augment: augment, rng: &rng, note: note)
  }

  /// `fit` with inputs keyed by name, for models with several inputs; validation is the last
  /// `validationFraction` of the samples, as with one input. `epochInputs`, when given, is
  /// called before every epoch (with its 0-based index among `epochs` and the generator) and
  /// returns new values, for all samples, of some inputs other than the first, by name: the
  /// epoch trains (and validates) on them (scheduled sampling remakes the decoder's inputs).
  @discardableResult
  public func fit(inputs batch: [String: Tensor], y: Tensor, epochs: Int = 1, batchSize: Int = 32,
                  validationFraction: Double? = nil, shuffle: Bool = true,
                  classWeight: ClassWeighting? = nil, callbacks: [Callback] = [],
                  initialEpoch: Int = 0, rng: inout SeededRandom,
                  epochInputs: NamedEpochInputs? = nil,
                  note: @escaping (String) -> Void = { _ in }) throws -> History {
    let (plan, optimizer) = try fitSetup(epochs: epochs, batchSize: batchSize)
    let xs = try orderedInputs(batch)
    var data = try FitData(model: self, xs: xs, y: y, validationFraction: validationFraction, plan: plan)
    var byIndex: EpochInputs?
    if let epochInputs {
      let names = inputs.map(\.name)
      byIndex = { epoch, rng in
        var out: [Int: Tensor] = [:]
        for (name, t) in try epochInputs(epoch, &rng) {
          guard let i = names.firstIndex(of: name), i > 0 else {
            throw ModelError("'\(name)' is not an input after the first, so an epoch cannot replace it")
          }
          out[i - 1] = t
        }
        return out
      }
    }
    return try fit(data: &data, plan: plan, optimizer: optimizer, epochs: epochs, batchSize: batchSize,
                   shuffle: shuffle, classWeight: classWeight, callbacks: callbacks,
                   initialEpoch: initialEpoch, epochInputs: byIndex, rng: &rng, note: note)
  }

  /// The plan and optimizer of a fit, after checking its counts.
  func fitSetup(epochs: Int, batchSize: Int) throws -> (Plan, Optimizer) {
    let plan = try makePlan()
    guard let optimizer else { throw ModelError("the model is not compiled") }
    guard epochs >= 0 else { throw ModelError("epochs must be at least 0, not \(epochs)") }
    guard batchSize > 0 else { throw ModelError("the batch size must be positive, not \(batchSize)") }
    return (plan, optimizer)
  }

  func fit(data: inout FitData, plan: Plan, optimizer: Optimizer, epochs: Int, batchSize: Int,
           shuffle: Bool, classWeight: ClassWeighting?, callbacks: [Callback], initialEpoch: Int,
           augment: Augmentation? = nil, epochInputs: EpochInputs? = nil,
           rng: inout SeededRandom, note: @escaping (String) -> Void) throws -> History {
    let mode = FloatMode.flushingSubnormals()  // subnormals as zero while it runs (FloatMode)
    defer { mode.restore() }
    if let cw = classWeight {
      let (perClass, sample) = try classWeights(cw, targets: data.y)
      data.weights = sample
      note("class weights: " + perClass.enumerated().map { "\($0.offset): \(formatWeight($0.element))" }
        .joined(separator: ", "))
    }
    var all: [Callback] = []
    if optimizer.clipping.isActive { all.append(ClipGradients(optimizer.clipping)) }
    if let s = optimizer.schedule {
      all.append(ScheduleLearningRate(s, monitor: data.val == nil ? "loss" : "val_loss"))
    }
    all += callbacks
    let loop = FitLoop(model: self, plan: plan, optimizer: optimizer, data: data,
                       batchSize: batchSize, shuffle: shuffle, callbacks: all,
                       scheduled: optimizer.schedule != nil, augment: augment, epochInputs: epochInputs)
    let result = try loop.run(epochs: epochs, from: initialEpoch, rng: &rng, note: note)
    return result
  }

  /// One training step on a prepared batch: forward, loss (+ penalty), backward, gradient
  /// hooks, update; adds the batch's loss (times its rows) to `lossSum` and the batch to
  /// `evaluator`.
  /// Returns false (applying no update) when the loss or a gradient is not finite.
  @inline(__always)
  func runStep(_ x: Tensor, extra: [Tensor] = [], _ y: Tensor, weights: Tensor?, rows count: Int,
               plan: Plan, optimizer: Optimizer, evaluator: inout MetricEvaluator,
               lossSum: inout Double, rng: inout SeededRandom,
               hooks: (() -> Void)? = nil) -> StepOutcome {
    let tape = Tape.current
    tape.reset()
    let (out, mask) = forwardBatch(Variable(x), extra: extra.isEmpty ? [] : extra.map { Variable($0) },
                                   training: true, logits: plan.fused, rng: &rng)
    var lossVar = batchLoss(out, y, plan, weights: weights, mask: mask)
    if !plan.regularized.isEmpty, let p = penalty(plan) { lossVar = lossVar + p }
    let lossValue = Double(lossVar.value.scalar)
    guard lossValue.isFinite else {
      tape.reset()
      return .nonFiniteLoss(lossValue)
    }
    tape.backward(from: lossVar)
    hooks?()
    if let bad = firstNonFiniteGradient(plan.parameters) {
      for p in plan.parameters { p.variable.grad = nil }
      return .nonFiniteGradient(bad)
    }
    optimizer.step(plan.trainable)
    if !plan.frozen.isEmpty { for p in plan.frozen where p.variable.grad != nil { p.variable.grad = nil } }
    lossSum += lossValue * Double(count)
    let (rows, rowWeights) = Model.metricRows(out.value, mask, count: count, plan)
    evaluator.accumulate(out.value, y, rows: rows, mask: rowWeights)
    return .ok
  }

  /// The path of the first parameter (in layer order) whose gradient holds NaN or ±∞.
  func firstNonFiniteGradient(_ params: [Parameter]) -> String? {
    for i in params.indices {
      let bad = !(params[i].variable.grad?.allFinite ?? true)
      if bad { return params[i].path.isEmpty ? params[i].name : params[i].path }
    }
    return nil
  }

  /// One gradient update on one batch, as Keras' `train_on_batch` (training mode: dropout on;
  /// `rng` drives it). Returns the batch's loss then metrics in compile order. The checks and
  /// the resolved loss/metric plan are cached, so this is the lightest way to time a step.
  @discardableResult
  public func trainOnBatch(x: Tensor, y: Tensor,
                           rng: inout SeededRandom) throws -> [(String, Double)] {
    let mode = FloatMode.flushingSubnormals()  // subnormals as zero while it runs (FloatMode)
    defer { mode.restore() }
    let plan: Plan
    if let p = cachedPlan { plan = p } else { plan = try makePlan(); cachedPlan = plan }
    guard let optimizer, let inShape = inputShape else { throw ModelError("the model is not compiled") }
    let bx = x.rank == inShape.count + 1 && x.shape.dropFirst().elementsEqual(inShape)
      ? x : try shapedInputs(x, "")
    try checkInputValues([bx])
    let n = bx.shape[0]
    guard n > 0 else { throw ModelError("the batch is empty") }
    let by = try prepareTargets(y, samples: n, plan.loss, "")
    if batchEvaluator?.kinds.count != plan.metricKinds.count {
      batchEvaluator = MetricEvaluator(kinds: plan.metricKinds,
                                       logits: plan.fused ? plan.lastActivation : nil,
                                       width: plan.width)
    }
    var lossSum = 0.0
    guard batchEvaluator != nil else { throw ModelError("no metric evaluator") }
    // In place (set just above): no copy of the evaluator and its scratch buffer per step.
    batchEvaluator!.reset()
    let outcome = runStep(bx, by, weights: nil, rows: n, plan: plan, optimizer: optimizer,
                          evaluator: &batchEvaluator!, lossSum: &lossSum, rng: &rng)
    if case .nonFiniteLoss(let v) = outcome { throw ModelError("the loss is \(v)") }
    if case .nonFiniteGradient(let p) = outcome { throw ModelError("the gradient of \(p) is not finite") }
    return Model.logs(plan.names, loss: lossSum / Double(n), metrics: batchEvaluator!.values())
  }

  /// `names` paired with the loss then the metric values.
  static func logs(_ names: [String], loss: Double, metrics: [Double]) -> [(String, Double)] {
    var out: [(String, Double)] = []
    out.reserveCapacity(names.count)
    out.append((names[0], loss))
    for k in metrics.indices where k + 1 < names.count { out.append((names[k + 1], metrics[k])) }
    return out
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
        guard let sb = s.baseAddress, let db = d.baseAddress else { return }
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
}

/// A weight for messages: up to 4 decimals, trailing zeros dropped (`1.25`, `0.6667`).
func formatWeight(_ d: Double) -> String {
  guard d.isFinite else { return "\(d)" }
  let scaled = (d * 10_000).rounded()
  let whole = Int(scaled) / 10_000, frac = abs(Int(scaled)) % 10_000
  if frac == 0 { return String(whole) }
  var f = String(frac)
  f = String(repeating: "0", count: 4 - f.count) + f
  while f.hasSuffix("0") { f.removeLast() }
  return (scaled < 0 && whole == 0 ? "-" : "") + "\(whole).\(f)"
}
