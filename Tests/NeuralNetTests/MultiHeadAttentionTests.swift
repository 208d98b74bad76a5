import Foundation
import Testing
import Autograd
@testable import NeuralNet

/// Multi-head self-attention: gradients against central differences, outputs and gradients
/// against PyTorch's nn.MultiheadAttention (`Fixtures/mha_layers.json`, made by
/// `bench/fixtures/make_mha_fixture.py`), shapes, parameters and the mask.
@Suite("Multi-head self-attention")
struct MultiHeadAttentionTests {
  typealias T = CNNTorchFixtureTests.T

  static let mask = Tensor(shape: [2, 4], data: [1, 1, 1, 0, 0, 1, 1, 1])

  static let gradCases: [LayerGradCase] = [
    LayerGradCase(label: "1 head on (4, 4)", make: { MultiHeadAttention(heads: 1) },
                  x: uniformValues([2, 4, 4], seed: 61)),
    LayerGradCase(label: "2 heads on (3, 6)", make: { MultiHeadAttention(heads: 2) },
                  x: uniformValues([2, 3, 6], seed: 62)),
    LayerGradCase(label: "3 heads, key_dim 2 on (4, 4), padded keys",
                  make: { MultiHeadAttention(heads: 3, keyDim: 2) },
                  x: uniformValues([2, 4, 4], seed: 63), mask: mask),
  ]

  @Test("gradients of the input and every weight match central differences", arguments: gradCases)
  func gradientCheck(_ c: LayerGradCase) throws {
    let problems = try LayerGradCheck.mismatches(c)
    #expect(problems.isEmpty, "\(c.label): \(problems.joined(separator: "; "))")
  }

  struct Case: Decodable, CustomTestStringConvertible {
    let name: String
    let heads: Int
    let x: T, output: T, upstream: T, grad_x: T
    let mask: T?
    let params: [String: T], grads: [String: T]
    var testDescription: String { name }
  }

  struct File: Decodable { let cases: [Case] }

  static let file: File? = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/mha_layers.json")
    return try? JSONDecoder().decode(File.self, from: Data(contentsOf: url))
  }()

  static var torchCases: [Case] { file?.cases ?? [] }

  @Test("the fixture is there, with and without padded keys")
  func coverage() throws {
    let f = try #require(Self.file)
    #expect(f.cases.count == 3 && f.cases.contains { $0.mask != nil } && Set(f.cases.map(\.heads)).count == 3)
  }

  @Test("outputs and gradients equal PyTorch's nn.MultiheadAttention", arguments: torchCases)
  func matchesTorch(_ c: Case) throws {
    let model = Model(inputShape: Array(c.x.shape.dropFirst()))
    let layer = MultiHeadAttention(heads: c.heads, name: "mha")
    var rng = SeededRandom(seed: 1)
    try model.add(layer, rng: &rng)
    for (name, t) in c.params { try model.setParameter(layer: "mha", name: name, value: t.tensor) }
    Tape.current.reset()
    let x = Variable(c.x.tensor, requiresGrad: true)
    var ctx = ForwardContext(training: false, rng: SeededRandom(seed: 0), mask: c.mask?.tensor)
    let y = layer.forward(x, &ctx)
    #expect(CNNTorchFixtureTests.close(y.value, c.output), "output")
    #expect(ctx.mask == c.mask?.tensor, "the mask passes through")
    Tape.current.backward(from: y, seed: c.upstream.tensor)
    #expect(CNNTorchFixtureTests.close(x.grad, c.grad_x), "dx")
    for p in layer.parameters {
      let g = try #require(c.grads[p.name], "\(p.name)")
      #expect(CNNTorchFixtureTests.close(p.variable.grad, g), "d\(p.name)")
    }
  }

  @Test("shapes and parameters: Keras' names and shapes, 4·(D·H·K) + 3·H·K + D weights")
  func shapes() throws {
    let layer = MultiHeadAttention(heads: 4, name: "mha")
    let specs = try layer.parameterSpecs([[10, 16]])
    #expect(specs.map(\.name) == MultiHeadAttention.parameterNames)
    #expect(specs.map(\.shape) == [[16, 4, 4], [4, 4], [16, 4, 4], [4, 4], [16, 4, 4], [4, 4], [4, 4, 16], [16]])
    #expect(specs.reduce(0) { $0 + $1.count } == 1088, "Keras MultiHeadAttention(4, 4) on 16 features")
    #expect(try layer.outputShapes([[10, 16]]) == [[10, 16]])
    #expect(try MultiHeadAttention(heads: 2, keyDim: 3).parameterSpecs([[5, 4]]).reduce(0) { $0 + $1.count } == 4 * 4 * 2 * 3 + 3 * 6 + 4)
    #expect(throws: ShapeError.self) { try MultiHeadAttention(heads: 4).outputShapes([[5, 6]]) }
    #expect(throws: ShapeError.self) { try MultiHeadAttention(heads: 1).outputShapes([[16]]) }
  }

  @Test("padded keys get no weight, and each row of weights sums to 1")
  func maskedWeights() throws {
    let model = Model(inputShape: [4, 4])
    let layer = MultiHeadAttention(heads: 2, name: "mha")
    var rng = SeededRandom(seed: 3)
    try model.add(layer, rng: &rng)
    let taps = TapRecorder()
    var ctx = ForwardContext(training: false, rng: SeededRandom(seed: 0), mask: Self.mask, taps: taps)
    Tape.current.reset()
    _ = layer.forward(Variable(uniformValues([2, 4, 4], seed: 5)), &ctx)
    let w = try #require(taps.value(layer: "mha", name: "weights"))
    #expect(w.shape == [2, 2, 4, 4])
    for s in 0..<2 { for h in 0..<2 { for q in 0..<4 {
      let row = (0..<4).map { w.data[((s * 2 + h) * 4 + q) * 4 + $0] }
      #expect(abs(row.reduce(0, +) - 1) < 1e-5)
      for k in 0..<4 where Self.mask.data[s * 4 + k] == 0 { #expect(row[k] < 1e-6, "sample \(s) key \(k)") }
    } } }
  }
}
