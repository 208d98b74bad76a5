import Autograd
import NeuralNet
import Testing

/// `Model.inputGradient` / `inputGradientNorms`: the gradient of each sample's own loss with
/// respect to its input, checked against central differences of that loss (through
/// `evaluate` on the one sample), and the per-step norms built from it.
@Suite("input gradients per time step")
struct InputGradientTests {
  /// Deterministic values in about [-1, 1].
  static func values(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SeededRandom(seed: seed)
    return (0..<count).map { _ in rng.normal(std: 0.7) }
  }

  /// input 6x2 → simple_rnn 4 → dense 1 sigmoid, binary cross-entropy (the fused head).
  static func rnnClassifier() throws -> Model {
    var rng = SeededRandom(seed: 11)
    let m = Model(name: "rnn", inputShape: [6, 2])
    try m.add(Recurrent(.simple, units: 4), rng: &rng)
    try m.add(Dense(units: 1, activation: .sigmoid), rng: &rng)
    try m.compile(loss: .binaryCrossentropy, optimizer: Adam())
    return m
  }

  /// input 5x3 → lstm 3 return_sequences → dense 2 softmax per step, a label per step.
  static func lstmTagger() throws -> Model {
    var rng = SeededRandom(seed: 5)
    let m = Model(name: "tagger", inputShape: [5, 3])
    try m.add(Recurrent(.lstm, units: 3, returnSequences: true), rng: &rng)
    try m.add(Dense(units: 2, activation: .softmax), rng: &rng)
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: SGD())
    return m
  }

  /// Sample i's loss alone, in Float64 around `x` with entry `k` moved by `delta`.
  static func sampleLoss(_ m: Model, _ x: Tensor, _ y: Tensor, sample i: Int, entry k: Int,
                         delta: Float) throws -> Double {
    let row = x.count / x.shape[0], yRow = y.count / y.shape[0]
    var xi = Array(x.data[(i * row)..<((i + 1) * row)])
    xi[k] += delta
    let yi = Array(y.data[(i * yRow)..<((i + 1) * yRow)])
    let logs = try m.evaluate(x: Tensor(shape: [1] + Array(x.shape.dropFirst()), data: xi),
                              y: Tensor(shape: [1] + Array(y.shape.dropFirst()), data: yi), batchSize: 1)
    return logs[0].1
  }

  /// Every entry of `inputGradient` (computed in batches of `batch`) against central
  /// differences of its sample's loss.
  static func expectMatchesFiniteDifferences(_ m: Model, _ x: Tensor, _ y: Tensor, batch: Int) throws {
    let g = try m.inputGradient(x: x, y: y, batchSize: batch)
    #expect(g.shape == x.shape)
    let n = x.shape[0], row = x.count / n
    let h: Float = 1e-2
    var worst = 0.0, largest = 0.0
    for i in 0..<n {
      for k in 0..<row {
        let plus = try sampleLoss(m, x, y, sample: i, entry: k, delta: h)
        let minus = try sampleLoss(m, x, y, sample: i, entry: k, delta: -h)
        let numeric = (plus - minus) / (2 * Double(h))
        let analytic = Double(g.data[i * row + k])
        worst = max(worst, abs(numeric - analytic))
        largest = max(largest, abs(numeric))
      }
    }
    #expect(largest > 1e-3, "the check must see real gradients")
    #expect(worst <= 2e-3 + 2e-2 * largest, "worst |analytic − numeric| \(worst), largest \(largest)")
  }

  @Test("a SimpleRNN classifier's input gradient matches finite differences, in uneven batches")
  func simpleRNNMatchesFiniteDifferences() throws {
    let m = try Self.rnnClassifier()
    let x = Tensor(shape: [3, 6, 2], data: Self.values(36, seed: 1))
    let y = Tensor(shape: [3, 1], data: [1, 0, 1])
    try Self.expectMatchesFiniteDifferences(m, x, y, batch: 2)
  }

  @Test("an LSTM tagger's input gradient (a loss over every step) matches finite differences")
  func lstmTaggerMatchesFiniteDifferences() throws {
    let m = try Self.lstmTagger()
    let x = Tensor(shape: [2, 5, 3], data: Self.values(30, seed: 2))
    let y = Tensor(shape: [2, 5], data: [0, 1, 1, 0, 1, 1, 1, 0, 0, 1])
    try Self.expectMatchesFiniteDifferences(m, x, y, batch: 2)
  }

  @Test("the batch size does not change the gradient, and the weights and their gradients are left alone")
  func batchSizeAndWeightsUnchanged() throws {
    let m = try Self.rnnClassifier()
    let x = Tensor(shape: [5, 6, 2], data: Self.values(60, seed: 3))
    let y = Tensor(shape: [5, 1], data: [1, 0, 0, 1, 1])
    let before = m.weightsSnapshot().map { Array($0.1.data) }
    let one = try m.inputGradient(x: x, y: y, batchSize: 1)
    let all = try m.inputGradient(x: x, y: y, batchSize: 5)
    for (a, b) in zip(one.data, all.data) { #expect(abs(a - b) <= 1e-5 * max(1, abs(a))) }
    #expect(m.weightsSnapshot().map { Array($0.1.data) } == before)
    #expect(m.trainableParameters.allSatisfy { $0.variable.grad == nil })
  }

  @Test("the norms per step are the mean over samples of each step's Euclidean norm")
  func normsPerStep() throws {
    let m = try Self.rnnClassifier()
    let x = Tensor(shape: [4, 6, 2], data: Self.values(48, seed: 4))
    let y = Tensor(shape: [4, 1], data: [0, 1, 1, 0])
    let g = try m.inputGradient(x: x, y: y)
    let norms = try m.inputGradientNorms(x: x, y: y, batchSize: 3)
    #expect(norms.samples == 4 && norms.steps.count == 6)
    for t in 0..<6 {
      var mean = 0.0
      for i in 0..<4 {
        let a = Double(g.data[(i * 6 + t) * 2]), b = Double(g.data[(i * 6 + t) * 2 + 1])
        mean += (a * a + b * b).squareRoot() / 4
      }
      #expect(abs(norms.steps[t] - mean) <= 1e-6 * max(1, mean))
    }
    #expect(norms.lastOverFirst == norms.steps[5] / norms.steps[0])
    #expect(norms.allFinite)
    // samples= takes the first N samples.
    let two = try m.inputGradientNorms(x: x, y: y, samples: 2)
    let firstTwo = try m.inputGradientNorms(x: Tensor(shape: [2, 6, 2], data: Array(x.data.prefix(24))),
                                            y: Tensor(shape: [2, 1], data: [0, 1]))
    #expect(two == firstTwo && two.samples == 2)
  }

  @Test("a recurrent weight below one makes the gradient fall off toward the first step")
  func smallRecurrentWeightVanishes() throws {
    var rng = SeededRandom(seed: 0)
    let m = Model(inputShape: [30, 1])
    try m.add(Recurrent(.simple, units: 1, activation: .linear, name: "rnn"), rng: &rng)
    try m.compile(loss: .mse, optimizer: SGD())
    try m.setParameter(layer: "rnn", name: "kernel", value: Tensor(shape: [1, 1], data: [1]))
    try m.setParameter(layer: "rnn", name: "recurrent_kernel", value: Tensor(shape: [1, 1], data: [0.5]))
    let x = Tensor(shape: [1, 30, 1], data: Self.values(30, seed: 6))
    let norms = try m.inputGradientNorms(x: x, y: Tensor(shape: [1, 1], data: [3]))
    // h_T = Σ 0.5^(T−1−t) x_t, so ∂ℓ/∂x_t halves at every step back.
    for t in 1..<30 { #expect(abs(norms.steps[t - 1] / norms.steps[t] - 0.5) <= 1e-4) }
  }

  @Test("an uncompiled model, a model without a time axis and bad counts are errors")
  func errors() throws {
    var rng = SeededRandom(seed: 1)
    let plain = Model(inputShape: [6, 2])
    try plain.add(Recurrent(.simple, units: 2), rng: &rng)
    let x = Tensor(shape: [2, 6, 2], data: Self.values(24, seed: 7))
    let y = Tensor(shape: [2, 2], data: [0, 1, 1, 0])
    #expect(throws: ModelError.self) { try plain.inputGradient(x: x, y: y) }
    let flat = Model(inputShape: [4])
    try flat.add(Dense(units: 1), rng: &rng)
    try flat.compile(loss: .mse, optimizer: SGD())
    let e = #expect(throws: ModelError.self) {
      try flat.inputGradientNorms(x: Tensor(shape: [2, 4], data: Array(repeating: 1, count: 8)),
                                  y: Tensor(shape: [2, 1], data: [0, 1]))
    }
    #expect(e?.message.contains("needs a model whose input is a sequence") == true)
    let m = try Self.rnnClassifier()
    let ys = Tensor(shape: [2, 1], data: [0, 1])
    #expect(throws: ModelError.self) { try m.inputGradientNorms(x: x, y: ys, samples: 0) }
    #expect(throws: ModelError.self) { try m.inputGradient(x: x, y: ys, batchSize: 0) }
    #expect(throws: ShapeError.self) { try m.inputGradient(x: Tensor(shape: [2, 12], data: Self.values(24, seed: 8)), y: ys) }
  }
}
