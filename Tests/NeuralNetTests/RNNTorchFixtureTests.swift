import Foundation
import Testing
import Autograd
@testable import NeuralNet

/// The recurrent layers beside PyTorch (`Fixtures/rnn_layers.json`, made by
/// `bench/fixtures/make_rnn_fixture.py`): with the same weights (Keras layout copied into
/// nn.RNN / nn.LSTM / nn.GRU), each layer gives the same output, final states and gradients of
/// sum(y · dy), with and without trailing padding masked, in one and both directions.
@Suite("Recurrent layers vs PyTorch")
struct RNNTorchFixtureTests {
  struct T: Decodable {
    let shape: [Int]
    let data: [Float]
    var tensor: Tensor { Tensor(shape: shape, data: data) }
  }

  struct Case: Decodable, CustomTestStringConvertible {
    let name: String, cell: String, units: Int, activation: String
    let return_sequences: Bool
    let merge: String?
    let x: T, mask: T?, dy: T, y: T, h: T, c: T?, dx: T
    let params: [String: [String: T]], dparams: [String: [String: T]]
    var testDescription: String { name }
  }

  struct File: Decodable { let cases: [Case] }

  static let cases: [Case] = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/rnn_layers.json")
    return (try? JSONDecoder().decode(File.self, from: Data(contentsOf: url)))?.cases ?? []
  }()

  @Test("the fixture is there")
  func present() { #expect(Self.cases.count == 9) }

  static func close(_ a: Tensor?, _ b: T, _ what: String, tol: Float = 2e-5) -> String? {
    guard let a else { return "\(what): missing" }
    guard a.shape == b.shape else { return "\(what): shape \(a.shape) ≠ \(b.shape)" }
    for (i, (u, v)) in zip(a.data, b.data).enumerated() where abs(u - v) > tol * (1 + abs(v)) {
      return "\(what)[\(i)]: \(u) vs torch \(v)"
    }
    return nil
  }

  @Test("same outputs, states and gradients as PyTorch", arguments: cases)
  func matches(_ c: Case) throws {
    let cell: RecurrentCell = c.cell == "lstm" ? .lstm : c.cell == "gru" ? .gru : .simple
    let act = try #require(RecurrentActivation(rawValue: c.activation))
    let inner = Recurrent(cell, units: c.units, activation: act, returnSequences: c.return_sequences,
                          returnState: c.merge == nil)
    let layer: Layer = c.merge.map { Bidirectional(inner, merge: MergeMode(rawValue: $0) ?? .concat) } ?? inner
    let model = Model(inputShape: Array(c.x.shape.dropFirst()))
    var rng = SeededRandom(seed: 1)
    try model.add(layer, rng: &rng)
    let directions: [(String, [Parameter])] = (layer as? Bidirectional).map { b in
      [("forward", b.forwardLayer.parameters), ("backward", b.backwardLayer.parameters)]
    } ?? [("forward", inner.parameters)]
    for (d, ps) in directions {
      for p in ps { p.variable.value = try #require(c.params[d]?[p.name]).tensor }
    }
    Tape.current.reset()
    let x = Variable(c.x.tensor, requiresGrad: true)
    var ctx = ForwardContext(training: false, rng: SeededRandom(seed: 0), mask: c.mask?.tensor)
    let outs = layer.forward([x], &ctx)
    Tape.current.backward(from: outs[0], seed: c.dy.tensor)
    var problems = [Self.close(outs[0].value, c.y, "y"), Self.close(x.grad, c.dx, "dx")]
    if c.merge == nil {
      problems.append(Self.close(outs[1].value, c.h, "h"))
      if let ct = c.c { problems.append(Self.close(outs[2].value, ct, "c")) }
    }
    for (d, ps) in directions {
      for p in ps {
        let ref = try #require(c.dparams[d]?[p.name])
        problems.append(Self.close(p.variable.grad, ref, "\(d) d\(p.name)"))
      }
    }
    let found = problems.compactMap { $0 }
    #expect(found.isEmpty, "\(c.name): \(found.joined(separator: "; "))")
  }
}
