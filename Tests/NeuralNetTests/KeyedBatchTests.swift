#if canImport(Glibc)
import Glibc
#endif
import Testing
import Autograd
@testable import NeuralNet

/// Adds its two inputs (a test-only merge layer).
final class AddInputs: Layer {
  var name = ""
  var typeName: String { "Add" }
  func outputShapes(_ inputs: [[Int]]) throws -> [[Int]] {
    guard inputs.count == 2, inputs[0] == inputs[1] else { throw ShapeError("add needs two equal shapes") }
    return [inputs[0]]
  }
  func forward(_ inputs: [Variable], _ context: inout ForwardContext) -> [Variable] {
    [inputs[0] + inputs[1]]
  }
  var config: [String: String] { [:] }
}

@Suite("Graph models: batches keyed by input name")
struct KeyedBatchTests {
  /// a (2) → dense 3 ┐
  ///                 add → dense 1 sigmoid
  /// b (4) → dense 3 ┘
  func twoInputModel(seed: UInt64) throws -> (Model, SeededRandom) {
    var rng = SeededRandom(seed: seed)
    let m = Model(name: "two")
    let a = try m.addInput(name: "a", shape: [2])
    let b = try m.addInput(name: "b", shape: [4])
    let da = try m.addNode(Dense(units: 3, activation: .tanh, name: "da"), inputs: [a])
    let db = try m.addNode(Dense(units: 3, activation: .tanh, name: "db"), inputs: [b])
    let sum = try m.addNode(AddInputs(), inputs: [da[0], db[0]])
    let out = try m.addNode(Dense(units: 1, activation: .sigmoid, name: "out"), inputs: [sum[0]])
    m.setOutputs(out)
    try m.build(rng: &rng)
    try m.compile(loss: .binaryCrossentropy, optimizer: Adam(lr: 0.05), metrics: [.accuracy])
    return (m, rng)
  }

  func data() -> (Tensor, Tensor, Tensor) {
    var rng = SeededRandom(seed: 5)
    let n = 64
    let a = rng.normalTensor([n, 2]), b = rng.normalTensor([n, 4])
    var y = Tensor.zeros([n, 1])
    for i in 0..<n { y.data[i] = a.data[2 * i] + b.data[4 * i + 3] > 0 ? 1 : 0 }
    return (a, b, y)
  }

  @Test func predictMatchesTheGraphByHand() throws {
    let (m, _) = try twoInputModel(seed: 1)
    #expect(!m.isChain)
    let (a, b, _) = data()
    let p = try m.predict(inputs: ["a": a, "b": b], batchSize: 7)
    // By hand, from the weights.
    func dense(_ x: Tensor, _ layer: String, _ f: (Float) -> Float) -> Tensor {
      let w = m.parameter(layer: layer, name: "weights")!.variable.value
      let bias = m.parameter(layer: layer, name: "bias")!.variable.value
      let rows = x.shape[0], k = w.shape[0], u = w.shape[1]
      var out = Tensor.zeros([rows, u])
      for r in 0..<rows { for j in 0..<u {
        var s = bias.data[j]
        for i in 0..<k { s += x.data[r * k + i] * w.data[i * u + j] }
        out.data[r * u + j] = f(s)
      } }
      return out
    }
    let ha = dense(a, "da") { tanhf($0) }, hb = dense(b, "db") { tanhf($0) }
    let h = Tensor(shape: ha.shape, data: zip(ha.data, hb.data).map { $0 + $1 })
    let expected = dense(h, "out") { 1 / (1 + expf(-$0)) }
    #expect(p.shape == [64, 1])
    for i in 0..<64 { #expect(abs(p.data[i] - expected.data[i]) < 1e-5) }
  }

  @Test func fitAndEvaluateWithKeyedInputs() throws {
    let (m, rng0) = try twoInputModel(seed: 2)
    var rng = rng0
    let (a, b, y) = data()
    let before = try m.evaluate(inputs: ["a": a, "b": b], y: y)
    let h = try m.fit(inputs: ["a": a, "b": b], y: y, epochs: 40, batchSize: 16,
                      validationFraction: 0.25, rng: &rng)
    #expect(h.epochs == 40 && h["val_loss"]?.count == 40)
    let after = try m.evaluate(inputs: ["a": a, "b": b], y: y)
    #expect(after[0].1 < before[0].1 * 0.7, "training on both inputs lowers the loss")
    #expect(after[1].1 > 0.8)
    let step = try m.trainOnBatch(inputs: ["a": a, "b": b], y: y, rng: &rng)
    #expect(step.map(\.0) == ["loss", "accuracy"])
  }

  @Test func wrongKeysAndShapesAreErrors() throws {
    let (m, rng0) = try twoInputModel(seed: 3)
    var rng = rng0
    let (a, b, y) = data()
    #expect(throws: ModelError.self) { _ = try m.predict(inputs: ["a": a]) }
    #expect(throws: ModelError.self) { _ = try m.predict(inputs: ["a": a, "b": b, "c": a]) }
    #expect(throws: ShapeError.self) { _ = try m.predict(inputs: ["a": b, "b": b]) }
    #expect(throws: ShapeError.self) {
      _ = try m.fit(inputs: ["a": Model.rows(a, 0..<10), "b": b], y: y, rng: &rng)
    }
  }

  @Test func singleInputModelsTakeTheirInputByName() throws {
    let (m, rng0) = try xorModel(seed: 4)
    var rng = rng0
    try m.compile(loss: .binaryCrossentropy, optimizer: Adam(lr: 0.05))
    #expect(m.inputs.map(\.name) == ["input_layer"])
    let p1 = try m.predict(x: xorX)
    let p2 = try m.predict(inputs: ["input_layer": xorX])
    #expect(p1 == p2)
    _ = try m.trainOnBatch(inputs: ["input_layer": xorX], y: xorY, rng: &rng)
  }
}
