import Foundation
import Testing
import Autograd
@testable import NeuralNet

/// The BatchNormalization layer: the PyTorch fixture (bench/fixtures/make_batchnorm_fixture.py),
/// its moving statistics as non-trainable parameters, and their persistence.
@Suite("BatchNormalization layer")
struct BatchNormLayerTests {
  struct Fixture: Decodable {
    let N: Int, F: Int, momentum: Float, epsilon: Float
    let x: [Float], gamma: [Float], beta: [Float], dy: [Float], y: [Float], dx: [Float]
    let dgamma: [Float], dbeta: [Float], moving_mean: [Float], moving_variance: [Float]
    let x2: [Float], y2: [Float]
  }

  static func fixture() throws -> Fixture {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/batchnorm_layer.json")
    return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
  }

  func close(_ a: [Float], _ b: [Float], _ tol: Float = 1e-4) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tol * (1 + abs($1)) }
  }

  @Test func trainingStepAndInferenceMatchPyTorch() throws {
    let f = try Self.fixture()
    let m = Model(name: "bn", inputShape: [f.F])
    let layer = BatchNormalization(momentum: f.momentum, epsilon: f.epsilon)
    var rng = SeededRandom(seed: 0)
    try m.add(layer, rng: &rng)
    try m.setParameter(layer: layer.name, name: "gamma", value: Tensor(shape: [f.F], data: f.gamma))
    try m.setParameter(layer: layer.name, name: "beta", value: Tensor(shape: [f.F], data: f.beta))
    let x = Variable(Tensor(shape: [f.N, f.F], data: f.x), requiresGrad: true)
    var ctx = ForwardContext(training: true, rng: rng)
    let tape = Tape.current
    tape.reset()
    let y = layer.forward(x, &ctx)
    #expect(close(y.value.data, f.y))
    tape.backward(from: y, seed: Tensor(shape: [f.N, f.F], data: f.dy))
    #expect(close(x.grad?.data ?? [], f.dx))
    #expect(close(layer.gamma?.grad?.data ?? [], f.dgamma))
    #expect(close(layer.beta?.grad?.data ?? [], f.dbeta))
    #expect(close(layer.movingMean?.value.data ?? [], f.moving_mean))
    #expect(close(layer.movingVariance?.value.data ?? [], f.moving_variance))
    // Inference uses the moving statistics and leaves them alone.
    let before = layer.movingMean?.value
    let y2 = try m.predict(x: Tensor(shape: [4, f.F], data: f.x2))
    #expect(close(y2.data, f.y2))
    #expect(layer.movingMean?.value == before)
  }

  @Test func movingStatisticsAreNonTrainableParameters() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [5])
    try m.add(Dense(units: 4), rng: &rng)
    try m.add(BatchNormalization(), rng: &rng)
    let s = m.summary()
    #expect(s.rows[1].params == 16 && s.rows[1].trainableParams == 8)
    #expect(s.nonTrainableParams == 8)
    #expect(m.namedParameters.map(\.path).suffix(4)
            == ["batch_normalization.gamma", "batch_normalization.beta",
                "batch_normalization.moving_mean", "batch_normalization.moving_variance"])
    // The optimizer never updates them; training moves them through the layer itself.
    try m.compile(loss: .mse, optimizer: Adam(lr: 0.1))
    let x = rng.normalTensor([32, 5], mean: 3), y = Tensor.zeros([32, 4])
    _ = try m.fit(x: x, y: y, epochs: 2, batchSize: 8, rng: &rng)
    let mean = try #require(m.parameter(layer: "batch_normalization", name: "moving_mean"))
    #expect(mean.variable.value.data.contains { $0 != 0 })
    #expect(mean.variable.grad == nil)
    #expect(!(m.optimizer?.slotState.map(\.0).contains { $0.hasPrefix("batch_normalization.moving") } ?? true))
    // A snapshot (early stopping, checkpoints) includes them and restores them.
    let snap = m.weightsSnapshot()
    _ = try m.fit(x: x, y: y, epochs: 1, batchSize: 8, rng: &rng)
    #expect(mean.variable.value != snap.first { $0.0 == "batch_normalization.moving_mean" }?.1)
    try m.restoreWeights(snap)
    #expect(mean.variable.value == snap.first { $0.0 == "batch_normalization.moving_mean" }?.1)
  }

  @Test func badSettingsAreShapeErrors() {
    let m = Model(inputShape: [3])
    #expect(throws: ShapeError.self) { try m.add(BatchNormalization(momentum: 1)) }
    #expect(throws: ShapeError.self) { try m.add(BatchNormalization(epsilon: 0)) }
    #expect(m.nodes.isEmpty)
  }

  @Test("after a masking embedding, the batch statistics come from the real time steps only")
  func sequenceMaskKeepsPaddingOutOfTheStatistics() throws {
    var rng = SeededRandom(seed: 3)
    let m = Model(inputShape: [3])
    let embedding = Embedding(vocabulary: 4, dimension: 2, maskZero: true)
    let layer = BatchNormalization(momentum: 0)
    try m.add(embedding, rng: &rng)
    try m.add(layer, rng: &rng)
    let table = try #require(embedding.embeddings?.value)
    var ctx = ForwardContext(training: true, rng: rng)
    let ids: [[Float]] = [[3, 0, 1], [2, 0, 0]]
    _ = m.forwardChain(Variable(Tensor(shape: [2, 3], data: ids.flatMap { $0 })), logits: false, &ctx)
    // Real tokens 3, 1, 2: the per-feature mean of their embedding rows (row 0 never counts).
    for j in 0..<2 {
      let real = [3, 1, 2].map { table.data[$0 * 2 + j] }
      let mean = real.reduce(0, +) / 3
      #expect(abs((layer.movingMean?.value.data[j] ?? .nan) - mean) < 1e-5)
    }
  }
}
