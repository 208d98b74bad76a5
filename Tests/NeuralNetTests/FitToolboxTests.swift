import Foundation
import Testing
import Autograd
@testable import NeuralNet

/// The fit loop's toolbox: early stopping, the NaN guard, gradient hooks, checkpoints and
/// resume, the CSV log.

/// Replaces the monitored value of each epoch by `values[epoch − 1]` (runs before the
/// callbacks that read it).
final class FakeMonitor: Callback {
  let name: String
  let values: [Double]
  init(_ name: String, _ values: [Double]) { self.name = name; self.values = values }
  func epochEnded(_ c: TrainingContext) {
    c.logs = c.logs.filter { $0.0 != name } + [(name, values[c.epoch - 1])]
  }
}

/// Keeps the weights at the end of each epoch.
final class EpochWeights: Callback {
  var snapshots: [[String: [UInt32]]] = []
  func epochEnded(_ c: TrainingContext) { snapshots.append(bits(c.model.weightsSnapshot())) }
}

/// Sets `stopTraining` at the end of epoch `at`.
final class StopAtEpoch: Callback {
  let at: Int
  init(_ at: Int) { self.at = at }
  func epochEnded(_ c: TrainingContext) { if c.epoch == at { c.stopTraining = true } }
}

/// Records the order of hook calls and whether gradients are present in each.
final class HookProbe: Callback {
  var events: [String] = []
  var gradsAtReady: [Bool] = []
  var gradsAtEnd: [Bool] = []
  var weightsAtReady: [[String: [UInt32]]] = []
  var weightsAtEnd: [[String: [UInt32]]] = []
  func epochBegan(_ c: TrainingContext) { events.append("epoch\(c.epoch)") }
  func gradientsReady(_ c: TrainingContext) {
    events.append("grad")
    gradsAtReady.append(!c.parameters.isEmpty && c.parameters.allSatisfy { $0.variable.grad != nil })
    weightsAtReady.append(bits(c.model.weightsSnapshot()))
  }
  func batchEnded(_ c: TrainingContext) {
    events.append("batch\(c.batch)")
    gradsAtEnd.append(c.parameters.allSatisfy { $0.variable.grad == nil })
    weightsAtEnd.append(bits(c.model.weightsSnapshot()))
  }
  func epochEnded(_ c: TrainingContext) { events.append("end\(c.epoch)") }
}

/// Overwrites a parameter with `value` at the start of epoch `at`.
final class Poison: Callback {
  let at: Int, path: String, value: Float
  init(at: Int, path: String, value: Float) { self.at = at; self.path = path; self.value = value }
  func epochBegan(_ c: TrainingContext) {
    guard c.epoch == at, let p = c.model.namedParameters.first(where: { $0.path == path }) else { return }
    let v = p.parameter.variable
    v.value = Tensor(repeating: value, shape: v.shape)
  }
}

func temporaryDirectory() -> String {
  let d = FileManager.default.temporaryDirectory.appendingPathComponent("dl-nntests-\(UUID().uuidString)")
  try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
  return d.path
}

func allFinite(_ m: Model) -> Bool {
  m.namedParameters.allSatisfy { $0.parameter.variable.value.data.allSatisfy(\.isFinite) }
}

// MARK: - 6. Early stopping

@Suite("EarlyStopping")
struct EarlyStoppingTests {
  let x = blobs(perClass: 6, seed: 2).0
  let y = blobs(perClass: 6, seed: 2).1

  func blobModel(seed: UInt64 = 3, lr: Float = 0.1) throws -> Model {
    var rng = SeededRandom(seed: seed)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: SGD(lr: lr))
    return m
  }

  @Test("constant loss (SGD lr 0) stops after patience + 1 epochs")
  func constantLoss() throws {
    let m = try blobModel(lr: 0)
    let es = EarlyStopping(monitor: "loss", patience: 2)
    var notes: [String] = []
    var rng = SeededRandom(seed: 1)
    let h = try m.fit(x: x, y: y, epochs: 20, batchSize: 18, callbacks: [es], rng: &rng) { notes.append($0) }
    #expect(h.epochs == 3)
    #expect(h.stopped == nil)
    #expect(es.stoppedEpoch == 3)
    #expect(es.bestEpoch == 1)
    #expect(notes == ["Epoch 3: early stopping", "Restoring model weights from the end of the best epoch: 1."])
  }

  @Test("stops at the right epoch and restores the best epoch's weights")
  func restoresBest() throws {
    let m = try blobModel()
    let rec = EpochWeights()
    let es = EarlyStopping(monitor: "loss", patience: 2)
    var notes: [String] = []
    var rng = SeededRandom(seed: 1)
    let h = try m.fit(x: x, y: y, epochs: 20, batchSize: 6,
                      callbacks: [FakeMonitor("loss", [5, 4, 3, 3.5, 3.2, 1, 1]), rec, es],
                      rng: &rng) { notes.append($0) }
    #expect(h.epochs == 5)
    #expect(m.history.epochs == 5)
    #expect(notes == ["Epoch 5: early stopping", "Restoring model weights from the end of the best epoch: 3."])
    #expect(rec.snapshots.count == 5)
    #expect(rec.snapshots[2] != rec.snapshots[4])
    #expect(bits(m.weightsSnapshot()) == rec.snapshots[2])
  }

  @Test("restoreBest false keeps the last epoch's weights")
  func keepLast() throws {
    let m = try blobModel()
    let rec = EpochWeights()
    let es = EarlyStopping(monitor: "loss", patience: 1, restoreBest: false)
    var notes: [String] = []
    var rng = SeededRandom(seed: 1)
    let h = try m.fit(x: x, y: y, epochs: 20, batchSize: 6,
                      callbacks: [FakeMonitor("loss", [5, 4, 4.5, 1]), rec, es], rng: &rng) { notes.append($0) }
    #expect(h.epochs == 3)
    #expect(notes == ["Epoch 3: early stopping"])
    #expect(bits(m.weightsSnapshot()) == rec.snapshots[2])
  }

  @Test("min_delta: improvements smaller than it do not count")
  func minDelta() throws {
    let m = try blobModel()
    let es = EarlyStopping(monitor: "loss", patience: 2, minDelta: 0.5)
    var rng = SeededRandom(seed: 1)
    let h = try m.fit(x: x, y: y, epochs: 20, batchSize: 6,
                      callbacks: [FakeMonitor("loss", [5, 4.8, 4.6, 4.4, 1]), es], rng: &rng)
    #expect(h.epochs == 3)
    #expect(es.bestEpoch == 1)
    #expect(es.best == 5)
  }

  @Test("start_from: epochs up to it are not monitored")
  func startFrom() throws {
    let values: [Double] = [1, 5, 4, 4, 4, 4]
    let m = try blobModel()
    var rng = SeededRandom(seed: 1)
    let early = EarlyStopping(monitor: "loss", patience: 1)
    let h1 = try m.fit(x: x, y: y, epochs: 6, batchSize: 6, callbacks: [FakeMonitor("loss", values), early], rng: &rng)
    #expect(h1.epochs == 2)
    let late = EarlyStopping(monitor: "loss", patience: 1, startFrom: 2)
    let h2 = try m.fit(x: x, y: y, epochs: 6, batchSize: 6, callbacks: [FakeMonitor("loss", values), late], rng: &rng)
    #expect(h2.epochs == 4)
    #expect(late.bestEpoch == 3)
    #expect(late.best == 4)
  }

  @Test("saveState / restoreState round trip")
  func stateRoundTrip() throws {
    let m = try blobModel()
    let es = EarlyStopping(monitor: "loss", patience: 5)
    var rng = SeededRandom(seed: 1)
    try m.fit(x: x, y: y, epochs: 4, batchSize: 6, callbacks: [FakeMonitor("loss", [3, 2, 2.5, 2.6]), es], rng: &rng)
    let s = es.saveState()
    #expect(s.numbers == [2, 2, 2, 0])
    #expect(s.tensors.map(\.0) == m.weightsSnapshot().map(\.0))
    let copy = EarlyStopping(monitor: "loss", patience: 5)
    try copy.restoreState(numbers: s.numbers, tensors: s.tensors)
    let t = copy.saveState()
    #expect(t.numbers == s.numbers)
    #expect(bits(t.tensors) == bits(s.tensors))
    #expect(copy.best == 2 && copy.bestEpoch == 2)
    #expect(throws: ModelError.self) { try copy.restoreState(numbers: [1, 2], tensors: []) }
  }
}

// MARK: - 7. NaN guard

@Suite("NaN guard")
struct NaNGuardTests {
  func linearModel() throws -> Model {
    var rng = SeededRandom(seed: 4)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 4), rng: &rng)
    try m.add(Dense(units: 1), rng: &rng)
    try m.compile(loss: .mse, optimizer: SGD(lr: 0.01))
    return m
  }

  @Test("a non-finite layer output stops at that batch, names the layer, keeps the last finite weights")
  func nonFiniteOutput() throws {
    let m = try linearModel()
    let rec = EpochWeights()
    var notes: [String] = []
    var rng = SeededRandom(seed: 1)
    let h = try m.fit(x: xorX, y: xorY, epochs: 5, batchSize: 4,
                      callbacks: [Poison(at: 2, path: "dense.weights", value: 3e38), rec],
                      rng: &rng) { notes.append($0) }
    let halted = try #require(h.halted)
    #expect(halted.hasPrefix("NaN guard: epoch 2, batch 1/1: the loss became"))
    #expect(halted.contains("the first layer whose output is not finite is dense."))
    #expect(m.history.halted == halted)
    #expect(notes == [halted])
    #expect(h.epochs == 1)
    #expect(m.history.epochs == 1)
    #expect(allFinite(m))
  }

  @Test("a loss that overflows with finite layer outputs is reported as such")
  func lossOverflow() throws {
    let m = try linearModel()
    var rng = SeededRandom(seed: 1)
    let x = Tensor(shape: [2, 2], data: [1, 1, 1e25, 1e25])
    let before = bits(m.weightsSnapshot())
    let h = try m.fit(x: x, y: Tensor.zeros([2, 1]), epochs: 3, batchSize: 2, shuffle: false, rng: &rng)
    let halted = try #require(h.halted)
    #expect(halted.contains("epoch 1, batch 1/1"))
    #expect(halted.contains("every layer's output is finite, so the loss itself overflowed"))
    #expect(h.epochs == 0)
    #expect(bits(m.weightsSnapshot()) == before)
  }

  @Test("a non-finite gradient names the parameter and the step is not applied")
  func nonFiniteGradient() throws {
    var rng = SeededRandom(seed: 4)
    let m = Model(inputShape: [1])
    try m.add(Dense(units: 4), rng: &rng)
    try m.add(Dense(units: 1), rng: &rng)
    try m.setParameter(layer: "dense", name: "weights", value: Tensor(repeating: 1, shape: [1, 4]))
    try m.setParameter(layer: "dense_1", name: "weights", value: Tensor(repeating: 2e-38, shape: [4, 1]))
    try m.compile(loss: .mse, optimizer: SGD(lr: 0.01))
    let probe = HookProbe()
    // Batch 1 is harmless; batch 2: output 8 (finite loss) but d(dense_1.weights) = 1e38·16.
    let x = Tensor(shape: [2, 1], data: [1, 1e38])
    let h = try m.fit(x: x, y: Tensor.zeros([2, 1]), epochs: 2, batchSize: 1, shuffle: false,
                      callbacks: [probe], rng: &rng)
    let halted = try #require(h.halted)
    #expect(halted.hasPrefix("NaN guard: epoch 1, batch 2/2: the gradient of dense_1.weights became non-finite"))
    #expect(h.epochs == 0)
    #expect(allFinite(m))
    #expect(probe.weightsAtEnd.count == 1)
    #expect(bits(m.weightsSnapshot()) == probe.weightsAtEnd[0])
    #expect(m.namedParameters.allSatisfy { $0.parameter.variable.grad == nil })
  }

  @Test("a huge learning rate halts training with finite weights")
  func hugeLearningRate() throws {
    var rng = SeededRandom(seed: 4)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 8), rng: &rng)
    try m.add(Dense(units: 1), rng: &rng)
    try m.compile(loss: .mse, optimizer: SGD(lr: 1e18))
    let h = try m.fit(x: xorX, y: xorY, epochs: 50, batchSize: 1, rng: &rng)
    let halted = try #require(h.halted)
    #expect(halted.hasPrefix("NaN guard: epoch "))
    #expect(halted.contains(", batch ") && halted.contains("/4: "))
    #expect(halted.contains("the loss became") || halted.contains("the gradient of dense"))
    #expect(halted.hasSuffix("the weights are the last finite ones (from before this batch).")
            || halted.contains("were restored from the start of epoch"))
    #expect(allFinite(m))
    #expect(h.epochs < 50)
    #expect(h["loss"]?.allSatisfy(\.isFinite) ?? true)
  }
}

// MARK: - 8. Hooks and stopping

@Suite("Gradient hooks and stopping")
struct HookTests {
  @Test("gradientsReady sees gradients before the step; batchEnded after it, gradients cleared")
  func order() throws {
    let (m, r) = try xorModel(seed: 3)
    var rng = r
    try m.compile(loss: .binaryCrossentropy, optimizer: SGD(lr: 0.5))
    let probe = HookProbe()
    try m.fit(x: xorX, y: xorY, epochs: 2, batchSize: 2, callbacks: [probe], rng: &rng)
    #expect(probe.events == ["epoch1", "grad", "batch1", "grad", "batch2", "end1",
                             "epoch2", "grad", "batch1", "grad", "batch2", "end2"])
    #expect(probe.gradsAtReady == [true, true, true, true])
    #expect(probe.gradsAtEnd == [true, true, true, true])
    for i in 0..<4 { #expect(probe.weightsAtReady[i] != probe.weightsAtEnd[i]) }
    for i in 1..<4 { #expect(probe.weightsAtReady[i] == probe.weightsAtEnd[i - 1]) }
  }

  @Test("stopNow stops after the batch; the epoch is recorded with its running means")
  func stopNow() throws {
    let (m, r) = try xorModel(seed: 3)
    var rng = r
    try m.compile(loss: .binaryCrossentropy, optimizer: SGD(lr: 0.5))
    let rec = Recorder(stopAfter: 3)
    let h = try m.fit(x: xorX, y: xorY, epochs: 5, batchSize: 1, callbacks: [rec], rng: &rng)
    #expect(rec.batches == 3)
    #expect(h.epochs == 1)
    #expect(h.stopped?.epoch == 1 && h.stopped?.batch == 3)
  }

  @Test("stopTraining in epochEnded stops after the whole epoch")
  func stopTraining() throws {
    let (m, r) = try xorModel(seed: 3)
    var rng = r
    try m.compile(loss: .binaryCrossentropy, optimizer: SGD(lr: 0.5))
    let rec = Recorder()
    let h = try m.fit(x: xorX, y: xorY, epochs: 5, batchSize: 1, callbacks: [StopAtEpoch(2), rec], rng: &rng)
    #expect(rec.batches == 8)
    #expect(h.epochs == 2)
    #expect(h.stopped == nil)
  }
}

// MARK: - 9. Checkpoints and the CSV log

@Suite("Checkpoints and resume")
struct CheckpointTests {
  @Test("encode → decode round trip keeps every field")
  func roundTrip() throws {
    let w1 = Tensor(shape: [2, 3], data: [1, -2, 3.5, 0.1, 1e-8, -7])
    let w2 = Tensor(shape: [3], data: [0.25, 0, -0])
    var h = History()
    h.append([("loss", 1.5)])
    h.append([("loss", 0.1), ("val_loss", 0.3)])
    let cp = TrainingCheckpoint(
      weights: [("dense.weights", w1), ("dense.bias", w2)],
      optimizerSlots: [("dense.weights/m", w1), ("dense.bias/m", w2)], iterations: 17,
      learningRate: 0.0012345, schedule: [0.1, 0.30000000000000004, 2], generator: [1, 2, 3, .max],
      epoch: 3, epochs: 10, history: h,
      callbacks: ["early_stopping": ([0.25, 2, 1, 0], [("dense.weights", w1)])])
    let back = try TrainingCheckpoint.decode(try cp.encode(), file: "cp")
    func dict(_ t: [(String, Tensor)]) -> [String: [UInt32]] { bits(t) }
    #expect(dict(back.weights) == dict(cp.weights))
    #expect(Dictionary(uniqueKeysWithValues: back.weights.map { ($0.0, $0.1.shape) })["dense.weights"] == [2, 3])
    #expect(dict(back.optimizerSlots) == dict(cp.optimizerSlots))
    #expect(back.iterations == 17)
    #expect(back.learningRate.bitPattern == Float(0.0012345).bitPattern)
    #expect(back.schedule == [0.1, 0.30000000000000004, 2])
    #expect(back.generator == [1, 2, 3, .max])
    #expect(back.epoch == 3 && back.epochs == 10)
    #expect(back.history.epochs == 2)
    #expect(back.history["loss"] == [1.5, 0.1])
    let val = try #require(back.history["val_loss"])
    #expect(val.count == 2 && val[0].isNaN && val[1] == 0.3)
    let es = try #require(back.callbacks["early_stopping"])
    #expect(es.numbers == [0.25, 2, 1, 0])
    #expect(dict(es.tensors) == dict([("dense.weights", w1)]))
  }

  @Test("decoding garbage or a safetensors file that is not a checkpoint throws a ModelError naming the file")
  func decodeErrors() throws {
    let e1 = #expect(throws: ModelError.self) {
      try TrainingCheckpoint.decode([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], file: "/tmp/garbage.ckpt")
    }
    #expect(e1?.message.contains("/tmp/garbage.ckpt") == true)
    let plain = try SafeTensors.encode([("w", Tensor(shape: [2], data: [1, 2]))])
    let e2 = #expect(throws: ModelError.self) { try TrainingCheckpoint.decode(plain, file: "model.safetensors") }
    #expect(e2?.message.contains("model.safetensors") == true)
    #expect(e2?.message.contains("not a dl checkpoint") == true)
  }

  func resumeModel(seed: UInt64) throws -> (Model, SeededRandom) {
    var rng = SeededRandom(seed: seed)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 8, activation: .relu), rng: &rng)
    try m.add(Dropout(rate: 0.3), rng: &rng)
    try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
    let opt = Adam(lr: 0.01)
    opt.schedule = try LearningRateSchedule(initial: 0.01, kind: .exponential(rate: 0.9))
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: opt, metrics: [.accuracy])
    return (m, rng)
  }

  @Test("resuming from a checkpoint gives bit-identical weights (Adam, dropout, shuffle, schedule)")
  func resumeEquivalence() throws {
    let (x, y) = blobs(perClass: 12, seed: 5)
    func fitArgs(_ m: Model, _ cbs: [Callback], _ initial: Int, _ rng: inout SeededRandom) throws -> History {
      try m.fit(x: x, y: y, epochs: 6, batchSize: 8, validation: .fraction(0.25), shuffle: true,
                callbacks: cbs, initialEpoch: initial, rng: &rng)
    }
    // Uninterrupted.
    let (a, ra) = try resumeModel(seed: 7)
    var rngA = ra
    let esA = EarlyStopping(patience: 100)
    try fitArgs(a, [esA], 0, &rngA)
    // Interrupted after epoch 3 with a checkpoint.
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (b, rb) = try resumeModel(seed: 7)
    var rngB = rb
    let esB = EarlyStopping(patience: 100)
    let writer = CheckpointWriter(directory: dir, stateful: [esB])
    let hb = try fitArgs(b, [esB, StopAtEpoch(3), writer], 0, &rngB)
    #expect(hb.epochs == 3)
    #expect(writer.failure == nil)
    let cp = try #require(try CheckpointWriter.read(directory: dir))
    #expect(cp.epoch == 3)
    #expect(cp.history.epochs == 3)
    // A fresh model (other seed) and optimizer, restored.
    let (c, _) = try resumeModel(seed: 99)
    let esC = EarlyStopping(patience: 100)
    let (epoch, generator) = try c.restore(cp, callbacks: [esC])
    #expect(epoch == 3)
    var rngC = SeededRandom(seed: 12345)
    rngC.state = generator
    try fitArgs(c, [esC], epoch, &rngC)
    #expect(c.history.epochs == 6)
    #expect(c.history["loss"] == a.history["loss"])
    #expect(c.history["lr"] == a.history["lr"])
    #expect(bits(c.weightsSnapshot()) == bits(a.weightsSnapshot()))
    #expect(bits(c.optimizer!.slotState) == bits(a.optimizer!.slotState))
    #expect(c.optimizer!.iterations == a.optimizer!.iterations)
    #expect(esC.bestEpoch == esA.bestEpoch)
    #expect(rngC.state == rngA.state)
  }

  @Test("no checkpoint in an empty directory")
  func readEmpty() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(try CheckpointWriter.read(directory: dir) == nil)
  }

  @Test("CSVLogWriter writes the Keras header and one row per epoch from 0")
  func csvLog() throws {
    let (x, y) = blobs(perClass: 8, seed: 1)
    var rng = SeededRandom(seed: 2)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: 3, activation: .softmax), rng: &rng)
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(lr: 0.01), metrics: [.accuracy])
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/log.csv"
    let log = CSVLogWriter(path: path)
    let h = try m.fit(x: x, y: y, epochs: 3, batchSize: 8, validation: .fraction(0.25), callbacks: [log], rng: &rng)
    #expect(log.failure == nil)
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines.first == "epoch,accuracy,loss,val_accuracy,val_loss,lr")
    #expect(lines.count == 4)
    for e in 0..<3 {
      let f = lines[e + 1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      #expect(f.count == 6)
      #expect(f[0] == String(e))
      #expect(Double(f[2]) == h["loss"]![e])
      #expect(Double(f[4]) == h["val_loss"]![e])
      #expect(f[5] == "0.01")
    }
  }
}
