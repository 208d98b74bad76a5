import Autograd
import COpenBLAS
import NeuralNet
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The peers' two CNN workloads (shared/bench/peers: common.py, bench_torch.py) trained directly
// on Autograd ops, as PyTorch's eager loop does: per epoch a seeded shuffle, index-gathered
// mini-batches, forward, sparse softmax cross-entropy, backward, Adam (lr 0.001), reading the
// loss. Epoch time = wall time from the end of the previous epoch to the end of this one.

/// One convolution block: conv K×K (stride 1) → relu → maxpool 2×2.
struct ConvBlockSpec {
  let filters: Int
  let kernel: Int
  let padding: Padding
}

/// A workload: input maps, conv blocks, one hidden dense layer (relu), the classes.
struct CNNSpec {
  let name: String
  let height: Int, width: Int, channels: Int
  let blocks: [ConvBlockSpec]
  let hidden: Int
  let classes: Int
  let batch: Int
  let epochs: Int
  /// Multiplies the stored pixels first (the contract CNN's `rescale 1/16`).
  let scale: Float

  /// The contract CNN on the digits: conv 16 3×3 same → pool → conv 32 3×3 same → pool →
  /// dense 64 → 10, batch 32, 20 epochs.
  static let digits = CNNSpec(
    name: "cnn_digits", height: 8, width: 8, channels: 1,
    blocks: [ConvBlockSpec(filters: 16, kernel: 3, padding: .same),
             ConvBlockSpec(filters: 32, kernel: 3, padding: .same)],
    hidden: 64, classes: 10, batch: 32, epochs: 20, scale: 1.0 / 16)

  /// 28×28×1: conv 32 3×3 valid → pool → conv 64 3×3 valid → pool → dense 128 → 10, batch 64,
  /// 2 epochs (throughput).
  static let mnistlike = CNNSpec(
    name: "cnn_mnistlike", height: 28, width: 28, channels: 1,
    blocks: [ConvBlockSpec(filters: 32, kernel: 3, padding: .valid),
             ConvBlockSpec(filters: 64, kernel: 3, padding: .valid)],
    hidden: 128, classes: 10, batch: 64, epochs: 2, scale: 1)

  /// Shapes through the blocks: for each block (input h, w, c, conv output h, w) and the
  /// flattened features after the last pool.
  var geometry: (blocks: [(h: Int, w: Int, c: Int, ho: Int, wo: Int)], features: Int) {
    var (h, w, c) = (height, width, channels)
    var out: [(h: Int, w: Int, c: Int, ho: Int, wo: Int)] = []
    for b in blocks {
      let (ho, wo) = b.padding == .same ? (h, w) : (h - b.kernel + 1, w - b.kernel + 1)
      out.append((h, w, c, ho, wo))
      (h, w, c) = (ho / 2, wo / 2, b.filters)
    }
    return (out, h * w * c)
  }

  /// Forward multiply-adds per sample, counted as common.py does (conv: Ho·Wo·k²·Cin·Cout;
  /// dense: weights; biases, activations and pooling not counted).
  var forwardMACs: Int {
    let g = geometry
    var macs = 0
    for (b, s) in zip(blocks, g.blocks) { macs += s.ho * s.wo * b.kernel * b.kernel * s.c * b.filters }
    return macs + g.features * hidden + hidden * classes
  }
}

/// The network's parameters (PyTorch's default initialisation: U(±1/√fan_in) for weights and
/// biases) and its forward pass.
final class CNNNet {
  let spec: CNNSpec
  let kernels: [Variable], biases: [Variable]
  let w1: Variable, b1: Variable, w2: Variable, b2: Variable
  let adam: BenchAdam
  /// Whether the convolutions use the fused conv + bias + relu op.
  let fused: Bool

  init(_ spec: CNNSpec, seed: UInt64, fused: Bool) {
    self.spec = spec
    self.fused = fused
    var rng = SeededRandom(seed: seed)
    var ks: [Variable] = [], bs: [Variable] = []
    for (b, s) in zip(spec.blocks, spec.geometry.blocks) {
      let bound = 1 / Float(b.kernel * b.kernel * s.c).squareRoot()
      ks.append(Variable(rng.uniformTensor([b.kernel, b.kernel, s.c, b.filters], -bound, bound),
                         requiresGrad: true))
      bs.append(Variable(rng.uniformTensor([b.filters], -bound, bound), requiresGrad: true))
    }
    kernels = ks
    biases = bs
    let f = spec.geometry.features
    let k1 = 1 / Float(f).squareRoot(), k2 = 1 / Float(spec.hidden).squareRoot()
    w1 = Variable(rng.uniformTensor([f, spec.hidden], -k1, k1), requiresGrad: true)
    b1 = Variable(rng.uniformTensor([spec.hidden], -k1, k1), requiresGrad: true)
    w2 = Variable(rng.uniformTensor([spec.hidden, spec.classes], -k2, k2), requiresGrad: true)
    b2 = Variable(rng.uniformTensor([spec.classes], -k2, k2), requiresGrad: true)
    adam = BenchAdam(ks + bs + [w1, b1, w2, b2], lr: 0.001)
  }

  func logits(_ x: Variable) -> Variable {
    var h = x
    for (i, b) in spec.blocks.enumerated() {
      if fused {
        h = conv2d(h, kernel: kernels[i], bias: biases[i], padding: b.padding, activation: .relu)
      } else {
        h = conv2d(h, kernel: kernels[i], bias: biases[i], stride: 1, padding: b.padding).relu()
      }
      h = pool2d(h, kind: .max, size: 2)
    }
    h = h.reshaped([x.shape[0], -1])
    h = (matmul(h, w1) + b1).relu()
    return matmul(h, w2) + b2
  }

  /// One step: forward, loss, backward, Adam update. Returns the loss (as `loss.item()`).
  func step(_ x: Tensor, _ labels: Tensor) -> Float {
    let loss = softmaxCrossEntropy(logits: logits(Variable(x)), labels: labels)
    Tape.current.backward(from: loss)
    adam.step()
    return loss.value.scalar
  }

  /// Fraction of `x`'s samples classified as `labels`, in batches of 512 without the tape.
  func accuracy(_ x: Tensor, _ labels: Tensor) -> Double {
    let n = x.shape[0], per = x.count / Swift.max(n, 1)
    var right = 0
    for start in stride(from: 0, to: n, by: 512) {
      let rows = Swift.min(512, n - start)
      let xs = Tensor(shape: [rows] + Array(x.shape.dropFirst()),
                      data: Array(x.data[(start * per)..<((start + rows) * per)]).map { $0 * spec.scale })
      let z = withoutGrad { logits(Variable(xs)) }.value
      for (i, c) in z.argmaxRows().enumerated() where Float(c) == labels.data[start + i] { right += 1 }
    }
    return Double(right) / Double(Swift.max(n, 1))
  }
}

/// Training data of one workload: samples (N, H, W, C) as stored (before `scale`) and labels.
struct CNNData {
  let x: Tensor, y: Tensor
  let testX: Tensor?, testY: Tensor?
  /// Where it came from ("bench/data/…" or "random: …").
  let origin: String
}

/// The peers' data exported by bench/cnn_data.py under `dir`; uniform random data of the same
/// shapes (labels random) when the files are missing, so the section runs without Python.
func loadCNNData(_ spec: CNNSpec, dir: String, limit: Int?) -> CNNData {
  func load(_ name: String) -> Tensor? { try? NPYLoader.load(path: dir + "/" + name) }
  let shape = [spec.height, spec.width, spec.channels]
  func cut(_ t: Tensor) -> Tensor {
    guard let limit, limit < t.shape[0] else { return t }
    let per = t.count / t.shape[0]
    return Tensor(shape: [limit] + Array(t.shape.dropFirst()), data: Array(t.data[0..<(limit * per)]))
  }
  let prefix = spec.name == "cnn_digits" ? "digits_train" : "mnistlike"
  if let x = load(prefix + "_x.npy"), let y = load(prefix + "_y.npy"),
     Array(x.shape.dropFirst()) == shape, y.count == x.shape[0] {
    let test = spec.name == "cnn_digits" ? (load("digits_test_x.npy"), load("digits_test_y.npy")) : (nil, nil)
    return CNNData(x: cut(x), y: cut(y.reshaped([y.count])), testX: test.0, testY: test.1,
                   origin: "\(dir)/\(prefix)_*.npy")
  }
  let n = limit ?? (spec.name == "cnn_digits" ? 1437 : 10000)
  var rng = SeededRandom(seed: 7)
  let hi: Float = spec.name == "cnn_digits" ? 16 : 1
  let x = rng.uniformTensor([n] + shape, 0, hi)
  let y = Tensor(shape: [n]) { _ in Float(rng.next() % UInt64(spec.classes)) }
  return CNNData(x: x, y: y, testX: nil, testY: nil,
                 origin: "random (no \(dir)/\(prefix)_*.npy: run bench/cnn_data.py)")
}

struct CNNResult {
  let spec: CNNSpec
  let samples: Int
  let epochTimes: [Double]
  let secPerEpoch: Double
  let finalLoss: Double
  let testAccuracy: Double?
  let origin: String
  let fused: Bool
  var stepsPerEpoch: Int { (samples + spec.batch - 1) / spec.batch }
  var msPerStep: Double { secPerEpoch / Double(stepsPerEpoch) * 1e3 }
  var samplesPerSec: Double { Double(samples) / secPerEpoch }
  var gflops: Double { 6 * Double(spec.forwardMACs) * samplesPerSec / 1e9 }
}

/// Trains `spec` for `epochs` epochs and times each one.
func benchCNN(_ spec: CNNSpec, data: CNNData, epochs: Int, fused: Bool) -> CNNResult {
  let net = CNNNet(spec, seed: 0, fused: fused)
  let n = data.x.shape[0], per = data.x.count / Swift.max(n, 1)
  var rng = SeededRandom(seed: 0)
  var perm = Array(0..<n)
  var times: [Double] = []
  var lastLoss = Double.nan
  let itemShape = Array(data.x.shape.dropFirst())
  var tPrev = now()
  for _ in 0..<epochs {
    perm.shuffle(using: &rng)
    var total = 0.0
    for start in stride(from: 0, to: n, by: spec.batch) {
      let rows = Swift.min(spec.batch, n - start)
      let (xb, yb) = gatherBatch(data, perm[start..<(start + rows)], per: per, scale: spec.scale,
                                 itemShape: itemShape)
      total += Double(net.step(xb, yb)) * Double(rows)
    }
    let t = now()
    times.append(t - tPrev)
    tPrev = t
    lastLoss = total / Double(n)
  }
  let acc = data.testX.flatMap { tx in data.testY.map { net.accuracy(tx, $0.reshaped([$0.count])) } }
  let timed = times.count > 1 ? Array(times.dropFirst()) : times
  return CNNResult(spec: spec, samples: n, epochTimes: times, secPerEpoch: median(timed),
                   finalLoss: lastLoss, testAccuracy: acc, origin: data.origin, fused: fused)
}

/// The samples `rows` of the data (scaled) and their labels, as one batch.
func gatherBatch(_ data: CNNData, _ rows: ArraySlice<Int>, per: Int, scale: Float,
                 itemShape: [Int]) -> (Tensor, Tensor) {
  var xb = [Float](repeating: 0, count: rows.count * per)
  var yb = [Float](repeating: 0, count: rows.count)
  data.x.data.withUnsafeBufferPointer { src in
    xb.withUnsafeMutableBufferPointer { dst in
      for (i, r) in rows.enumerated() {
        for j in 0..<per { dst[i * per + j] = src[r * per + j] * scale }
        yb[i] = data.y.data[r]
      }
    }
  }
  return (Tensor(shape: [rows.count] + itemShape, data: xb), Tensor(shape: [rows.count], data: yb))
}

/// Best GFLOP/s of raw n×n cblas_sgemm over `reps` calls: the peak the CNN figures are
/// compared with (the peers use the best 2-thread sgemm over n = 64…2048).
func sgemmPeak(n: Int = 1024, reps: Int = 7) -> Double {
  var rng = SeededRandom(seed: 3)
  let a = rng.uniformTensor([n, n], -1, 1), b = rng.uniformTensor([n, n], -1, 1)
  var c = [Float](repeating: 0, count: n * n)
  var best = Double.infinity
  let ni = Int32(n)
  a.data.withUnsafeBufferPointer { pa in
    b.data.withUnsafeBufferPointer { pb in
      c.withUnsafeMutableBufferPointer { pc in
        for _ in 0...reps {
          let t = seconds {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ni, ni, ni, 1,
                        pa.baseAddress, ni, pb.baseAddress, ni, 0, pc.baseAddress, ni)
          }
          best = Swift.min(best, t)
        }
      }
    }
  }
  return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
}

/// Peak resident set size of this process so far, in MB.
func peakRSSMegabytes() -> Double {
  var u = rusage()
  getrusage(RUSAGE_SELF.rawValue, &u)
  return Double(u.ru_maxrss) / 1024  // KiB on Linux
}
