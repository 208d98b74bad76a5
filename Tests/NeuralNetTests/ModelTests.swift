import Autograd
import NeuralNet
import Testing

@Suite struct ModelTests {
  @Test func glorotUniformLimitsAndStatistics() {
    var rng = SeededRandom(seed: 1)
    let w = Initializer.glorotUniform.make([200, 100], rng: &rng)
    let limit = (6.0 / 300.0).squareRoot()
    #expect(w.data.allSatisfy { abs(Double($0)) <= limit })
    let mean = w.data.reduce(0) { $0 + Double($1) } / Double(w.count)
    let variance = w.data.reduce(0) { $0 + Double($1) * Double($1) } / Double(w.count)
    #expect(abs(mean) < 0.003)
    #expect(abs(variance - limit * limit / 3) / (limit * limit / 3) < 0.03)
    #expect(w.data.map { abs(Double($0)) }.max()! > 0.98 * limit)
  }

  @Test func truncatedNormalInitialisersHaveKerasStd() {
    var rng = SeededRandom(seed: 2)
    let w = Initializer.heNormal.make([100, 200], rng: &rng)
    let std = (2.0 / 100.0).squareRoot()
    let variance = w.data.reduce(0) { $0 + Double($1) * Double($1) } / Double(w.count)
    #expect(abs(variance.squareRoot() - std) / std < 0.03)
    #expect(w.data.allSatisfy { abs(Double($0)) <= 2 * std / 0.87962566103423978 + 1e-6 })
    let g = Initializer.glorotNormal.make([300, 100], rng: &rng)
    let gstd = (2.0 / 400.0).squareRoot()
    let gv = g.data.reduce(0) { $0 + Double($1) * Double($1) } / Double(g.count)
    #expect(abs(gv.squareRoot() - gstd) / gstd < 0.03)
    #expect(Initializer.zeros.make([3], rng: &rng).data == [0, 0, 0])
    #expect(Initializer.ones.make([2], rng: &rng).data == [1, 1])
    #expect(Initializer.randomUniform.make([1000], rng: &rng).data.allSatisfy { abs($0) <= 0.05 })
  }

  @Test func denseDefaultsAreKeras() throws {
    let d = Dense(units: 4)
    #expect(d.activation == .linear && d.initializer == .glorotUniform && d.biasInitializer == .zeros)
    var rng = SeededRandom(seed: 3)
    let m = Model(inputShape: [5])
    try m.add(d, rng: &rng)
    #expect(d.weights!.shape == [5, 4] && d.bias!.value.data == [0, 0, 0, 0])
    #expect(d.config["units"] == "4" && d.config["activation"] == "linear")
  }

  @Test func summaryCountsParametersAndFlops() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(name: "iris")
    #expect(try m.add(InputLayer(shape: [4]), rng: &rng) == [4])
    #expect(try m.add(Dense(units: 16, activation: .relu), rng: &rng) == [16])
    #expect(try m.add(Dropout(rate: 0.2), rng: &rng) == [16])
    #expect(try m.add(Dense(units: 3, activation: .softmax), rng: &rng) == [3])
    let s = m.summary()
    #expect(s.modelName == "iris" && s.inputShape == [4])
    #expect(s.rows.map(\.name) == ["dense", "dropout", "dense_1"])
    #expect(s.rows.map(\.typeName) == ["Dense", "Dropout", "Dense"])
    #expect(s.rows.map(\.params) == [80, 0, 51])
    #expect(s.rows.map(\.flops) == [128, 0, 96])
    #expect(s.totalParams == 131 && s.trainableParams == 131 && s.nonTrainableParams == 0)
    #expect(s.totalBytes == 524 && s.totalFlops == 224)
    #expect(s.rows[0].outputShape.kerasBatchShape == "(None, 16)")
    (m.layers[0] as! Dense).trainable = false
    #expect(m.summary().nonTrainableParams == 80 && m.summary().trainableParams == 51)
  }

  @Test func namesAreKerasStyleAndUnique() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [3])
    try m.add(Dense(units: 2, name: "dense_1"), rng: &rng)
    try m.add(Dense(units: 2), rng: &rng)
    try m.add(Dense(units: 2), rng: &rng)
    try m.add(ActivationLayer(.relu), rng: &rng)
    #expect(m.layers.map(\.name) == ["dense_1", "dense", "dense_2", "activation"])
    if let error = #expect(throws: (any Error).self, performing: { try m.add(Dense(units: 2, name: "dense"), rng: &rng) }) {
      #expect("\(error)" == "the model already has a layer named 'dense'; layer names must be unique")
    }
    #expect(m.layers.count == 4)
  }

  @Test func shapeErrorsSayWhatToDo() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [8, 8, 1])
    if let e = #expect(throws: ShapeError.self, performing: { try m.add(Dense(units: 4, name: "dense_2"), rng: &rng) }) {
      #expect(e.message == "dense_2 expects a flat input of shape (None, N) but gets "
                         + "(None, 8, 8, 1); add `flatten` before it")
    }
    #expect(m.layers.isEmpty)
    let n = Model()
    if let error = #expect(throws: (any Error).self, performing: { try n.add(Dense(units: 4), rng: &rng) }) {
      #expect("\(error)".contains("needs to know its input shape"))
    }
    if let error = #expect(throws: (any Error).self, performing: { try m.add(InputLayer(shape: [3]), rng: &rng) }) {
      #expect("\(error)" == "the model already has the input shape (None, 8, 8, 1)")
    }
  }

  @Test func setParameterChecksShapes() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [4])
    try m.add(Dense(units: 16), rng: &rng)
    if let error = #expect(throws: (any Error).self, performing: { try m.setParameter(layer: "dense", name: "weights", value: Tensor.zeros([16, 4])) }) {
      #expect("\(error)" == "dense.weights has shape (4, 16) but the new value has shape (16, 4)")
    }
    if let error = #expect(throws: (any Error).self, performing: { try m.setParameter(layer: "dense", name: "kernel", value: Tensor.zeros([4, 16])) }) {
      #expect("\(error)" == "dense has no parameter 'kernel'; its parameters are: weights, bias")
    }
    if let error = #expect(throws: (any Error).self, performing: { try m.setParameter(layer: "dense_9", name: "bias", value: Tensor.zeros([16])) }) {
      #expect("\(error)" == "the model has no layer 'dense_9'; its layers are: dense")
    }
    try m.setParameter(layer: "dense", name: "bias", value: Tensor(repeating: 1, shape: [16]))
    #expect(m.parameter(layer: "dense", name: "bias")!.variable.value.data.allSatisfy { $0 == 1 })
  }

  @Test func lossAndTargetChecks() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 1, activation: .sigmoid), rng: &rng)
    if let error = #expect(throws: (any Error).self, performing: { try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam()) }) {
      #expect("\(error)".hasPrefix("sparse_categorical_crossentropy needs one output unit per class"))
    }
    try m.compile(loss: .binaryCrossentropy, optimizer: Adam())
    let x = Tensor.zeros([3, 2])
    if let error = #expect(throws: (any Error).self, performing: { _ = try m.evaluate(x: x, y: Tensor(shape: [3], data: [0, 2, 1])) }) {
      #expect("\(error)" == "binary_crossentropy needs targets in [0, 1] but y[1] is 2")
    }
    // (N,) targets for a 1-unit output are accepted.
    #expect(try m.evaluate(x: x, y: Tensor(shape: [3], data: [0, 1, 1])).count == 1)
    if let error = #expect(throws: (any Error).self, performing: { _ = try m.evaluate(x: Tensor.zeros([3, 5]), y: Tensor.zeros([3])) }) {
      #expect("\(error)" == "the model expects inputs of shape (None, 2) but x has shape (None, 5) (3 samples)")
    }

    let c = Model(inputShape: [2])
    try c.add(Dense(units: 3, activation: .softmax), rng: &rng)
    try c.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(), metrics: [.accuracy])
    if let error = #expect(throws: (any Error).self, performing: { _ = try c.evaluate(x: x, y: Tensor(shape: [3], data: [0, 3, 1])) }) {
      #expect("\(error)" == "sparse_categorical_crossentropy needs integer labels 0…2 (C = 3 output units) but y[1] is 3")
    }
    if let error = #expect(throws: (any Error).self, performing: { _ = try c.evaluate(x: x, y: Tensor.zeros([3, 3])) }) {
      #expect("\(error)".hasSuffix("it looks one-hot: use categorical_crossentropy"))
    }
    try c.compile(loss: .categoricalCrossentropy, optimizer: Adam())
    if let error = #expect(throws: (any Error).self, performing: { _ = try c.evaluate(x: x, y: Tensor(shape: [3], data: [0, 1, 2])) }) {
      #expect("\(error)".hasSuffix("for integer labels use sparse_categorical_crossentropy"))
    }
    if let error = #expect(throws: (any Error).self, performing: { _ = try Model(inputShape: [2]).evaluate(x: x, y: x) }) {
      #expect(error is ModelError)
    }
  }

  @Test func nameTables() {
    #expect(Activation.named("relu") == .relu && Activation.named("LEAKY_RELU") == .leakyRelu(alpha: 0.3))
    #expect(Activation.named("swish") == nil)
    #expect(Activation.allNames == ["linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax"])
    #expect(Initializer.named("he_normal") == .heNormal && Initializer.glorotUniform.name == "glorot_uniform")
    #expect(Initializer.allNames.count == 11)
    #expect(Loss.named("sparse_categorical_crossentropy") == .sparseCategoricalCrossentropy)
    #expect(Loss.named("mean_squared_error") == .mse && Loss.allNames.count == 5)
    #expect(Metric.named("acc") == .accuracy && Metric.allNames == ["accuracy", "mae", "mse", "precision", "recall", "f1", "auc"])
  }

  @Test func dropoutIsIdentityAtInferenceAndScaledInTraining() throws {
    var rng = SeededRandom(seed: 1)
    let d = Dropout(rate: 0.5)
    _ = try d.outputShape([1000])
    let x = Variable(Tensor(repeating: 1, shape: [1, 1000]))
    var infer = ForwardContext(training: false, rng: rng)
    #expect(d.forward(x, &infer).value == x.value)
    var train = ForwardContext(training: true, rng: rng)
    let y = d.forward(x, &train).value.data
    #expect(y.allSatisfy { $0 == 0 || $0 == 2 })
    let kept = y.filter { $0 == 2 }.count
    #expect(kept > 430 && kept < 570)
  }

  @Test func accuracyKindFollowsKeras() throws {
    // One-hot targets with mse: categorical accuracy (argmax match).
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 2), rng: &rng)
    try m.setParameter(layer: "dense", name: "weights", value: Tensor(shape: [2, 2], data: [1, 0, 0, 1]))
    try m.compile(loss: .mse, optimizer: SGD(), metrics: [.accuracy, .mae])
    let x = Tensor(shape: [2, 2], data: [3, 1, 0, 2])
    let ev = try m.evaluate(x: x, y: Tensor(shape: [2, 2], data: [1, 0, 1, 0]))
    #expect(ev.map(\.0) == ["loss", "accuracy", "mae"])
    #expect(ev[1].1 == 0.5)
    #expect(close(ev[2].1, (2 + 1 + 1 + 2) / 4.0))
    // 1 unit: binary accuracy at 0.5.
    let b = Model(inputShape: [1])
    try b.add(Dense(units: 1), rng: &rng)
    try b.setParameter(layer: "dense", name: "weights", value: Tensor(shape: [1, 1], data: [1]))
    try b.compile(loss: .mse, optimizer: SGD(), metrics: [.accuracy])
    let acc = try b.evaluate(x: Tensor(shape: [4, 1], data: [0.2, 0.6, 0.5, 0.9]),
                             y: Tensor(shape: [4, 1], data: [0, 1, 1, 0]))[1].1
    #expect(acc == 0.5)
  }
}
