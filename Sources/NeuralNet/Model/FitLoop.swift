import Autograd

/// How one training step ended.
enum StepOutcome {
  case ok
  /// The loss was NaN or ±∞ (nothing was updated).
  case nonFiniteLoss(Double)
  /// A gradient was not finite: the path of the first such parameter (nothing was updated).
  case nonFiniteGradient(String)
}

/// Before an epoch (its 0-based index among the fit's epochs), new values of some inputs,
/// by name, for all the samples given to `fit`; drawing from the generator (scheduled
/// sampling's decoder inputs).
public typealias NamedEpochInputs = (_ epoch: Int, _ rng: inout SeededRandom) throws -> [String: Tensor]
/// `NamedEpochInputs` by position among the inputs after the first.
typealias EpochInputs = (_ epoch: Int, _ rng: inout SeededRandom) throws -> [Int: Tensor]

/// The training and validation data of one `fit`, checked and shaped.
struct FitData {
  var x: Tensor
  /// The inputs after the first, for a model with several (same samples as `x`).
  var extra: [Tensor] = []
  var y: Tensor
  /// Per-sample loss weights (class weights), or nil.
  var weights: Tensor?
  var val: (x: Tensor, y: Tensor)?
  var valExtra: [Tensor] = []
  /// Where a validation fraction splits the samples (training rows before it), or nil.
  var split: Int?

  /// Several inputs, in the model's input order (already checked); validation by fraction.
  init(model: Model, xs: [Tensor], y: Tensor, validationFraction f: Double?, plan: Plan) throws {
    try self.init(model: model, x: xs[0], y: y,
                  validation: f.map { .fraction($0) } ?? .none, plan: plan, checked: true)
    let n = xs[0].shape[0]
    if let f {
      let split = Int((Double(n) * (1.0 - f)).rounded(.up))
      self.split = split
      extra = xs.dropFirst().map { Model.rows($0, 0..<split) }
      valExtra = xs.dropFirst().map { Model.rows($0, split..<n) }
    } else {
      extra = Array(xs.dropFirst())
    }
  }

  /// Replaces input `k + 1` (the `k`th of `extra`) by `full`, all the samples given to `fit`,
  /// split as the first inputs were.
  mutating func replaceExtra(_ k: Int, with full: Tensor) throws {
    guard k >= 0, k < extra.count else { throw ModelError("the model has no input \(k + 2)") }
    let n = x.shape[0] + (val?.x.shape[0] ?? 0)
    guard full.shape.first == n, full.shape == [n] + Array(extra[k].shape.dropFirst()) else {
      throw ModelError("an epoch's new input \(k + 2) has shape \(full.shape), not that of the input it replaces")
    }
    if let split {
      extra[k] = Model.rows(full, 0..<split)
      valExtra[k] = Model.rows(full, split..<n)
    } else {
      extra[k] = full
    }
  }

  init(model: Model, x: Tensor, y: Tensor, validation: Validation, plan: Plan,
       checked: Bool = false) throws {
    var tx = checked ? x : try model.prepareInputs(x, "")
    var ty = try model.prepareTargets(y, samples: tx.shape[0], plan.loss, "")
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
      val = (Model.rows(tx, split..<n), Model.rows(ty, split..<n))
      tx = Model.rows(tx, 0..<split)
      ty = Model.rows(ty, 0..<split)
    case .data(let vx, let vy):
      let px = try model.prepareInputs(vx, "validation ")
      val = (px, try model.prepareTargets(vy, samples: px.shape[0], plan.loss, "validation "))
    }
    guard tx.shape[0] > 0 else { throw ModelError("there are no training samples") }
    self.x = tx
    self.y = ty
  }
}

/// The epoch loop of `Model.fit`, with its callbacks and the NaN guard.
struct FitLoop {
  let model: Model
  let plan: Plan
  let optimizer: Optimizer
  let data: FitData
  let batchSize: Int
  let shuffle: Bool
  let callbacks: [Callback]
  /// Whether a schedule sets the rate (then `lr` is logged every epoch).
  let scheduled: Bool
  /// Augmentation of the training batches, if any.
  var augment: Augmentation? = nil
  /// Before each epoch (0-based index of `epochs`), new values for some of the inputs after
  /// the first (by their index in `data.extra`), for all samples: scheduled sampling.
  var epochInputs: EpochInputs? = nil

  /// Runs epochs `from + 1 … epochs`; returns the history of the epochs run.
  func run(epochs: Int, from initialEpoch: Int, rng: inout SeededRandom,
           note: @escaping (String) -> Void) throws -> History {
    var data = self.data
    let ctx = TrainingContext(model: model, optimizer: optimizer, epochs: epochs, note: note)
    ctx.parameters = plan.parameters.filter(\.trainable)
    let (tx, ty) = (data.x, data.y)
    let n = tx.shape[0]
    let xRow = tx.count / n, yRow = ty.count / n
    let steps = (n + batchSize - 1) / batchSize
    let full = Swift.min(batchSize, n), tail = n - (steps - 1) * batchSize
    let inShape = Array(tx.shape.dropFirst()), tShape = Array(ty.shape.dropFirst())
    var fullX = Tensor.zeros([full] + inShape), fullY = Tensor.zeros([full] + tShape)
    var tailX = Tensor.zeros([tail] + inShape), tailY = Tensor.zeros([tail] + tShape)
    let extraRows = data.extra.map { $0.count / n }
    var fullE = data.extra.map { Tensor.zeros([full] + Array($0.shape.dropFirst())) }
    var tailE = data.extra.map { Tensor.zeros([tail] + Array($0.shape.dropFirst())) }
    var fullW = data.weights.map { _ in Tensor.zeros([full]) }
    var tailW = data.weights.map { _ in Tensor.zeros([tail]) }
    var evaluator = MetricEvaluator(kinds: plan.metricKinds,
                                    logits: plan.fused ? plan.lastActivation : nil,
                                    width: plan.width)
    // Log order: training names alphabetically, then val_ names alphabetically.
    let order = plan.names.indices.sorted { plan.names[$0] < plan.names[$1] }
    let sortedNames = order.map { plan.names[$0] }
    var lossSum = 0.0
    let clock = ContinuousClock()
    var result = History()
    let identity = Array(0..<n)
    let hooks: (() -> Void)? = callbacks.isEmpty ? nil : {
      for cb in callbacks { cb.gradientsReady(ctx) }
    }
    ctx.batches = steps
    // The epoch so far: the mean loss per sample, the metrics over every row seen.
    func means(_ seen: Int) -> [(String, Double)] {
      let values = [lossSum / Double(seen)] + evaluator.values()
      return order.map { k in (plan.names[k], values[k]) }
    }

    for cb in callbacks { cb.trainBegan(ctx) }
    epochLoop: for epoch in stride(from: initialEpoch + 1, through: epochs, by: 1) {
      ctx.epoch = epoch
      ctx.globalEpoch = model.history.epochs
      if let epochInputs {
        for (k, t) in try epochInputs(epoch - 1, &rng).sorted(by: { $0.key < $1.key }) {
          try data.replaceExtra(k, with: t)
        }
      }
      for cb in callbacks { cb.epochBegan(ctx) }
      let start = clock.now
      let snapshot = model.weightsSnapshot()
      let perm = shuffle ? rng.permutation(n) : identity
      lossSum = 0
      evaluator.reset()
      var seen = 0
      var stoppedAt: Int?
      for b in 0..<steps {
        let s0 = b * batchSize
        let count = b == steps - 1 ? tail : full
        let isTail = count != full
        perm.withUnsafeBufferPointer { p in
          if isTail {
            Model.gather(tx, xRow, p, s0, count, &tailX)
            Model.gather(ty, yRow, p, s0, count, &tailY)
            if let w = data.weights, tailW != nil { Model.gather(w, 1, p, s0, count, &tailW!) }
            for k in data.extra.indices { Model.gather(data.extra[k], extraRows[k], p, s0, count, &tailE[k]) }
          } else {
            Model.gather(tx, xRow, p, s0, count, &fullX)
            Model.gather(ty, yRow, p, s0, count, &fullY)
            if let w = data.weights, fullW != nil { Model.gather(w, 1, p, s0, count, &fullW!) }
            for k in data.extra.indices { Model.gather(data.extra[k], extraRows[k], p, s0, count, &fullE[k]) }
          }
        }
        if let augment {
          if isTail { augment.apply(&tailX, rng: &rng) } else { augment.apply(&fullX, rng: &rng) }
        }
        let rngBefore = rng
        let sumBefore = lossSum
        let outcome = model.runStep(isTail ? tailX : fullX, extra: isTail ? tailE : fullE,
                                    isTail ? tailY : fullY,
                                    weights: isTail ? tailW : fullW, rows: count, plan: plan,
                                    optimizer: optimizer, evaluator: &evaluator, lossSum: &lossSum,
                                    rng: &rng, hooks: hooks)
        if case .ok = outcome {} else {
          var replay = rngBefore
          halt(outcome, epoch: epoch, batch: b + 1, of: steps, xs: [isTail ? tailX : fullX] + (isTail ? tailE : fullE),
               snapshot: snapshot, rng: &replay, ctx: ctx, into: &result)
          break epochLoop
        }
        seen += count
        ctx.batchLoss = (lossSum - sumBefore) / Double(count)
        ctx.batch = b + 1
        ctx.logs = means(seen)
        ctx.elapsed = Model.seconds(clock.now - start)
        for cb in callbacks { cb.batchEnded(ctx) }
        if ctx.stopNow && !(epoch == epochs && b == steps - 1) {
          stoppedAt = b + 1
          break
        }
      }
      var logs = means(seen)
      if let val = data.val, !(stoppedAt != nil && ctx.skipValidation) {
        let v = try model.evaluateData(val.x, extra: data.valExtra, val.y, batchSize: batchSize, plan: plan)
        logs += sortedNames.compactMap { name in
          plan.names.firstIndex(of: name).map { ("val_" + name, v[$0]) }
        }
      }
      // The rate as float32 holds it, written shortest (0.003, not 0.0030000000260770321).
      if scheduled { logs.append(("lr", Double("\(optimizer.learningRate)") ?? Double(optimizer.learningRate))) }
      result.append(logs)
      model.history.append(logs)
      ctx.logs = logs
      ctx.elapsed = Model.seconds(clock.now - start)
      ctx.generatorState = rng.state
      for cb in callbacks { cb.epochEnded(ctx) }
      if let b = stoppedAt {
        result.stopped = (epoch, b)
        model.history.stopped = (epoch, b)
        break
      }
      if ctx.stopTraining { break }
    }
    for cb in callbacks { cb.trainEnded(ctx) }
    if result.stopped == nil { model.history.stopped = nil }
    return result
  }

  /// The NaN guard: names where training became non-finite, makes sure the weights are the
  /// last finite ones, says so, and records it in the history.
  func halt(_ outcome: StepOutcome, epoch: Int, batch: Int, of steps: Int, xs: [Tensor],
            snapshot: [(String, Tensor)], rng: inout SeededRandom, ctx: TrainingContext,
            into result: inout History) {
    var what: String
    switch outcome {
    case .nonFiniteLoss(let v):
      let recorder = TapRecorder()
      var fctx = ForwardContext(training: true, rng: rng, taps: recorder)
      let kept = model.weightsSnapshot()  // the replay must not move batch-norm statistics
      withoutGrad { _ = model.forwardGraph(xs.map { Variable($0) }, logits: false, &fctx) }
      try? model.restoreWeights(kept)
      let firstBad = recorder.values.first { !$0.value.allFinite }
      what = "the loss became \(v)"
        + (firstBad.map { "; the first layer whose output is not finite is \($0.layer)" }
           ?? "; every layer's output is finite, so the loss itself overflowed")
    case .nonFiniteGradient(let path):
      what = "the gradient of \(path) became non-finite (the first layer to do so)"
    case .ok: return
    }
    let weightsFinite = model.namedParameters.allSatisfy { $0.parameter.variable.value.allFinite }
    if weightsFinite {
      what += ". Training stopped; the weights are the last finite ones (from before this batch)"
    } else {
      try? model.restoreWeights(snapshot)
      what += ". Training stopped; the weights had become non-finite and were restored from "
        + "the start of epoch \(epoch), the last finite ones"
    }
    let message = "NaN guard: epoch \(epoch), batch \(batch)/\(steps): " + what + "."
    ctx.note(message)
    result.halted = message
    model.history.halted = message
  }
}

extension Tensor {
  /// Whether every value is finite: no element has an all-ones exponent. An integer minimum
  /// over the bits, so the loop vectorises (a float sum would run one add at a time).
  var allFinite: Bool {
    data.withUnsafeBufferPointer { b in
      b.withMemoryRebound(to: UInt32.self) { u in
        var least = UInt32.max
        for x in u { least = Swift.min(least, ~(x | 0x807F_FFFF)) }  // 0 only for NaN and ±∞
        return least != 0
      }
    }
  }
}
