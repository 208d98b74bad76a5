import Autograd

/// Adam (Kingma & Ba; PyTorch's defaults β = (0.9, 0.999), ε = 1e-8) over a list of
/// parameters, updating their values in place and clearing their gradients.
final class BenchAdam {
  let params: [Variable]
  let lr: Float, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8
  var m: [[Float]], v: [[Float]]
  var t = 0

  init(_ params: [Variable], lr: Float) {
    self.params = params
    self.lr = lr
    m = params.map { [Float](repeating: 0, count: $0.value.count) }
    v = m
  }

  func step() {
    t += 1
    let c1 = 1 - powf(beta1, Float(t)), c2 = 1 - powf(beta2, Float(t))
    let stepSize = lr / c1, rc2 = 1 / c2.squareRoot()
    let (b1, b2, eps) = (beta1, beta2, eps)
    for (i, p) in params.enumerated() {
      guard let g = p.grad else { continue }
      p.grad = nil
      g.data.withUnsafeBufferPointer { gp in
        m[i].withUnsafeMutableBufferPointer { mp in
          v[i].withUnsafeMutableBufferPointer { vp in
            p.value.data.withUnsafeMutableBufferPointer { w in
              for j in 0..<w.count {
                let gj = gp[j]
                mp[j] = b1 * mp[j] + (1 - b1) * gj
                vp[j] = b2 * vp[j] + (1 - b2) * gj * gj
                w[j] -= stepSize * mp[j] / ((vp[j].squareRoot() * rc2) + eps)
              }
            }
          }
        }
      }
    }
  }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The peers' rnn_overhead workload: XOR, Dense 2→8 tanh → Dense 8→1, BCE with logits,
/// Adam lr 0.01, batch 4 (the whole data set, so one step per epoch).
final class XORNet {
  let x = Variable(Tensor(shape: [4, 2], data: [0, 0, 0, 1, 1, 0, 1, 1]))
  let y = Tensor(shape: [4, 1], data: [0, 1, 1, 0])
  let w1: Variable, b1: Variable, w2: Variable, b2: Variable
  let adam: BenchAdam

  init(seed: UInt64) {
    // PyTorch's Linear initialization: U(−1/√fan_in, 1/√fan_in) for weights and biases.
    var rng = SeededRandom(seed: seed)
    let k1 = 1 / Float(2).squareRoot(), k2 = 1 / Float(8).squareRoot()
    w1 = Variable(rng.uniformTensor([2, 8], -k1, k1), requiresGrad: true)
    b1 = Variable(rng.uniformTensor([8], -k1, k1), requiresGrad: true)
    w2 = Variable(rng.uniformTensor([8, 1], -k2, k2), requiresGrad: true)
    b2 = Variable(rng.uniformTensor([1], -k2, k2), requiresGrad: true)
    adam = BenchAdam([w1, b1, w2, b2], lr: 0.01)
  }

  func logits() -> Variable {
    let h = (matmul(x, w1) + b1).tanh()
    return matmul(h, w2) + b2
  }

  /// One step: forward, loss, backward, Adam update. Returns the loss (as `loss.item()`).
  func step() -> Float {
    let loss = binaryCrossEntropy(logits: logits(), targets: y)
    Tape.current.backward(from: loss)
    adam.step()
    return loss.value.scalar
  }

  /// Fraction of the four cases classified correctly (logit > 0 ⇔ 1).
  func accuracy() -> Double {
    let z = withoutGrad { logits() }
    var right = 0
    for i in 0..<4 where (z.value.data[i] > 0) == (y.data[i] > 0.5) { right += 1 }
    return Double(right) / 4
  }
}

struct XORResult {
  let microsPerStep: Double
  let steps: Int
  let finalLoss: Float
  let accuracy: Double
}

/// Median over `batches` of the mean step time in a batch of `perBatch` steps.
func benchXOR(batches: Int, perBatch: Int) -> XORResult {
  let net = XORNet(seed: 0)
  var loss: Float = 0
  for _ in 0..<perBatch { loss = net.step() }  // warm-up
  var times: [Double] = []
  for _ in 0..<batches {
    times.append(seconds { for _ in 0..<perBatch { loss = net.step() } } / Double(perBatch))
  }
  return XORResult(microsPerStep: median(times) * 1e6, steps: (batches + 1) * perBatch,
                   finalLoss: loss, accuracy: net.accuracy())
}

import NeuralNet

/// The same step through the product's own path: a `Model` 2→8 tanh→1 sigmoid compiled
/// with binary cross-entropy and Keras' Adam (lr 0.01), one `trainOnBatch` per step — what
/// `fit xor x y batch=4` runs per batch, minus the per-epoch shuffle and progress callbacks.
func benchXORSequential(batches: Int, perBatch: Int) throws -> XORResult {
  var rng = SeededRandom(seed: 0)
  let net = Model(name: "xor", inputShape: [2])
  try net.add(Dense(units: 8, activation: .tanh), rng: &rng)
  try net.add(Dense(units: 1, activation: .sigmoid), rng: &rng)
  try net.compile(loss: .binaryCrossentropy, optimizer: Adam(lr: 0.01), metrics: [])
  let x = Tensor(shape: [4, 2], data: [0, 0, 0, 1, 1, 0, 1, 1])
  let y = Tensor(shape: [4, 1], data: [0, 1, 1, 0])
  var loss = 0.0
  for _ in 0..<perBatch { loss = try net.trainOnBatch(x: x, y: y, rng: &rng).first?.1 ?? .nan }
  var times: [Double] = []
  for _ in 0..<batches {
    var failure: Error?
    times.append(seconds {
      for _ in 0..<perBatch {
        do { loss = try net.trainOnBatch(x: x, y: y, rng: &rng).first?.1 ?? .nan } catch { failure = error }
      }
    } / Double(perBatch))
    if let failure { throw failure }
  }
  let p = try net.predict(x: x)
  let right = (0..<4).filter { (p.data[$0] > 0.5) == (y.data[$0] > 0.5) }.count
  return XORResult(microsPerStep: median(times) * 1e6, steps: (batches + 1) * perBatch,
                   finalLoss: Float(loss), accuracy: Double(right) / 4)
}
