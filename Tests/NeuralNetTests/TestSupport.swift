import Autograd
import NeuralNet

/// XOR inputs (4, 2) and targets (4, 1).
let xorX = Tensor(shape: [4, 2], data: [0, 0, 0, 1, 1, 0, 1, 1])
let xorY = Tensor(shape: [4, 1], data: [0, 1, 1, 0])

/// A 2-8(tanh)-1(sigmoid) model.
func xorModel(seed: UInt64, dropout: Float = 0) throws -> (Model, SeededRandom) {
  var rng = SeededRandom(seed: seed)
  let m = Model()
  try m.add(InputLayer(shape: [2]), rng: &rng)
  try m.add(Dense(units: 8, activation: .tanh), rng: &rng)
  if dropout > 0 { try m.add(Dropout(rate: dropout), rng: &rng) }
  try m.add(Dense(units: 1, activation: .sigmoid), rng: &rng)
  return (m, rng)
}

/// Three Gaussian blobs in 2-D: x (3n, 2), labels (3n,).
func blobs(perClass n: Int, seed: UInt64) -> (Tensor, Tensor) {
  var rng = SeededRandom(seed: seed)
  let centres: [(Float, Float)] = [(-2, 0), (2, 0), (0, 2.5)]
  var x: [Float] = [], y: [Float] = []
  for i in 0..<(3 * n) {
    let c = i % 3
    x += [centres[c].0 + rng.normal(std: 0.6), centres[c].1 + rng.normal(std: 0.6)]
    y.append(Float(c))
  }
  return (Tensor(shape: [3 * n, 2], data: x), Tensor(shape: [3 * n], data: y))
}

/// Records progress; asks to stop after `stopAfter` batches in total.
final class Recorder: Callback {
  var stopAfter = Int.max
  var batches = 0
  var batchLogs: [[(String, Double)]] = []
  var epochLogs: [[(String, Double)]] = []
  var epochsBegun: [(Int, Int)] = []
  /// Set to skip the stopped epoch's validation (a second Ctrl-C).
  var abort = false
  init(stopAfter: Int = .max) { self.stopAfter = stopAfter }
  func epochBegan(_ c: TrainingContext) { epochsBegun.append((c.epoch, c.epochs)) }
  func batchEnded(_ c: TrainingContext) {
    batches += 1
    batchLogs.append(c.logs)
    if batches >= stopAfter {
      c.stopNow = true
      c.skipValidation = abort
    }
  }
  func epochEnded(_ c: TrainingContext) { epochLogs.append(c.logs) }
}

func value(_ logs: [(String, Double)], _ name: String) -> Double? {
  logs.first { $0.0 == name }?.1
}

func close(_ a: Double, _ b: Double, _ tol: Double = 1e-5) -> Bool { abs(a - b) <= tol }
func close(_ a: Float, _ b: Float, _ tol: Float = 1e-5) -> Bool { abs(a - b) <= tol }
