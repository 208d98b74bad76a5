#if canImport(Glibc)
import Glibc
#endif
import Autograd
import NeuralNet
import Testing

@Suite struct TrainingTests {
  @Test func xorTrainsToFullAccuracy() throws {
    let (m, rng0) = try xorModel(seed: 7)
    var rng = rng0
    try m.compile(loss: .binaryCrossentropy, optimizer: Adam(lr: 0.05), metrics: [.accuracy])
    let h = try m.fit(x: xorX, y: xorY, epochs: 300, batchSize: 4, rng: &rng)
    #expect(h.epochs == 300)
    #expect(h["accuracy"]!.last == 1.0)
    let ev = try m.evaluate(x: xorX, y: xorY)
    #expect(ev.map(\.0) == ["loss", "accuracy"])
    #expect(ev[1].1 == 1.0)
    #expect(ev[0].1 < 0.2)
    let p = try m.predict(x: xorX)
    #expect(p.shape == [4, 1])
    #expect(p.data.map { $0 > 0.5 ? Float(1) : 0 } == xorY.data)
    #expect(Tape.current.count == 0)
  }

  @Test func blobsSparseSoftmax() throws {
    let (x, y) = blobs(perClass: 40, seed: 3)
    var rng = SeededRandom(seed: 11)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 16, activation: .relu), rng: &rng)
    try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(lr: 0.01),
                  metrics: [.accuracy])
    try m.fit(x: x, y: y, epochs: 40, batchSize: 16, rng: &rng)
    let ev = try m.evaluate(x: x, y: y)
    #expect(ev[1].1 > 0.9)
    let p = try m.predict(x: x)
    #expect(p.shape == [120, 3])
    for r in 0..<3 { #expect(close(p[r, 0] + p[r, 1] + p[r, 2], 1, 1e-5)) }
  }

  @Test func sameSeedSameWeightsDifferentSeedDifferent() throws {
    func train(_ seed: UInt64) throws -> [Float] {
      let (m, rng0) = try xorModel(seed: seed, dropout: 0.25)
      var rng = rng0
      try m.compile(loss: .binaryCrossentropy, optimizer: Adam(lr: 0.05), metrics: [.accuracy])
      try m.fit(x: xorX, y: xorY, epochs: 20, batchSize: 2, rng: &rng)
      return m.parameters.flatMap { $0.parameter.variable.value.data }
    }
    let a = try train(5), b = try train(5), c = try train(6)
    #expect(a == b)
    #expect(a != c)
  }

  @Test func validationFractionTakesTheLastSamples() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [1])
    try m.add(Dense(units: 1), rng: &rng)
    try m.setParameter(layer: "dense", name: "weights", value: Tensor(shape: [1, 1], data: [1]))
    try m.compile(loss: .mse, optimizer: SGD(lr: 0), metrics: [.mae])
    let x = Tensor(shape: [10, 1], data: (0..<10).map(Float.init))
    let y = Tensor.zeros([10, 1])
    let rec = Recorder()
    let h = try m.fit(x: x, y: y, epochs: 2, batchSize: 3, validation: .fraction(0.2),
                      callbacks: [rec], rng: &rng)
    // Training on 0…7, validating on 8, 9: prediction = x.
    #expect(close(h["val_loss"]![0], (64 + 81) / 2))
    #expect(close(h["val_mae"]![1], 8.5))
    #expect(close(h["loss"]![0], Double((0..<8).map { $0 * $0 }.reduce(0, +)) / 8))
    #expect(rec.batchLogs.count == 6)  // ⌈8/3⌉ batches × 2 epochs
    #expect(rec.epochLogs[0].map(\.0) == ["loss", "mae", "val_loss", "val_mae"])
    #expect(h.names == ["loss", "mae", "val_loss", "val_mae"])
    // Separate validation data.
    let h2 = try m.fit(x: x, y: y, epochs: 1, validation: .data(x, y), rng: &rng)
    #expect(close(h2["val_loss"]![0], 28.5))
    #expect(m.history.epochs == 3)
  }

  @Test func shouldAbortSkipsTheStoppedEpochsValidation() throws {
    let (x, y) = blobs(perClass: 10, seed: 2)
    var rng = SeededRandom(seed: 4)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: SGD(), metrics: [.accuracy])
    let soft = Recorder(stopAfter: 2)
    let h1 = try m.fit(x: x, y: y, epochs: 3, batchSize: 3, validation: .fraction(0.2), callbacks: [soft], rng: &rng)
    #expect(h1["val_loss"]?.count == 1, "a first Ctrl-C still validates the stopped epoch")
    let hard = Recorder(stopAfter: 2)
    hard.abort = true
    let h2 = try m.fit(x: x, y: y, epochs: 3, batchSize: 3, validation: .fraction(0.2), callbacks: [hard], rng: &rng)
    #expect(h2.stopped?.batch == 2)
    #expect(h2["val_loss"] == nil, "a second Ctrl-C skips it")
  }

  @Test func shouldStopStopsAfterTheBatch() throws {
    let (x, y) = blobs(perClass: 10, seed: 2)  // 30 samples, batch 3: 10 batches per epoch
    var rng = SeededRandom(seed: 4)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: SGD(), metrics: [.accuracy])
    let rec = Recorder(stopAfter: 3)
    let h = try m.fit(x: x, y: y, epochs: 5, batchSize: 3, callbacks: [rec], rng: &rng)
    #expect(rec.batches == 3)
    #expect(h.stopped?.epoch == 1 && h.stopped?.batch == 3)
    #expect(h.epochs == 1)
    #expect(m.history.epochs == 1 && m.history.stopped?.batch == 3)
    #expect(rec.batchLogs[2].map(\.0) == ["accuracy", "loss"])
    #expect(value(rec.batchLogs[2], "loss") == h["loss"]![0])
    // A full run after it appends.
    let h2 = try m.fit(x: x, y: y, epochs: 2, batchSize: 3, rng: &rng)
    #expect(h2.stopped == nil && h2.epochs == 2)
    #expect(m.history.epochs == 3 && m.history.stopped == nil)
  }

  @Test func fusedAndUnfusedLossesAgree() throws {
    // Same weights; the Dropout(0) after the output defeats fusion (probability form).
    func pair(units: Int, act: Activation, loss: Loss, x: Tensor, y: Tensor) throws
      -> (Double, Double) {
      var rng = SeededRandom(seed: 9)
      let a = Model(inputShape: [x.shape[1]])
      try a.add(Dense(units: units, activation: act), rng: &rng)
      let b = Model(inputShape: [x.shape[1]])
      try b.add(Dense(units: units, activation: act), rng: &rng)
      try b.add(Dropout(rate: 0), rng: &rng)
      for n in ["weights", "bias"] {
        try b.setParameter(layer: "dense", name: n,
                           value: a.parameter(layer: "dense", name: n)!.variable.value)
      }
      try a.compile(loss: loss, optimizer: SGD())
      try b.compile(loss: loss, optimizer: SGD())
      return (try a.evaluate(x: x, y: y)[0].1, try b.evaluate(x: x, y: y)[0].1)
    }
    let x = Tensor(shape: [5, 3], data: (0..<15).map { Float($0 % 7) * 0.3 - 0.8 })
    let (f1, u1) = try pair(units: 4, act: .softmax, loss: .sparseCategoricalCrossentropy,
                            x: x, y: Tensor(shape: [5], data: [0, 3, 1, 2, 1]))
    #expect(close(f1, u1, 1e-5))
    var onehot = Tensor.zeros([5, 4])
    for (i, c) in [0, 3, 1, 2, 1].enumerated() { onehot.data[i * 4 + c] = 1 }
    let (f2, u2) = try pair(units: 4, act: .softmax, loss: .categoricalCrossentropy, x: x, y: onehot)
    #expect(close(f2, u2, 1e-5) && close(f1, f2, 1e-6))
    let (f3, u3) = try pair(units: 1, act: .sigmoid, loss: .binaryCrossentropy, x: x,
                            y: Tensor(shape: [5, 1], data: [0, 1, 1, 0, 1]))
    #expect(close(f3, u3, 1e-5))
  }

  @Test func lossValuesMatchKerasDefinitions() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 2, activation: .softmax), rng: &rng)
    try m.setParameter(layer: "dense", name: "weights", value: Tensor(shape: [2, 2], data: [1, 0, 0, 1]))
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: SGD())
    // logits = x; loss = mean(−log softmax[label]) = (log(1 + e^−1) + log 2) / 2.
    let x = Tensor(shape: [2, 2], data: [1, 2, 0, 0])
    let l = try m.evaluate(x: x, y: Tensor(shape: [2], data: [1, 0]))[0].1
    #expect(close(l, (log(1 + exp(-1.0)) + log(2.0)) / 2, 1e-6))
  }

  @Test func l1l2PenaltyIsPartOfTheLoss() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 1, l1: 0.1, l2: 0.01), rng: &rng)
    try m.setParameter(layer: "dense", name: "weights", value: Tensor(shape: [2, 1], data: [1, -2]))
    try m.compile(loss: .mse, optimizer: SGD(lr: 0.1))
    let x = Tensor(shape: [1, 2], data: [0, 0]), y = Tensor(shape: [1, 1], data: [0])
    // mse 0 (bias 0, x 0) + l1·Σ|w| + l2·Σw²
    #expect(close(try m.evaluate(x: x, y: y)[0].1, 0.3 + 0.05, 1e-6))
    // One SGD step: the only gradient is the penalty's: l1·sign(w) + 2·l2·w.
    let h = try m.fit(x: x, y: y, epochs: 1, rng: &rng)
    #expect(close(h["loss"]![0], 0.35, 1e-6))
    let w = m.parameter(layer: "dense", name: "weights")!.variable.value.data
    #expect(close(w[0], 1 - 0.1 * (0.1 + 0.02)) && close(w[1], -2 - 0.1 * (-0.1 - 0.04)))
  }
}

@Suite struct MoreTrainingTests {
  @Test func linearRegressionWithSGD() throws {
    var rng = SeededRandom(seed: 2)
    let m = Model(inputShape: [1])
    try m.add(Dense(units: 1), rng: &rng)
    try m.compile(loss: .mse, optimizer: SGD(lr: 0.1), metrics: [.mae])
    let x = Tensor(shape: [20], data: (0..<20).map { Float($0) / 10 - 1 })  // (N,) for 1 input
    let y = x.map { 2 * $0 + 1 }
    try m.fit(x: x, y: y, epochs: 200, batchSize: 5, rng: &rng)
    let w = m.parameter(layer: "dense", name: "weights")!.variable.value.data[0]
    let b = m.parameter(layer: "dense", name: "bias")!.variable.value.data[0]
    #expect(close(w, 2, 1e-3) && close(b, 1, 1e-3))
  }

  @Test func unfusedSoftmaxAndHiddenActivationsTrain() throws {
    let (x, y) = blobs(perClass: 20, seed: 5)
    var onehot = Tensor.zeros([60, 3])
    for i in 0..<60 { onehot.data[i * 3 + Int(y.data[i])] = 1 }
    var rng = SeededRandom(seed: 8)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 8, activation: .leakyRelu(alpha: 0.3)), rng: &rng)
    try m.add(Dense(units: 8, activation: .sigmoid), rng: &rng)
    try m.add(Dense(units: 3), rng: &rng)
    try m.add(ActivationLayer(.softmax), rng: &rng)
    try m.add(Dropout(rate: 0), rng: &rng)  // defeats fusion: probability-form CE
    try m.compile(loss: .categoricalCrossentropy, optimizer: RMSprop(lr: 0.01), metrics: [.accuracy])
    let h = try m.fit(x: x, y: onehot, epochs: 60, batchSize: 10, rng: &rng)
    #expect(h["loss"]!.last! < h["loss"]![0] * 0.5)
    #expect(h["accuracy"]!.last! > 0.9)
  }

  @Test func frozenLayerKeepsItsWeights() throws {
    let (m, rng0) = try xorModel(seed: 3)
    var rng = rng0
    let first = m.layers[0] as! Dense
    first.trainable = false
    let before = first.weights!.value
    try m.compile(loss: .binaryCrossentropy, optimizer: Adam(lr: 0.05))
    try m.fit(x: xorX, y: xorY, epochs: 5, batchSize: 2, rng: &rng)
    #expect(first.weights!.value == before && first.weights!.grad == nil)
    #expect((m.layers[1] as! Dense).weights!.grad == nil)
  }

  @Test func trainOnBatchReturnsLossAndMetrics() throws {
    let (m, rng0) = try xorModel(seed: 7)
    var rng = rng0
    try m.compile(loss: .binaryCrossentropy, optimizer: Adam(lr: 0.05), metrics: [.accuracy])
    let first = try m.trainOnBatch(x: xorX, y: xorY, rng: &rng)
    #expect(first.map(\.0) == ["loss", "accuracy"])
    for _ in 0..<300 { try m.trainOnBatch(x: xorX, y: xorY, rng: &rng) }
    let last = try m.trainOnBatch(x: xorX, y: xorY, rng: &rng)
    #expect(last[0].1 < first[0].1 && last[1].1 == 1)
  }
}
