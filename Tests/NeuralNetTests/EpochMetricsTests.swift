import Testing
import Autograd
@testable import NeuralNet

/// precision / recall / f1 / auc in compile, fit, evaluate and trainOnBatch; early stopping's
/// direction; `layerOutput`.
@Suite("Epoch-level metrics and layer outputs")
struct EpochMetricsTests {
  /// ROC AUC by counting pairs (ties are half): independent of the sort-based one.
  func pairAUC(_ scores: [Float], _ positive: [Bool]) -> Double {
    var wins = 0.0, pairs = 0.0
    for (i, si) in scores.enumerated() where positive[i] {
      for (j, sj) in scores.enumerated() where !positive[j] {
        pairs += 1
        wins += si > sj ? 1 : (si == sj ? 0.5 : 0)
      }
    }
    return wins / pairs
  }

  /// 60 points of two overlapping blobs in 2-D, labels 0/1.
  func twoBlobs() -> (Tensor, Tensor) {
    var rng = SeededRandom(seed: 21)
    var x: [Float] = [], y: [Float] = []
    for i in 0..<60 {
      let c = Float(i % 2)
      x += [c * 1.2 - 0.6 + rng.normal(std: 0.8), rng.normal(std: 0.8)]
      y.append(c)
    }
    return (Tensor(shape: [60, 2], data: x), Tensor(shape: [60], data: y))
  }

  @Test func binaryMetricsInFitAndEvaluate() throws {
    let (x, y) = twoBlobs()
    var rng = SeededRandom(seed: 4)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 4, activation: .tanh), rng: &rng)
    try m.add(Dense(units: 1, activation: .sigmoid), rng: &rng)
    try m.compile(loss: .binaryCrossentropy, optimizer: Adam(lr: 0.02),
                  metrics: [.accuracy, .precision, .recall, .f1, .auc])
    let recorder = Recorder()
    let h = try m.fit(x: x, y: y, epochs: 3, batchSize: 16, validation: .fraction(0.25),
                      callbacks: [recorder], rng: &rng)
    for name in ["precision", "recall", "f1", "auc", "val_precision", "val_recall", "val_f1", "val_auc"] {
      #expect(h[name]?.count == 3, "\(name) in the history")
    }
    // The running value after the last batch is the epoch's value (both over every row).
    let lastBatch = try #require(recorder.batchLogs.last)
    let lastEpoch = try #require(recorder.epochLogs.last)
    for name in ["precision", "recall", "f1", "auc"] {
      #expect(value(lastBatch, name) == value(lastEpoch, name))
    }
    // evaluate's numbers are those of the predictions.
    let ev = try m.evaluate(x: x, y: y, batchSize: 7)
    let p = try m.predict(x: x)
    let report = try ClassificationReport(outputs: p, targets: y)
    #expect(ev.map(\.0) == ["loss", "accuracy", "precision", "recall", "f1", "auc"])
    #expect(close(ev[1].1, report.accuracy, 1e-12))
    #expect(close(ev[2].1, report.classes[1].precision, 1e-12))
    #expect(close(ev[3].1, report.classes[1].recall, 1e-12))
    #expect(close(ev[4].1, report.classes[1].f1, 1e-12))
    #expect(close(ev[5].1, pairAUC(p.data, y.data.map { $0 >= 0.5 }), 1e-12))
    #expect(ev[5].1 > 0.6)
  }

  @Test func softmaxMetricsAreMacroAverages() throws {
    let (x, y) = blobs(perClass: 20, seed: 5)
    var rng = SeededRandom(seed: 6)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 8, activation: .relu), rng: &rng)
    try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(lr: 0.01),
                  metrics: [.precision, .recall, .f1])
    try m.fit(x: x, y: y, epochs: 2, batchSize: 8, rng: &rng)
    let ev = try m.evaluate(x: x, y: y)
    let report = try m.classificationReport(x: x, y: y)
    #expect(close(ev[1].1, report.macro.precision, 1e-12))
    #expect(close(ev[2].1, report.macro.recall, 1e-12))
    #expect(close(ev[3].1, report.macro.f1, 1e-12))
    // One-hot targets under categorical cross-entropy give the same numbers.
    let oneHot = Tensor(shape: [60, 3], data: y.data.flatMap { c in (0..<3).map { Float($0 == Int(c) ? 1 : 0) } })
    try m.compile(loss: .categoricalCrossentropy, optimizer: Adam(lr: 0.01), metrics: [.precision, .recall, .f1])
    let ev2 = try m.evaluate(x: x, y: oneHot)
    for k in 1...3 { #expect(close(ev2[k].1, ev[k].1, 1e-12)) }
  }

  @Test func trainOnBatchReportsTheBatch() throws {
    let (m, rng0) = try xorModel(seed: 3)
    var rng = rng0
    try m.compile(loss: .binaryCrossentropy, optimizer: Adam(lr: 0.05), metrics: [.precision, .auc])
    let first = try m.trainOnBatch(x: xorX, y: xorY, rng: &rng)
    #expect(first.map(\.0) == ["loss", "precision", "auc"])
    for _ in 0..<300 { _ = try m.trainOnBatch(x: xorX, y: xorY, rng: &rng) }
    let later = try m.trainOnBatch(x: xorX, y: xorY, rng: &rng)
    // Each call reports its own batch only (the evaluator is reset): a solved XOR is perfect.
    #expect(later[1].1 == 1)
    #expect(later[2].1 == 1)
  }

  @Test func aucNeedsABinaryOutput() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
    #expect(throws: ModelError.self) {
      try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(lr: 0.01), metrics: [.auc])
    }
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(lr: 0.01), metrics: [.f1])
    #expect(m.metrics == [.f1])
  }

  @Test func namesAndDirections() {
    #expect(Metric.named("precision") == .precision)
    #expect(Metric.named("F1") == .f1)
    #expect(Metric.named("f1_score") == .f1)
    #expect(Metric.named("auc") == .auc)
    #expect(Metric.allNames == ["accuracy", "mae", "mse", "precision", "recall", "f1", "auc"])
    for up in ["precision", "val_precision", "recall", "val_recall", "f1", "val_f1", "auc", "val_auc",
               "accuracy", "val_accuracy", "binary_accuracy", "val_acc"] {
      #expect(EarlyStopping(monitor: up).maximizes, "\(up)")
    }
    for down in ["loss", "val_loss", "mae", "val_mse", "val_mae"] {
      #expect(!EarlyStopping(monitor: down).maximizes, "\(down)")
    }
  }

  @Test func earlyStoppingKeepsTheBestRecall() throws {
    let (x, y) = twoBlobs()
    var rng = SeededRandom(seed: 9)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 1, activation: .sigmoid), rng: &rng)
    try m.compile(loss: .binaryCrossentropy, optimizer: Adam(lr: 0.05), metrics: [.recall])
    let stop = EarlyStopping(monitor: "recall", patience: 2)
    let h = try m.fit(x: x, y: y, epochs: 30, batchSize: 60, callbacks: [stop], rng: &rng)
    let recalls = try #require(h["recall"])
    let best = try #require(recalls.max())
    #expect(stop.bestEpoch == (recalls.firstIndex(of: best) ?? -1) + 1)
    #expect(stop.best == -best)
  }

  // MARK: layerOutput

  @Test func layerOutputOfADenseModel() throws {
    let (m, _) = try xorModel(seed: 5, dropout: 0.5)
    let taps = m.taps(xorX)
    for row in 0..<4 {
      let sample = Tensor(shape: [2], data: Array(xorX.data[(row * 2)..<(row * 2 + 2)]))
      let hidden = try m.layerOutput(named: "dense", for: sample)
      #expect(hidden.shape == [8])
      let tapped = try #require(taps.value(layer: "dense", name: "output"))
      #expect(hidden.data == Array(tapped.data[(row * 8)..<(row * 8 + 8)]))
      // Inference mode: dropout passes everything through.
      #expect(try m.layerOutput(named: "dropout", for: sample).data == hidden.data)
      let out = try m.layerOutput(named: "dense_1", for: sample.reshaped([1, 2]))
      #expect(out.shape == [1])
      #expect(out.data == Array(try m.predict(x: xorX).data[row..<(row + 1)]))
    }
    #expect(Tape.current.count == 0)
  }

  @Test func layerOutputOfConvAndPoolingLayersIsHWC() throws {
    var rng = SeededRandom(seed: 12)
    let m = Model(inputShape: [6, 6, 1])
    try m.add(Conv2D(filters: 3, kernelSize: (3, 3), activation: .relu), rng: &rng)
    try m.add(Pooling2D(.max, size: 2), rng: &rng)
    try m.add(Flatten(), rng: &rng)
    try m.add(Dense(units: 2, activation: .softmax), rng: &rng)
    let (conv, pool) = (m.layers[0].name, m.layers[1].name)
    let batch = Tensor(shape: [2, 6, 6, 1], data: (0..<72).map { Float(($0 * 37) % 11) / 10 - 0.3 })
    let taps = m.taps(batch)
    let sample = Tensor(shape: [6, 6, 1], data: Array(batch.data[36..<72]))
    let maps = try m.layerOutput(named: conv, for: sample)
    #expect(maps.shape == [4, 4, 3])  // (H, W, C): one feature map per filter
    let tapped = try #require(taps.value(layer: conv, name: "output"))
    #expect(maps.data == Array(tapped.data[48..<96]))
    #expect(maps.data.allSatisfy { $0 >= 0 })  // after the relu
    let pooled = try m.layerOutput(named: pool, for: sample)
    #expect(pooled.shape == [2, 2, 3])
    // Max pooling of the maps, channel by channel.
    for c in 0..<3 {
      let window = [0, 1, 4, 5].map { maps.data[$0 * 3 + c] }
      #expect(pooled.data[c] == window.max())
    }
  }

  @Test func layerOutputErrors() throws {
    let (m, _) = try xorModel(seed: 5)
    let sample = Tensor(shape: [2], data: [0, 1])
    #expect(throws: ModelError.self) { try m.layerOutput(named: "conv2d_1", for: sample) }
    #expect(throws: ShapeError.self) { try m.layerOutput(named: "dense", for: Tensor(shape: [3], data: [0, 1, 2])) }
    #expect(throws: ShapeError.self) { try m.layerOutput(named: "dense", for: xorX) }
    do {
      _ = try m.layerOutput(named: "dense", for: xorX)
    } catch let e as ShapeError {
      #expect("\(e)".contains("pick one sample"))
    }
    let unbuilt = Model(inputShape: [2])
    _ = try unbuilt.add(Dense(units: 2))
    #expect(throws: ModelError.self) { try unbuilt.layerOutput(named: "dense", for: sample) }
  }
}
