import Autograd

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the learning-rate range test found (Leslie Smith 2015, as fastai's `lr_find`).
public struct LRRangeTest: Sendable {
  /// The rate of each step: `start · (end/start)^(i/(steps−1))`.
  public var rates: [Double]
  /// The loss of each step's batch.
  public var losses: [Double]
  /// The losses smoothed by an exponential moving average (β = 0.98, bias-corrected): what the
  /// divergence rule watches while the test runs. It lags the losses by up to ~50 steps (half
  /// of a default run, several decades of rate), so the suggestion is read off `curve`.
  public var smoothed: [Double]
  /// Why the test ended before `steps`: nil when it ran them all.
  public var stopReason: String?
  /// The steps planned.
  public var plannedSteps: Int

  /// The half-width of the centred mean in `curve`: a 25th of the steps (0 below 25 steps).
  public var curveWindow: Int { losses.count / 25 }

  /// The losses smoothed without lag: each the mean of the batches `curveWindow` either side
  /// of it (fewer at the ends). The minimum and the suggestion are read off this curve.
  public var curve: [Double] {
    let k = curveWindow
    guard k > 0 else { return losses }
    var prefix = [0.0]
    for l in losses { prefix.append(prefix[prefix.count - 1] + l) }
    return losses.indices.map { i in
      let a = Swift.max(0, i - k), b = Swift.min(losses.count - 1, i + k)
      return (prefix[b + 1] - prefix[a]) / Double(b - a + 1)
    }
  }

  /// The step of the lowest loss on `curve`.
  public var minimum: Int? {
    let c = curve
    return c.indices.min { c[$0] < c[$1] }
  }

  /// The steps skipped at the start when looking for the steepest point: the first tenth (at
  /// most 10, fastai's `skip_start`), where the bias-corrected average rests on a few batches.
  public var warmUp: Int { losses.count >= 20 ? Swift.min(10, losses.count / 10) : 0 }

  /// The half-width of the window over which slopes are measured: a 25th of the steps (at
  /// least 1), so one noisy batch does not make a steep point.
  public var slopeWindow: Int { Swift.max(1, losses.count / 25) }

  /// The step where `curve` falls fastest against log(lr), after the warm-up and
  /// before its minimum (fastai's "steepest" suggestion): the most negative slope between
  /// the steps `slopeWindow` either side. Nil when the loss never falls.
  public var steepest: Int? {
    guard let low = minimum, low >= 1 else { return nil }
    let k = slopeWindow, c = curve
    var best: (index: Int, slope: Double)?
    let first = Swift.min(warmUp, low - 1)
    for i in first...low {
      let a = Swift.max(first, i - k), b = Swift.min(low, i + k)
      guard b > a else { continue }
      let run = log10(rates[b]) - log10(rates[a])
      let slope = (c[b] - c[a]) / run
      guard slope.isFinite, slope < 0 else { continue }
      if let b = best, slope >= b.slope { continue }
      best = (i, slope)
    }
    return best?.index
  }

  /// The suggested rate: the steepest point's rate, or (when the loss never falls) nil.
  public var suggestion: Double? { steepest.map { rates[$0] } }

  /// The other common rule: a tenth of the rate at the minimum.
  public var minimumOverTen: Double? { minimum.map { rates[$0] / 10 } }
}

extension Model {
  /// The learning-rate range test: `steps` mini-batches of `batchSize` (reshuffled from `rng`
  /// each pass over the data), the rate rising exponentially from `start` to `end`; stops
  /// early when the smoothed loss exceeds 4 × its lowest value (divergence, fastai's rule) or
  /// becomes non-finite. Clipping applies; a schedule does not (the test sets the rate).
  ///
  /// The weights, batch-norm statistics, optimizer state (moments, iteration count, rate) and
  /// the history are as they were afterwards, whatever happens; `rng` is advanced.
  public func learningRateRange(x: Tensor, y: Tensor, start: Double = 1e-7, end: Double = 10,
                                steps: Int = 100, batchSize: Int = 32,
                                rng: inout SeededRandom) throws -> LRRangeTest {
    guard start > 0, end > start, start.isFinite, end.isFinite else {
      throw ModelError("the range test needs 0 < start < end, not start \(start) and end \(end)")
    }
    guard steps >= 2 else { throw ModelError("the range test needs at least 2 steps, not \(steps)") }
    let (plan, optimizer) = try fitSetup(epochs: 1, batchSize: batchSize)
    let data = try FitData(model: self, x: x, y: y, validation: .none, plan: plan)
    let weights = weightsSnapshot()
    let slots = optimizer.slotState
    let (iterations, rate) = (optimizer.iterations, optimizer.learningRate)
    defer {
      try? restoreWeights(weights)
      try? optimizer.restoreSlots(slots)
      optimizer.iterations = iterations
      optimizer.learningRate = rate
      for p in plan.parameters { p.variable.grad = nil }
      Tape.current.reset()
    }
    let sweep = RangeSweep(model: self, plan: plan, optimizer: optimizer, data: data, batchSize: batchSize)
    return sweep.run(start: start, end: end, steps: steps, rng: &rng)
  }
}

/// The loop of the range test.
struct RangeSweep {
  let model: Model
  let plan: Plan
  let optimizer: Optimizer
  let data: FitData
  let batchSize: Int

  func run(start: Double, end: Double, steps: Int, rng: inout SeededRandom) -> LRRangeTest {
    let mode = FloatMode.flushingSubnormals()  // subnormals as zero while it runs (FloatMode)
    defer { mode.restore() }
    var result = LRRangeTest(rates: [], losses: [], smoothed: [], stopReason: nil, plannedSteps: steps)
    let (tx, ty) = (data.x, data.y)
    let n = tx.shape[0]
    let count = Swift.min(batchSize, n)
    let xRow = tx.count / n, yRow = ty.count / n
    var bx = Tensor.zeros([count] + Array(tx.shape.dropFirst()))
    var by = Tensor.zeros([count] + Array(ty.shape.dropFirst()))
    var evaluator = MetricEvaluator(kinds: [], logits: nil, width: plan.width)
    let clipping = optimizer.clipping
    let trainable = plan.trainable
    let hooks: (() -> Void)? = clipping.isActive ? { clipping.apply(trainable) } : nil
    var perm: [Int] = []
    var next = n
    var average = 0.0, best = Double.infinity
    let ratio = end / start
    for i in 0..<steps {
      if next + count > n { perm = rng.permutation(n); next = 0 }
      perm.withUnsafeBufferPointer { p in
        Model.gather(tx, xRow, p, next, count, &bx)
        Model.gather(ty, yRow, p, next, count, &by)
      }
      next += count
      let lr = start * pow(ratio, Double(i) / Double(steps - 1))
      optimizer.learningRate = Float(lr)
      var lossSum = 0.0
      evaluator.reset()
      let outcome = model.runStep(bx, by, weights: nil, rows: count, plan: plan, optimizer: optimizer,
                                  evaluator: &evaluator, lossSum: &lossSum, rng: &rng, hooks: hooks)
      guard case .ok = outcome else {
        result.stopReason = "the loss or a gradient became non-finite at lr \(lr)"
        break
      }
      let loss = lossSum / Double(count)
      average = 0.98 * average + 0.02 * loss
      let smooth = average / (1 - pow(0.98, Double(i + 1)))
      result.rates.append(lr)
      result.losses.append(loss)
      result.smoothed.append(smooth)
      best = Swift.min(best, smooth)
      if smooth > 4 * best {
        result.stopReason = "the smoothed loss passed 4 × its lowest value at lr \(lr)"
        break
      }
    }
    return result
  }
}
