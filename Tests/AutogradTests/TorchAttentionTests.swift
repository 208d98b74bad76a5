import Foundation
import Testing
@testable import Autograd

// Attention (Ops/Attention.swift) against PyTorch: `Fixtures/torch_attention.json`, made by
// `bench/fixtures/make_attention_fixture.py`. Forward weights and output, then every input's
// gradient for the fixture's upstream gradient.

struct AttentionFixture: Decodable, Sendable, CustomTestStringConvertible {
  var kind: String
  var masked: Bool
  var inputs: [FixtureTensor]
  var mask: FixtureTensor?
  var weights: FixtureTensor
  var output: FixtureTensor
  var upstream: FixtureTensor
  var grads: [FixtureTensor]
  var testDescription: String { "\(kind)\(masked ? ", masked" : "")" }
}

struct AttentionFixtureFile: Decodable, Sendable {
  var cases: [AttentionFixture]
}

enum AttentionFixtures {
  static let cases: [AttentionFixture] = {
    guard let data = try? Data(contentsOf: TorchFixtures.url("torch_attention")),
          let file = try? JSONDecoder().decode(AttentionFixtureFile.self, from: data) else { return [] }
    return file.cases
  }()
}

@Suite("Attention against PyTorch")
struct TorchAttentionTests {
  @Test("the fixture has the four cases")
  func loaded() {
    #expect(AttentionFixtures.cases.count == 4)
  }

  @Test("weights, output and gradients match PyTorch", arguments: AttentionFixtures.cases)
  func matches(_ f: AttentionFixture) throws {
    let tape = Tape.current
    tape.reset()
    let vars = f.inputs.map { Variable($0.tensor, requiresGrad: true) }
    let mask = f.mask?.tensor
    let (h, e) = (vars[0], vars[1])
    let scores = f.kind == "dot" ? dotAttentionScores(h, e)
      : additiveAttentionScores(h, e, wq: vars[2], wk: vars[3], v: vars[4])
    let w = attentionWeights(scores, keyMask: mask)
    let out = luongCombine(context: attentionContext(w, e), query: h, wc: vars[vars.count - 1])
    expectClose(w.value, f.weights.tensor, "weights")
    expectClose(out.value, f.output.tensor, "output")
    tape.backward(from: out, seed: f.upstream.tensor)
    for (i, g) in f.grads.enumerated() {
      let got = try #require(vars[i].grad, "input \(i) has no gradient")
      expectClose(got, g.tensor, "gradient of input \(i)")
    }
  }

  private func expectClose(_ a: Tensor, _ b: Tensor, _ what: String) {
    #expect(a.shape == b.shape, "\(what): shape \(a.shape) vs \(b.shape)")
    let worst = zip(a.data, b.data).map { abs($0 - $1) / (1e-3 + abs($1)) }.max() ?? 0
    #expect(worst < 1e-3, "\(what): worst relative difference \(worst)")
  }
}
