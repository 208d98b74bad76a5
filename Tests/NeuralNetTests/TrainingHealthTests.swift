import Autograd
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import NeuralNet

/// `HealthMonitor` (fit … health=true), the batch loss of `TrainingContext`, and the
/// learning-rate range test.
@Suite struct TrainingHealthTests {
  /// A linear model y = x·w + b with w = (0.5, −1), b = 0.25, MSE, on 4 samples.
  func linear(lr: Float = 0) throws -> (Model, Tensor, Tensor) {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 1), rng: &rng)
    try m.setParameter(layer: "dense", name: "weights", value: Tensor(shape: [2, 1], data: [0.5, -1]))
    try m.setParameter(layer: "dense", name: "bias", value: Tensor(shape: [1], data: [0.25]))
    try m.compile(loss: .mse, optimizer: SGD(lr: lr))
    let x = Tensor(shape: [4, 2], data: [1, 2, 0, 1, -1, 3, 2, 0])
    let y = Tensor(shape: [4, 1], data: [1, 0, -2, 1])
    return (m, x, y)
  }

  @Test func theNormIsThatOfTheLossGradientComputedByHand() throws {
    let (m, x, y) = try linear()
    let monitor = HealthMonitor(data: x)
    var rng = SeededRandom(seed: 2)
    try m.fit(x: x, y: y, epochs: 1, batchSize: 4, shuffle: false, callbacks: [monitor], rng: &rng)
    // r = x·w + b − y; dL/dw = 2/N Σ xᵢ rᵢ, dL/db = 2/N Σ rᵢ.
    let xs: [[Double]] = [[1, 2], [0, 1], [-1, 3], [2, 0]]
    let ys: [Double] = [1, 0, -2, 1]
    var dw0 = 0.0, dw1 = 0.0, db = 0.0
    for i in 0..<4 {
      let r: Double = 0.5 * xs[i][0] - xs[i][1] + 0.25 - ys[i]
      dw0 += 0.5 * xs[i][0] * r
      dw1 += 0.5 * xs[i][1] * r
      db += 0.5 * r
    }
    let want: Double = (dw0 * dw0 + dw1 * dw1 + db * db).squareRoot()
    let h = try #require(monitor.epochs.first)
    #expect(h.epoch == 1)
    #expect(h.norms.map(\.layer) == ["dense"])
    #expect(abs(h.norms[0].norm - want) < 1e-5 * want, "\(h.norms[0].norm) vs \(want)")
    #expect(h.vanishing.isEmpty && h.exploding.isEmpty)
    #expect(h.dead.isEmpty, "no relu layer")
  }

  @Test func theNormIsTheMeanOverTheEpochsBatches() throws {
    let (m, x, y) = try linear()  // lr 0: every epoch's batches see the same weights
    let whole = HealthMonitor(data: x)
    var rng = SeededRandom(seed: 2)
    try m.fit(x: Model.rows(x, 0..<2), y: Model.rows(y, 0..<2), epochs: 1, batchSize: 2, shuffle: false,
              callbacks: [whole], rng: &rng)
    let other = HealthMonitor(data: x)
    try m.fit(x: Model.rows(x, 2..<4), y: Model.rows(y, 2..<4), epochs: 1, batchSize: 2, shuffle: false,
              callbacks: [other], rng: &rng)
    let both = HealthMonitor(data: x)
    try m.fit(x: x, y: y, epochs: 1, batchSize: 2, shuffle: false, callbacks: [both], rng: &rng)
    let a = whole.epochs[0].norms[0].norm, b = other.epochs[0].norms[0].norm
    #expect(abs(both.epochs[0].norms[0].norm - (a + b) / 2) < 1e-6)
    #expect(both.epochs[0].epoch == 3, "epochs count over the whole history")
  }

  @Test func thresholdsFlagVanishingAndExploding() throws {
    let (m, x, y) = try linear()
    var rng = SeededRandom(seed: 2)
    let low = HealthMonitor(data: x, thresholds: HealthThresholds(vanishing: 1e9, exploding: 1e10))
    let high = HealthMonitor(data: x, thresholds: HealthThresholds(vanishing: 0, exploding: 1e-3))
    var reported: [EpochHealth] = []
    let plain = HealthMonitor(data: x) { reported.append($0) }
    try m.fit(x: x, y: y, epochs: 2, batchSize: 4, callbacks: [low, high, plain], rng: &rng)
    #expect(low.epochs.map(\.vanishing) == [["dense"], ["dense"]])
    #expect(low.epochs.allSatisfy { $0.exploding.isEmpty })
    #expect(high.epochs.map(\.exploding) == [["dense"], ["dense"]])
    #expect(high.epochs.allSatisfy { $0.vanishing.isEmpty })
    #expect(reported == plain.epochs && reported.count == 2)
    #expect(HealthThresholds() == HealthThresholds(vanishing: 1e-6, exploding: 1e3))
  }

  @Test func deadReLUUnitsAreThoseThatNeverFire() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 3, activation: .relu), rng: &rng)
    try m.add(Dense(units: 1), rng: &rng)
    // Unit 0 is x₀ (fires on some samples), unit 1 is −1 (never), unit 2 is x₁ + 10 (always).
    try m.setParameter(layer: "dense", name: "weights", value: Tensor(shape: [2, 3], data: [1, 0, 0, 0, 0, 1]))
    try m.setParameter(layer: "dense", name: "bias", value: Tensor(shape: [3], data: [0, -1, 10]))
    try m.compile(loss: .mse, optimizer: SGD(lr: 0))
    let x = Tensor(shape: [3, 2], data: [1, 0, -1, 0, -2, 1])
    let monitor = HealthMonitor(data: x)
    var r2 = SeededRandom(seed: 3)
    try m.fit(x: x, y: Tensor.zeros([3, 1]), epochs: 1, batchSize: 3, callbacks: [monitor], rng: &r2)
    let h = try #require(monitor.epochs.first)
    #expect(h.dead == [EpochHealth.DeadUnits(layer: "dense", dead: 1, units: 3)])
    #expect(h.deadShare?.dead == 1 && h.deadShare?.units == 3)
    // The dead unit's weights get no gradient, but the layer's do: both layers are measured.
    #expect(h.norms.map(\.layer) == ["dense", "dense_1"])
  }

  @Test func theContextCarriesEachBatchsOwnLoss() throws {
    let (m, x, y) = try linear()
    final class Losses: Callback {
      var losses: [Double] = []
      func batchEnded(_ c: TrainingContext) { losses.append(c.batchLoss) }
    }
    let rec = Losses()
    var rng = SeededRandom(seed: 2)
    let h = try m.fit(x: x, y: y, epochs: 1, batchSize: 3, shuffle: false, callbacks: [rec], rng: &rng)
    // lr 0: each batch's loss is the MSE of its rows under the fixed weights.
    let r: [Double] = [-2.25, -0.75, -1.25, 0.25]
    let first: Double = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]) / 3
    let second: Double = r[3] * r[3]
    #expect(rec.losses.count == 2)
    #expect(abs(rec.losses[0] - first) < 1e-5 && abs(rec.losses[1] - second) < 1e-6)
    let mean: Double = (3 * first + second) / 4
    #expect(abs((h["loss"]?.first ?? 0) - mean) < 1e-5)
  }

  // MARK: the range test

  @Test func theRangeTestPutsBackWeightsOptimizerStateAndLeavesTheHistory() throws {
    let (x, y) = blobs(perClass: 20, seed: 4)
    func make() throws -> Model {
      var rng = SeededRandom(seed: 9)
      let m = Model(inputShape: [2])
      try m.add(Dense(units: 8, activation: .relu), rng: &rng)
      try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
      try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(lr: 0.01))
      return m
    }
    let m = try make(), twin = try make()
    var r1 = SeededRandom(seed: 5), r2 = SeededRandom(seed: 5)
    try m.fit(x: x, y: y, epochs: 2, batchSize: 8, rng: &r1)
    try twin.fit(x: x, y: y, epochs: 2, batchSize: 8, rng: &r2)
    let optimizer = try #require(m.optimizer)
    let weights = m.weightsSnapshot(), slots = optimizer.slotState
    let iterations = optimizer.iterations
    #expect(!slots.isEmpty && iterations == 16)  // 60 samples: 8 batches of 8 per epoch
    var probe = SeededRandom(seed: 6)
    let r = try m.learningRateRange(x: x, y: y, start: 1e-5, end: 10, steps: 40, batchSize: 8, rng: &probe)
    #expect(r.rates.count > 5)
    #expect(zip(m.weightsSnapshot(), weights).allSatisfy { $0.0 == $1.0 && $0.1.data == $1.1.data })
    #expect(zip(optimizer.slotState, slots).allSatisfy { $0.0 == $1.0 && $0.1.data == $1.1.data })
    #expect(optimizer.iterations == iterations && optimizer.learningRate == 0.01)
    #expect(m.history.epochs == 2)
    // Training afterwards is what it would have been without the test.
    let a = try m.fit(x: x, y: y, epochs: 2, batchSize: 8, rng: &r1)
    let b = try twin.fit(x: x, y: y, epochs: 2, batchSize: 8, rng: &r2)
    #expect(a["loss"]! == b["loss"]!)
  }

  @Test func theRatesRiseExponentiallyAndADivergenceStopsTheTest() throws {
    let (x, y) = blobs(perClass: 20, seed: 4)
    var rng = SeededRandom(seed: 9)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 8, activation: .relu), rng: &rng)
    try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: SGD())
    let r = try m.learningRateRange(x: x, y: y, start: 1e-4, end: 1e4, steps: 81, batchSize: 16, rng: &rng)
    #expect(abs(r.rates[0] - 1e-4) < 1e-12)
    #expect(abs(r.rates[1] / r.rates[0] - 1.2589254117941673) < 1e-9, "10^(8/80) apart")
    #expect(r.rates.count < 81, "a rate of 1e4 diverges before the end")
    let why = try #require(r.stopReason)
    #expect(why.contains("4 ×") || why.contains("non-finite"))
    let s = try #require(r.suggestion)
    let low = try #require(r.minimum)
    #expect(s <= r.rates[low])
    #expect(r.smoothed.count == r.rates.count && r.losses.count == r.rates.count)
  }

  @Test func theSteepestPointIsTheFastestFallBeforeTheMinimum() {
    let rates = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    let t = LRRangeTest(rates: rates, losses: [2, 1.9, 1.0, 0.8, 0.5, 3], smoothed: [],
                        stopReason: nil, plannedSteps: 6)
    #expect(t.curve == t.losses, "fewer than 25 steps: no centred mean")
    #expect(t.minimum == 4)
    #expect(t.steepest == 2, "(1.0 − 1.9) and (0.8 − 1.9) around 2 fall most: −0.55 per decade")
    #expect(t.suggestion == rates[2])
    #expect(t.minimumOverTen == rates[4] / 10)
    let rising = LRRangeTest(rates: rates, losses: [1, 2, 3, 4, 5, 6], smoothed: [], stopReason: nil, plannedSteps: 6)
    #expect(rising.steepest == nil && rising.suggestion == nil)
  }

  /// A 100-step curve falling fastest at lr = 1e-2 (a logistic in log10 lr), with what makes
  /// simpler rules go wrong: a warm-up plunge over the first steps, a one-batch spike on the
  /// plateau before the fall, and the lag of the exponential average.
  @Test func theSuggestionIgnoresTheWarmUpAndOneNoisyBatch() throws {
    let n = 100
    let rates = (0..<n).map { 1e-6 * pow(1e6, Double($0) / Double(n - 1)) }
    var losses = rates.map { lr -> Double in
      let t = (log10(lr) + 2) * 3
      return 2 - 1.5 / (1 + exp(-t)) + (lr > 0.2 ? 40 * (lr - 0.2) : 0)
    }
    for i in 0..<5 { losses[i] += 2.0 - 0.4 * Double(i) }  // warm-up: 4.0 → 2.4, steep
    losses[40] += 1.5  // one noisy batch at lr ≈ 2.6e-4, where the true curve is flat
    // The lagging average that the stop rule watches, as the sweep computes it.
    var average = 0.0
    let smoothed = losses.indices.map { i -> Double in
      average = 0.98 * average + 0.02 * losses[i]
      return average / (1 - pow(0.98, Double(i + 1)))
    }
    let t = LRRangeTest(rates: rates, losses: losses, smoothed: smoothed, stopReason: nil, plannedSteps: n)
    #expect(t.warmUp == 10 && t.slopeWindow == 4 && t.curveWindow == 4)
    // Past the spike, the lagging average falls fastest at 4× the rate the losses do.
    let drop = { (i: Int) -> Double in smoothed[i + 1] - smoothed[i - 1] }
    let emaSteepest = (50..<(n - 1)).min { drop($0) < drop($1) }
    #expect(rates[try #require(emaSteepest)] > 0.03, "the average lags")
    let s = try #require(t.suggestion)
    #expect(s > pow(10, -2.5) && s < pow(10, -1.5), "suggested \(s), the fastest fall is at 1e-2")
    let low = try #require(t.minimum)
    #expect(rates[low] > 0.1 && rates[low] < 0.3)
    #expect(t.minimumOverTen == rates[low] / 10)
  }

  @Test func badRangesAreErrors() throws {
    let (m, x, y) = try linear()
    var rng = SeededRandom(seed: 1)
    #expect(throws: ModelError.self) { try m.learningRateRange(x: x, y: y, start: 1, end: 0.1, rng: &rng) }
    #expect(throws: ModelError.self) { try m.learningRateRange(x: x, y: y, start: 0, end: 1, rng: &rng) }
    #expect(throws: ModelError.self) { try m.learningRateRange(x: x, y: y, steps: 1, rng: &rng) }
  }
}
