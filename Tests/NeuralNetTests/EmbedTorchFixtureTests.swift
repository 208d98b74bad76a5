import Foundation
import Testing
import Autograd
@testable import NeuralNet

/// Embedding → per-step dense → masked reductions and a masked sequence loss beside PyTorch
/// (`Fixtures/embed_layers.json`, made by `bench/fixtures/make_embed_fixture.py`): the same
/// weights give the same outputs and gradients, and padded steps count neither in the loss nor
/// in the accuracy.
@Suite("Embedding and masks vs PyTorch")
struct EmbedTorchFixtureTests {
  typealias T = CNNTorchFixtureTests.T

  struct Pooled: Decodable, CustomTestStringConvertible {
    let name: String
    let reduce: String
    let ids: T, dy: T, y: T
    let params: [String: T], grads: [String: T]
    var testDescription: String { name }
  }

  struct SequenceLoss: Decodable {
    let ids: T, labels: T, probabilities: T
    let loss: Double, accuracy: Double
    let params: [String: T], grads: [String: T]
  }

  struct File: Decodable {
    let vocabulary: Int, dim: Int, units: Int
    let pooled: [Pooled]
    let sequence_loss: SequenceLoss
  }

  static let file: File? = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/embed_layers.json")
    return try? JSONDecoder().decode(File.self, from: Data(contentsOf: url))
  }()

  static var pooledCases: [Pooled] { file?.pooled ?? [] }

  /// input T, embedding V D mask_zero (named `embedding`), dense U (`dense`), then `last`.
  static func model(_ f: File, steps: Int, activation: Activation, _ last: Layer?) throws -> Model {
    let m = Model(inputShape: [steps])
    var rng = SeededRandom(seed: 0)
    try m.add(Embedding(vocabulary: f.vocabulary, dimension: f.dim, maskZero: true, name: "embedding"), rng: &rng)
    try m.add(Dense(units: f.units, activation: activation, name: "dense"), rng: &rng)
    if let last { try m.add(last, rng: &rng) }
    return m
  }

  static func set(_ m: Model, _ params: [String: T]) throws {
    for (path, t) in params {
      let parts = path.split(separator: ".").map(String.init)
      try m.setParameter(layer: parts[0], name: parts[1], value: t.tensor)
    }
  }

  @Test("the fixture is there: mean and last, with padding after, before, inside and only")
  func coverage() throws {
    let f = try #require(Self.file)
    #expect(Set(f.pooled.map(\.reduce)) == ["mean", "last"])
    #expect(f.pooled.contains { $0.ids.data.contains(0) } && f.pooled.contains { !$0.ids.data.contains(0) })
  }

  @Test("embedding → dense tanh per step → masked mean / last: outputs and gradients", arguments: pooledCases)
  func pooled(_ c: Pooled) throws {
    let f = try #require(Self.file)
    let reduce: Layer = c.reduce == "mean" ? GlobalAveragePooling1D() : LastStep()
    let m = try Self.model(f, steps: c.ids.shape[1], activation: .tanh, reduce)
    try Self.set(m, c.params)
    Tape.current.reset()
    var rng = SeededRandom(seed: 0)
    let (y, mask) = m.forwardBatch(Variable(c.ids.tensor), training: false, logits: false, rng: &rng)
    #expect(mask == nil, "the reduction consumed the mask")
    #expect(CNNTorchFixtureTests.close(y.value, c.y), "output")
    Tape.current.backward(from: y, seed: c.dy.tensor)
    for (path, g) in c.grads {
      let p = try #require(m.namedParameters.first { $0.path == path }, "\(path)")
      #expect(CNNTorchFixtureTests.close(p.parameter.variable.grad, g), "d\(path)")
    }
  }

  @Test("masked sparse categorical cross-entropy per step: probabilities, loss, accuracy, gradients")
  func sequenceLoss() throws {
    let f = try #require(Self.file)
    let s = f.sequence_loss
    let m = try Self.model(f, steps: s.ids.shape[1], activation: .softmax, nil)
    try Self.set(m, s.params)
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: SGD(), metrics: [.accuracy])
    #expect(CNNTorchFixtureTests.close(try m.predict(x: s.ids.tensor), s.probabilities))
    for batch in [4, 3, 1] {
      let logs = try m.evaluate(x: s.ids.tensor, y: s.labels.tensor, batchSize: batch)
      if batch == 4 { #expect(abs(logs[0].1 - s.loss) < 1e-5, "loss \(logs[0].1) vs \(s.loss)") }
      #expect(abs(logs[1].1 - s.accuracy) < 1e-9, "accuracy over the real steps, batch \(batch)")
    }
    let plan = try m.makePlan()
    Tape.current.reset()
    var rng = SeededRandom(seed: 0)
    let (out, mask) = m.forwardBatch(Variable(s.ids.tensor), training: true, logits: plan.fused, rng: &rng)
    #expect(plan.fused && mask != nil)
    let loss = m.batchLoss(out, s.labels.tensor, plan, weights: nil, mask: mask)
    #expect(abs(Double(loss.value.scalar) - s.loss) < 1e-5)
    Tape.current.backward(from: loss)
    for (path, g) in s.grads {
      let p = try #require(m.namedParameters.first { $0.path == path }, "\(path)")
      #expect(CNNTorchFixtureTests.close(p.parameter.variable.grad, g), "d\(path)")
    }
  }
}
