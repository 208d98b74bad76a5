import Foundation
import Testing
import Autograd
@testable import NeuralNet

/// Token ids (N, T) stored as float32, as a model reads them.
func tokenIds(_ rows: [[Int]]) -> Tensor {
  Tensor(shape: [rows.count, rows.first?.count ?? 0], data: rows.flatMap { $0.map(Float.init) })
}

/// The weights of `from` copied into `to` (same layers; the sizes do not depend on T).
func copyWeights(_ from: Model, _ to: Model) throws {
  try to.restoreWeights(from.weightsSnapshot())
}

@Suite("Embedding, per-step dense and reductions over time")
struct SequenceLayerTests {
  /// (3, 4): padding after, before, and padding only.
  static let mask = Tensor(shape: [3, 4], data: [1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0])

  static let gradCases: [LayerGradCase] = [
    LayerGradCase(label: "embedding 6 3 (table only: ids have no gradient)",
                  make: { Embedding(vocabulary: 6, dimension: 3) },
                  x: tokenIds([[1, 5, 0, 2], [3, 3, 4, 0]]), differentiableInput: false),
    LayerGradCase(label: "embedding 5 2 mask_zero", make: { Embedding(vocabulary: 5, dimension: 2, maskZero: true) },
                  x: tokenIds([[0, 4, 4, 1, 0]]), differentiableInput: false),
    LayerGradCase(label: "dense 3 tanh on every step", make: { Dense(units: 3, activation: .tanh) },
                  x: uniformValues([2, 4, 5], seed: 40)),
    LayerGradCase(label: "global_avgpool1d", make: { GlobalAveragePooling1D() },
                  x: uniformValues([3, 4, 2], seed: 41)),
    LayerGradCase(label: "global_avgpool1d with a mask", make: { GlobalAveragePooling1D() },
                  x: uniformValues([3, 4, 2], seed: 42), mask: mask),
    LayerGradCase(label: "last", make: { LastStep() }, x: uniformValues([3, 4, 2], seed: 43)),
    LayerGradCase(label: "last with a mask", make: { LastStep() },
                  x: uniformValues([3, 4, 2], seed: 44), mask: mask),
  ]

  @Test("gradients through each layer match central differences", arguments: gradCases)
  func gradientCheck(_ c: LayerGradCase) throws {
    let problems = try LayerGradCheck.mismatches(c)
    #expect(problems.isEmpty, "\(c.label): \(problems.joined(separator: "; "))")
  }

  func shape(_ layer: Layer, _ input: [Int]) throws -> [Int] {
    try Model(inputShape: input).add(layer)
  }

  @Test("shapes and parameters: (T) ids → (T, D); dense on (T, F) → (T, U) with a (F, U) kernel")
  func shapes() throws {
    #expect(try shape(Embedding(vocabulary: 100, dimension: 8), [12]) == [12, 8])
    #expect(try shape(Dense(units: 3), [12, 8]) == [12, 3])
    #expect(try shape(GlobalAveragePooling1D(), [12, 8]) == [8])
    #expect(try shape(LastStep(), [12, 8]) == [8])

    let m = Model(inputShape: [12])
    try m.add(Embedding(vocabulary: 100, dimension: 8, maskZero: true))
    try m.add(Dense(units: 3, activation: .relu))
    try m.add(GlobalAveragePooling1D())
    #expect(m.layers.map(\.name) == ["embedding", "dense", "global_average_pooling1d"])
    #expect(m.nodes[0].parameterSpecs == [ParameterSpec(name: "embeddings", shape: [100, 8])])
    #expect(m.nodes[1].parameterSpecs.map(\.shape) == [[8, 3], [3]])
    let rows = m.summary().rows
    #expect(rows.map(\.params) == [800, 27, 0])
    #expect(rows.map(\.flops) == [0, 2 * 12 * 8 * 3, 12 * 3])
    #expect(rows[0].config["mask_zero"] == "true" && rows[0].config["input_dim"] == "100")
    var rng = SeededRandom(seed: 1)
    try m.build(rng: &rng)
    let e = try #require(m.parameter(layer: "embedding", name: "embeddings")?.variable.value)
    #expect(e.shape == [100, 8] && e.data.allSatisfy { abs($0) <= 0.05 } && Set(e.data).count > 700)
  }

  @Test("impossible inputs are ShapeErrors naming the layer and the shapes")
  func shapeErrors() throws {
    let e = Embedding(vocabulary: 10, dimension: 4, name: "embedding_1")
    let error = try #require(throws: ShapeError.self) { try Model(inputShape: [5, 3]).add(e) }
    #expect(error.message == "embedding_1 needs (T) token ids per sample, a sequence of integer ids of "
            + "shape (None, T), but gets (None, 5, 3); an embedding makes the (T, 4) vectors itself")
    let dense = try #require(throws: ShapeError.self) {
      try Model(inputShape: [8, 8, 1]).add(Dense(units: 4, name: "dense_1"))
    }
    #expect(dense.message.contains("(None, 8, 8, 1)") && dense.message.contains("add `flatten`"))
    let pool = try #require(throws: ShapeError.self) {
      try Model(inputShape: [6]).add(GlobalAveragePooling1D(name: "g"))
    }
    #expect(pool.message.hasPrefix("g averages over time a sequence: it needs an input (None, T, F), but gets (None, 6)"))
    #expect(throws: ShapeError.self) { try Model(inputShape: [4, 4, 2]).add(LastStep()) }
    #expect(throws: ShapeError.self) { try Model(inputShape: [4]).add(Embedding(vocabulary: 0, dimension: 4)) }
  }

  @Test("forward: id i picks row i; mask_zero sets the mask (N, T), without it the mask is cleared")
  func forwardAndMask() throws {
    let layer = Embedding(vocabulary: 4, dimension: 2, maskZero: true)
    var rng = SeededRandom(seed: 2)
    try Model(inputShape: [3]).add(layer, rng: &rng)
    let table = try #require(layer.embeddings?.value)
    var ctx = ForwardContext(training: false, rng: rng)
    let y = layer.forward(Variable(tokenIds([[3, 0, 1], [0, 0, 2]])), &ctx)
    #expect(y.shape == [2, 3, 2])
    let picked = [3, 0, 1, 0, 0, 2].flatMap { Array(table.data[($0 * 2)..<($0 * 2 + 2)]) }
    #expect(Array(y.value.data) == picked)
    #expect(ctx.mask?.shape == [2, 3] && ctx.mask.map { Array($0.data) } == [1, 0, 1, 0, 0, 1])

    let plain = Embedding(vocabulary: 4, dimension: 2)
    try Model(inputShape: [3]).add(plain, rng: &rng)
    var other = ForwardContext(training: false, rng: rng, mask: Tensor(repeating: 1, shape: [1, 3]))
    _ = plain.forward(Variable(tokenIds([[1, 2, 3]])), &other)
    #expect(other.mask == nil)
  }

  /// A compiled model: input 4, embedding 5 3 (mask_zero), dense 2 softmax per step.
  func tagger() throws -> Model {
    let m = Model(name: "tagger", inputShape: [4])
    var rng = SeededRandom(seed: 3)
    try m.add(Embedding(vocabulary: 5, dimension: 3, maskZero: true, name: "embedding_1"), rng: &rng)
    try m.add(Dense(units: 2, activation: .softmax), rng: &rng)
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: SGD(lr: 0.1), metrics: [.accuracy])
    return m
  }

  @Test("a token id outside the vocabulary is a located error before any op runs",
        arguments: [(Float(5), "holds the token id 5, past the vocabulary of 5 ids (0 to 4, 0 being padding)"),
                    (-1, "holds -1, which is not a token id: ids are whole numbers 0 to 4, 0 being padding (vocabulary 5)"),
                    (2.5, "holds 2.5, which is not a token id: ids are whole numbers 0 to 4, 0 being padding (vocabulary 5)"),
                    (.nan, "holds nan, which is not a token id: ids are whole numbers 0 to 4, 0 being padding (vocabulary 5)")])
  func badTokenIds(_ bad: Float, _ what: String) throws {
    let m = try tagger()
    var x = tokenIds([[1, 2, 3, 0], [4, 1, 0, 0], [2, 2, 2, 2]])
    x.data[4 + 2] = bad  // sample 1, position 2
    let y = Tensor.zeros([3, 4])
    let before = m.weightsSnapshot()
    let message = "embedding_1: sample 1, position 2 " + what
    var rng = SeededRandom(seed: 0)
    let calls: [(String, () throws -> Void)] = [
      ("fit", { _ = try m.fit(x: x, y: y, epochs: 1, batchSize: 2, rng: &rng) }),
      ("fit validation", { _ = try m.fit(x: tokenIds([[1, 1, 1, 1]]), y: Tensor.zeros([1, 4]), epochs: 1,
                                         validation: .data(x, y), rng: &rng) }),
      ("evaluate", { _ = try m.evaluate(x: x, y: y) }),
      ("predict", { _ = try m.predict(x: x) }),
      ("trainOnBatch", { _ = try m.trainOnBatch(x: x, y: y, rng: &rng) }),
      ("keyed predict", { _ = try m.predict(inputs: ["input": x]) }),
    ]
    for (name, call) in calls {
      let e = try #require(throws: ModelError.self, "\(name)") { try call() }
      #expect(e.message == message, "\(name)")
    }
    let one = try #require(throws: ModelError.self) {
      try m.layerOutput(named: "embedding_1", for: Model.rows(x, 1..<2).reshaped([4]))
    }
    #expect(one.message.hasPrefix("embedding_1: sample 0, position 2 "))
    for ((_, a), (_, b)) in zip(before, m.weightsSnapshot()) { #expect(a == b, "no weight changed") }
    #expect(m.history.epochs == 0)
  }

  /// input T, embedding 9 4 mask_zero, dense 5 tanh per step, then `reduce`.
  func pooled(_ t: Int, _ reduce: @autoclosure () -> Layer, seed: UInt64 = 4) throws -> Model {
    let m = Model(inputShape: [t])
    var rng = SeededRandom(seed: seed)
    try m.add(Embedding(vocabulary: 9, dimension: 4, maskZero: true), rng: &rng)
    try m.add(Dense(units: 5, activation: .tanh), rng: &rng)
    try m.add(reduce(), rng: &rng)
    return m
  }

  static func close(_ a: Tensor, _ b: Tensor, _ tol: Float = 1e-6) -> Bool {
    a.shape == b.shape && zip(a.data, b.data).allSatisfy { abs($0 - $1) <= tol * (1 + abs($1)) }
  }

  @Test("embedding mask_zero → dense per step → global_avgpool1d / last: padding changes nothing")
  func paddingInvariance() throws {
    for reduce in ["mean", "last"] {
      func make(_ t: Int) throws -> Model {
        try pooled(t, reduce == "mean" ? GlobalAveragePooling1D() : LastStep() as Layer)
      }
      let short = try make(3), long = try make(7)
      try copyWeights(short, long)
      let want = try short.predict(x: tokenIds([[3, 5, 2], [8, 1, 6]]))
      let post = try long.predict(x: tokenIds([[3, 5, 2, 0, 0, 0, 0], [8, 1, 6, 0, 0, 0, 0]]))
      #expect(Self.close(post, want), "\(reduce): padding after")
      if reduce == "mean" {
        let pre = try long.predict(x: tokenIds([[0, 0, 0, 0, 3, 5, 2], [0, 8, 0, 1, 0, 6, 0]]))
        #expect(Self.close(pre, want), "mean: padding before and between")
      }
      // Without a mask, the padding rows would count: the check can fail.
      let unmasked = Model(inputShape: [7])
      var rng = SeededRandom(seed: 4)
      try unmasked.add(Embedding(vocabulary: 9, dimension: 4), rng: &rng)
      try unmasked.add(Dense(units: 5, activation: .tanh), rng: &rng)
      try unmasked.add(reduce == "mean" ? GlobalAveragePooling1D() : LastStep() as Layer, rng: &rng)
      try copyWeights(short, unmasked)
      #expect(!Self.close(try unmasked.predict(x: tokenIds([[3, 5, 2, 0, 0, 0, 0], [8, 1, 6, 0, 0, 0, 0]])), want))
    }
    // A sequence of padding only pools to 0.
    let m = try pooled(4, GlobalAveragePooling1D())
    #expect(try m.predict(x: tokenIds([[0, 0, 0, 0]])).data.allSatisfy { $0 == 0 })
  }

  /// input T, embedding 9 4 mask_zero, dense 3 softmax per step, sparse CE + accuracy.
  func sequenceClassifier(_ t: Int) throws -> Model {
    let m = Model(inputShape: [t])
    var rng = SeededRandom(seed: 5)
    try m.add(Embedding(vocabulary: 9, dimension: 4, maskZero: true), rng: &rng)
    try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: SGD(lr: 0.5), metrics: [.accuracy])
    return m
  }

  @Test("a sequence loss with padding is the loss of the unpadded steps: Σ m·ℓ / Σ m, same metrics, same step")
  func maskedSequenceLoss() throws {
    // Two sequences with 3 and 1 real steps, padded to 5; the padded steps carry labels that
    // would change the loss and the accuracy if they counted.
    let three = try sequenceClassifier(3), one = try sequenceClassifier(1), padded = try sequenceClassifier(5)
    try copyWeights(three, one)
    try copyWeights(three, padded)
    let a = try three.evaluate(x: tokenIds([[4, 7, 2]]), y: tokenIds([[0, 2, 1]]))
    let b = try one.evaluate(x: tokenIds([[5]]), y: tokenIds([[2]]))
    let x = tokenIds([[4, 7, 2, 0, 0], [0, 0, 0, 0, 5]])
    let y = tokenIds([[0, 2, 1, 2, 0], [1, 0, 2, 1, 2]])
    let p = try padded.evaluate(x: x, y: y, batchSize: 2)
    // 4 real steps: the loss is their mean (not the mean of per-sample means).
    let loss = (3 * a[0].1 + b[0].1) / 4
    #expect(abs(p[0].1 - loss) < 1e-5, "\(p[0].1) vs \(loss)")
    let accuracy = (3 * a[1].1 + b[1].1) / 4
    #expect(abs(p[1].1 - accuracy) < 1e-9)

    // One SGD step on the padded batch moves the weights as the masked loss says: the same
    // as a step on the loss of the real steps, written out from the unpadded model.
    let reference = try sequenceClassifier(5)
    try copyWeights(three, reference)
    var rng = SeededRandom(seed: 0)
    _ = try padded.trainOnBatch(x: x, y: y, rng: &rng)
    Tape.current.reset()
    let (out, mask) = reference.forwardBatch(Variable(x), training: true, logits: false, rng: &rng)
    #expect(mask.map { Array($0.data) } == [1, 1, 1, 0, 0, 0, 0, 0, 0, 1])
    var terms: Variable?
    for (n, t) in [(0, 0), (0, 1), (0, 2), (1, 4)] {
      let q = out.slice(axis: 0, n..<(n + 1)).slice(axis: 1, t..<(t + 1)).reshaped([1, 3])
      let ce = softmaxCrossEntropy(logits: q.log(), labels: Tensor(shape: [1], data: [y.data[n * 5 + t]]))
      terms = terms.map { $0 + ce } ?? ce
    }
    let manual = try #require(terms) * Float(0.25)
    #expect(abs(Double(manual.value.scalar) - loss) < 1e-5)
    Tape.current.backward(from: manual)
    for (path, p) in reference.namedParameters {
      let g = try #require(p.variable.grad, "\(path)")
      let stepped = try #require(padded.namedParameters.first { $0.path == path }?.parameter.variable.value)
      let w = p.variable.value
      let expected = Tensor(shape: w.shape, data: zip(w.data, g.data).map { $0 - 0.5 * $1 })
      #expect(Self.close(stepped, expected, 1e-4), "\(path)")
    }
  }

  @Test("regression on a (T, 1) sequence output: (N, T) targets, padded steps left out of mse and mae")
  func maskedRegression() throws {
    func make(_ t: Int) throws -> Model {
      let m = Model(inputShape: [t])
      var rng = SeededRandom(seed: 6)
      try m.add(Embedding(vocabulary: 6, dimension: 3, maskZero: true), rng: &rng)
      try m.add(Dense(units: 1), rng: &rng)
      try m.compile(loss: .mse, optimizer: SGD(), metrics: [.mae])
      return m
    }
    let short = try make(2), long = try make(4)
    try copyWeights(short, long)
    let a = try short.evaluate(x: tokenIds([[3, 1]]), y: Tensor(shape: [1, 2], data: [0.5, -1]))
    let b = try long.evaluate(x: tokenIds([[3, 1, 0, 0]]), y: Tensor(shape: [1, 4], data: [0.5, -1, 9, 9]))
    #expect(abs(a[0].1 - b[0].1) < 1e-6 && abs(a[1].1 - b[1].1) < 1e-6, "\(a) vs \(b)")
    #expect(a[0].1 < 5, "the padded targets (9) did not count")
  }

  @Test("the mask flows through a graph model too, and ends where the time axis does")
  func maskInGraphsAndChains() throws {
    var rng = SeededRandom(seed: 7)
    let g = Model(name: "graph")
    let ids = try g.addInput(name: "ids", shape: [4])
    _ = try g.addInput(name: "aux", shape: [1])  // two inputs: not a chain
    let e = try g.addNode(Embedding(vocabulary: 6, dimension: 3, maskZero: true), inputs: [ids])
    let d = try g.addNode(Dense(units: 2), inputs: e)
    g.setOutputs(d)
    try g.build(rng: &rng)
    #expect(!g.isChain)
    let x = tokenIds([[1, 2, 0, 0], [0, 3, 3, 5]])
    let (_, mask) = g.forwardBatch(Variable(x), extra: [Variable(Tensor.zeros([2, 1]))], training: false,
                                   logits: false, rng: &rng)
    #expect(mask.map { Array($0.data) } == [1, 1, 0, 0, 0, 1, 1, 1])

    // A chain: flatten consumes the mask; so does any layer whose output lost the time axis.
    let c = Model(inputShape: [4])
    try c.add(Embedding(vocabulary: 6, dimension: 3, maskZero: true), rng: &rng)
    try c.add(Flatten(), rng: &rng)
    try c.add(Dense(units: 2), rng: &rng)
    #expect(c.forwardBatch(Variable(x), training: false, logits: false, rng: &rng).mask == nil)
    let m = Tensor(repeating: 1, shape: [2, 4])
    #expect(Model.carried(m, by: [4, 3]) != nil)
    #expect(Model.carried(m, by: [12]) == nil)
    #expect(Model.carried(m, by: [3]) == nil)
  }
}
