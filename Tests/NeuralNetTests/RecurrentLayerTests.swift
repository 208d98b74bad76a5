import Foundation
import Testing
import Autograd
@testable import NeuralNet

/// SimpleRNN, LSTM, GRU and Bidirectional as layers: gradient checks through time, shapes,
/// Keras parameter counts, the mask contract, dropout, taps and the orthogonal initialiser.
@Suite("Recurrent layers")
struct RecurrentLayerTests {
  static let x = Tensor(shape: [2, 4, 3]) { Float(sin(Double($0) * 0.7) * 1.2) }
  static let mask = Tensor(shape: [2, 4], data: [1, 1, 1, 0, 1, 1, 0, 0])

  static let gradCases: [LayerGradCase] = [
    LayerGradCase(label: "simple_rnn 3 sequences", make: { Recurrent(.simple, units: 3, returnSequences: true) }, x: x),
    LayerGradCase(label: "simple_rnn 3 sigmoid, mask", make: { Recurrent(.simple, units: 3, activation: .sigmoid) },
                  x: x, mask: mask),
    LayerGradCase(label: "lstm 3", make: { Recurrent(.lstm, units: 3) }, x: x),
    LayerGradCase(label: "lstm 2 sequences, mask", make: { Recurrent(.lstm, units: 2, returnSequences: true) },
                  x: x, mask: mask),
    LayerGradCase(label: "gru 3", make: { Recurrent(.gru, units: 3) }, x: x),
    LayerGradCase(label: "gru 2 sequences, mask", make: { Recurrent(.gru, units: 2, returnSequences: true) },
                  x: x, mask: mask),
    LayerGradCase(label: "bidirectional lstm 2 concat sequences, mask",
                  make: { Bidirectional(Recurrent(.lstm, units: 2, returnSequences: true)) }, x: x, mask: mask),
    LayerGradCase(label: "bidirectional gru 2 sum, mask",
                  make: { Bidirectional(Recurrent(.gru, units: 2), merge: .sum) }, x: x, mask: mask),
    LayerGradCase(label: "bidirectional simple_rnn 2 mul sequences",
                  make: { Bidirectional(Recurrent(.simple, units: 2, returnSequences: true), merge: .mul) }, x: x),
    LayerGradCase(label: "bidirectional lstm 2 ave",
                  make: { Bidirectional(Recurrent(.lstm, units: 2), merge: .ave) }, x: x),
    LayerGradCase(label: "lstm 2 return_state: the cell state c, mask",
                  make: { Recurrent(.lstm, units: 2, returnState: true) }, x: x, mask: mask, output: 2),
    LayerGradCase(label: "bidirectional lstm 2 return_state: the backward h, mask",
                  make: { Bidirectional(Recurrent(.lstm, units: 2, returnState: true)) }, x: x, mask: mask,
                  output: 3),
    LayerGradCase(label: "bidirectional gru 2 return_state: the forward h",
                  make: { Bidirectional(Recurrent(.gru, units: 2, returnState: true)) }, x: x, output: 1),
  ]

  @Test("gradients match finite differences through time", arguments: gradCases)
  func gradients(_ c: LayerGradCase) throws {
    let problems = try LayerGradCheck.mismatches(c)
    #expect(problems.isEmpty, "\(c.label): \(problems.joined(separator: "; "))")
  }

  @Test("parameter counts are Keras'")
  func parameterCounts() throws {
    func count(_ layer: Layer, _ input: [Int]) throws -> Int {
      try layer.parameterSpecs([input]).reduce(0) { $0 + $1.count }
    }
    #expect(try count(Recurrent(.lstm, units: 32), [20, 1]) == 4352)
    #expect(try count(Recurrent(.gru, units: 32), [20, 1]) == 3360)   // Keras 3 GRU(32), reset_after
    #expect(try count(Recurrent(.simple, units: 32), [20, 1]) == 1088)
    #expect(try count(Bidirectional(Recurrent(.lstm, units: 32)), [40, 32]) == 16640)
    #expect(try Recurrent(.gru, units: 5).parameterSpecs([[7, 3]]).map(\.shape) == [[3, 15], [5, 15], [2, 15]])
  }

  @Test("output shapes: last step, sequences, states, merges")
  func shapes() throws {
    #expect(try Recurrent(.lstm, units: 8).outputShapes([[20, 1]]) == [[8]])
    #expect(try Recurrent(.lstm, units: 8, returnSequences: true).outputShapes([[20, 1]]) == [[20, 8]])
    #expect(try Recurrent(.lstm, units: 8, returnState: true).outputShapes([[20, 1]]) == [[8], [8], [8]])
    #expect(try Recurrent(.gru, units: 8, returnState: true).outputShapes([[20, 1]]) == [[8], [8]])
    #expect(try Bidirectional(Recurrent(.lstm, units: 8)).outputShapes([[20, 1]]) == [[16]])
    #expect(try Bidirectional(Recurrent(.gru, units: 8, returnSequences: true), merge: .sum)
      .outputShapes([[20, 1]]) == [[20, 8]])
  }

  @Test("a flat input is a shape error naming the layer and suggesting a sequence input")
  func flatInput() {
    let layer = Recurrent(.lstm, units: 4, name: "lstm_1")
    do {
      _ = try layer.outputShapes([[20]])
      Issue.record("no error")
    } catch let e as ShapeError {
      #expect(e.message.contains("lstm_1") && e.message.contains("(None, 20)") && e.message.contains("input 20x1"))
    } catch { Issue.record("\(error)") }
  }

  @Test("weights: glorot kernel, orthogonal recurrent kernel, LSTM forget bias 1")
  func initialisation() throws {
    let model = Model(inputShape: [5, 3])
    let layer = Recurrent(.lstm, units: 4)
    var rng = SeededRandom(seed: 3)
    try model.add(layer, rng: &rng)
    let b = try #require(layer.bias).value.data
    #expect(b == [0, 0, 0, 0, 1, 1, 1, 1] + [Float](repeating: 0, count: 8))
    let r = try #require(layer.recurrentKernel).value  // (4, 16): orthonormal rows
    for i in 0..<4 {
      for j in 0..<4 {
        var d: Float = 0
        for k in 0..<16 { d += r.data[i * 16 + k] * r.data[j * 16 + k] }
        #expect(abs(d - (i == j ? 1 : 0)) < 1e-5)
      }
    }
    let q = Initializer.orthogonal.make([6, 3], rng: &rng)  // orthonormal columns
    for i in 0..<3 {
      for j in 0..<3 {
        var d: Float = 0
        for k in 0..<6 { d += q.data[k * 3 + i] * q.data[k * 3 + j] }
        #expect(abs(d - (i == j ? 1 : 0)) < 1e-5)
      }
    }
  }

  static func built(_ layer: Layer, _ input: [Int]) throws -> Layer {
    let model = Model(inputShape: input)
    var rng = SeededRandom(seed: 5)
    try model.add(layer, rng: &rng)
    return layer
  }

  @Test("the mask is consumed by a last-output layer and left for a sequence layer")
  func maskContract() throws {
    let last = try Self.built(Recurrent(.gru, units: 3), [4, 3])
    let seq = try Self.built(Recurrent(.gru, units: 3, returnSequences: true), [4, 3])
    var c1 = ForwardContext(training: false, rng: SeededRandom(seed: 0), mask: Self.mask)
    _ = withoutGrad { last.forward([Variable(Self.x)], &c1) }
    #expect(c1.mask == nil)
    var c2 = ForwardContext(training: false, rng: SeededRandom(seed: 0), mask: Self.mask)
    _ = withoutGrad { seq.forward([Variable(Self.x)], &c2) }
    #expect(c2.mask == Self.mask)
    // A mask of another shape is not this layer's and is ignored.
    var c3 = ForwardContext(training: false, rng: SeededRandom(seed: 0), mask: Tensor.zeros([2, 9]))
    var c4 = ForwardContext(training: false, rng: SeededRandom(seed: 0))
    let a = withoutGrad { seq.forward([Variable(Self.x)], &c3)[0].value }
    let b = withoutGrad { seq.forward([Variable(Self.x)], &c4)[0].value }
    #expect(a == b)
  }

  @Test("dropout and recurrent dropout act only while training, one mask per sequence")
  func dropout() throws {
    let layer = try Self.built(Recurrent(.lstm, units: 3, dropout: 0.5, recurrentDropout: 0.5), [4, 3])
    let plain = try Self.built(Recurrent(.lstm, units: 3), [4, 3])
    for (p, q) in zip(layer.parameters, plain.parameters) { q.variable.value = p.variable.value }
    func run(_ l: Layer, training: Bool, seed: UInt64) -> Tensor {
      var c = ForwardContext(training: training, rng: SeededRandom(seed: seed))
      return withoutGrad { l.forward([Variable(Self.x)], &c)[0].value }
    }
    #expect(run(layer, training: false, seed: 1) == run(plain, training: false, seed: 1))
    #expect(run(layer, training: true, seed: 1) != run(plain, training: true, seed: 1))
    #expect(run(layer, training: true, seed: 1) == run(layer, training: true, seed: 1))
    #expect(run(layer, training: true, seed: 1) != run(layer, training: true, seed: 2))
  }

  @Test("taps: the LSTM's gates, cell and hidden state as (N, T, U)")
  func taps() throws {
    let layer = try Self.built(Recurrent(.lstm, units: 3, name: "lstm_1"), [4, 3])
    let rec = TapRecorder()
    var c = ForwardContext(training: false, rng: SeededRandom(seed: 0), taps: rec)
    let y = withoutGrad { layer.forward([Variable(Self.x)], &c)[0].value }
    #expect(rec.values.map(\.name) == ["input_gate", "forget_gate", "output_gate", "cell", "hidden"])
    #expect(rec.values.allSatisfy { $0.layer == "lstm_1" && $0.value.shape == [2, 4, 3] })
    let hidden = try #require(rec.value(layer: "lstm_1", name: "hidden"))
    #expect(Array(hidden.data[9..<12]) == Array(y.data[0..<3]))  // sample 0's last step
    let none = try Self.built(Recurrent(.gru, units: 3, name: "gru_1"), [4, 3])
    var c2 = ForwardContext(training: false, rng: SeededRandom(seed: 0), taps: TapRecorder(layers: ["other"]))
    _ = withoutGrad { none.forward([Variable(Self.x)], &c2) }
    #expect(c2.taps?.values.isEmpty == true)
  }

  @Test("bidirectional parameters are the two directions', Keras-named")
  func bidirectionalNames() throws {
    let model = Model(inputShape: [4, 3])
    var rng = SeededRandom(seed: 1)
    try model.add(Bidirectional(Recurrent(.lstm, units: 2), name: "bidirectional_1"), rng: &rng)
    #expect(model.namedParameters.map(\.path) == [
      "bidirectional_1.forward_lstm.kernel", "bidirectional_1.forward_lstm.recurrent_kernel",
      "bidirectional_1.forward_lstm.bias", "bidirectional_1.backward_lstm.kernel",
      "bidirectional_1.backward_lstm.recurrent_kernel", "bidirectional_1.backward_lstm.bias"])
  }

  @Test("bidirectional return_state: the forward states are a forward LSTM's, the backward states an LSTM's on the reversed real steps")
  func bidirectionalStates() throws {
    let (n, t, f, u) = (2, 5, 3, 4)
    var rng = SeededRandom(seed: 11)
    let bi = Bidirectional(Recurrent(.lstm, units: u, returnState: true))
    try Model(inputShape: [t, f]).add(bi, rng: &rng)
    let x = Tensor(shape: [n, t, f], data: (0..<(n * t * f)).map { sin(Float($0) * 0.7) })
    // Sample 0 has all five steps, sample 1 three real steps and two of padding.
    let mask = Tensor(shape: [n, t], data: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
    var ctx = ForwardContext(training: false, rng: SeededRandom(seed: 0), mask: mask)
    let outs = bi.forward([Variable(x)], &ctx)
    #expect(outs.map(\.shape) == [[n, 2 * u], [n, u], [n, u], [n, u], [n, u]])

    // A plain LSTM (one direction) with a direction's weights, run on one sample's steps.
    func states(_ direction: Recurrent, sample: Int, steps: [Int]) throws -> [[Float]] {
      let plain = Recurrent(.lstm, units: u, returnState: true)
      var r = SeededRandom(seed: 0)
      try Model(inputShape: [steps.count, f]).add(plain, rng: &r)
      for (p, q) in zip(plain.parameters, direction.parameters) { p.variable.value = q.variable.value }
      let rows = steps.flatMap { s in (0..<f).map { x.data[(sample * t + s) * f + $0] } }
      var c = ForwardContext(training: false, rng: SeededRandom(seed: 0))
      return plain.forward([Variable(Tensor(shape: [1, steps.count, f], data: rows))], &c)
        .dropFirst().map { Array($0.value.data) }
    }
    func row(_ v: Variable, _ i: Int) -> [Float] { Array(v.value.data[(i * u)..<((i + 1) * u)]) }
    func close(_ a: [Float], _ b: [Float]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 } }
    for (sample, real) in [(0, 5), (1, 3)] {
      let fw = try states(bi.forwardLayer, sample: sample, steps: Array(0..<real))
      let bw = try states(bi.backwardLayer, sample: sample, steps: Array((0..<real).reversed()))
      #expect(close(row(outs[1], sample), fw[0]) && close(row(outs[2], sample), fw[1]))
      #expect(close(row(outs[3], sample), bw[0]) && close(row(outs[4], sample), bw[1]))
      // The merged output (return_sequences false) is [forward h, backward h].
      #expect(close(Array(outs[0].value.data[(sample * 2 * u)..<(sample * 2 * u + 2 * u)]), fw[0] + bw[0]))
    }
  }
}
