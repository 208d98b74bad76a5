import Autograd

// Each convolution and pooling of the two CNN workloads alone, at its training shapes:
// forward, then backward from a given upstream gradient, median ms of each (the profile the
// CNN section's step time breaks down into).

/// One op's timings.
struct ConvOpResult {
  let label: String
  let forwardMillis: Double
  let backwardMillis: Double
  /// Multiply-adds of the forward pass (0 for pooling).
  let forwardMACs: Int
  /// Multiply-adds of the backward pass (the kernel's gradient, plus the input's when needed).
  let backwardMACs: Int
  /// ms of the raw cblas_sgemm calls an im2col convolution of this shape makes (forward,
  /// backward), for convolutions. One-channel inputs (conv1) make none: they run on the
  /// direct kernels (CConvKernels), so their column is only a reference there.
  var rawGemmMillis: (Double, Double)? = nil
}

/// Median ms of `cblas_sgemm` C(m×n) = op(A)·op(B) with inner size k, on preallocated buffers.
func rawGemmMillis(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, rounds: Int) -> Double {
  var rng = SeededRandom(seed: 9)
  let a = rng.uniformTensor([m * k], -1, 1), b = rng.uniformTensor([k * n], -1, 1)
  var c = [Float](repeating: 0, count: m * n)
  var ts: [Double] = []
  a.data.withUnsafeBufferPointer { pa in
    b.data.withUnsafeBufferPointer { pb in
      c.withUnsafeMutableBufferPointer { pc in
        for r in 0...rounds {
          let t = seconds {
            BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: pa.baseAddress!,
                      b: pb.baseAddress!, c: pc.baseAddress!)
          }
          if r > 0 { ts.append(t) }
        }
      }
    }
  }
  return median(ts) * 1e3
}

/// Times `forward` then a backward from `seed` (shape of the output), `rounds` times.
func timeOp(_ label: String, rounds: Int, macs: (Int, Int), seedShape: [Int],
            params: [Variable], _ forward: () -> Variable) -> ConvOpResult {
  var rng = SeededRandom(seed: 5)
  let seed = rng.uniformTensor(seedShape, -1, 1)
  var fw: [Double] = [], bw: [Double] = []
  for r in 0...rounds {
    var y: Variable? = nil
    let tf = seconds { y = forward() }
    let tb = seconds { if let y { Tape.current.backward(from: y, seed: seed) } }
    for p in params { p.zeroGrad() }
    if r > 0 { fw.append(tf); bw.append(tb) }  // the first round warms up
  }
  return ConvOpResult(label: label, forwardMillis: median(fw) * 1e3,
                      backwardMillis: median(bw) * 1e3, forwardMACs: macs.0, backwardMACs: macs.1)
}

/// The conv and pool layers of `spec` at batch `spec.batch`, fused (conv + bias + relu) or not.
func benchConvOps(_ spec: CNNSpec, rounds: Int, fused: Bool) -> [ConvOpResult] {
  var rng = SeededRandom(seed: 1)
  var out: [ConvOpResult] = []
  let n = spec.batch
  for (i, (b, s)) in zip(spec.blocks, spec.geometry.blocks).enumerated() {
    // The first layer's input is data (no gradient); later ones are activations.
    let x = Variable(rng.uniformTensor([n, s.h, s.w, s.c], 0, 1), requiresGrad: i > 0)
    let k = Variable(rng.uniformTensor([b.kernel, b.kernel, s.c, b.filters], -0.3, 0.3), requiresGrad: true)
    let bias = Variable(rng.uniformTensor([b.filters], -0.1, 0.1), requiresGrad: true)
    let macs = n * s.ho * s.wo * b.kernel * b.kernel * s.c * b.filters
    let yShape = [n, s.ho, s.wo, b.filters]
    let conv = timeOp("conv\(i + 1) \(s.h)×\(s.w)×\(s.c)→\(b.filters)\(fused ? " +relu" : "")",
                      rounds: rounds, macs: (macs, i > 0 ? 2 * macs : macs), seedShape: yShape,
                      params: [x, k, bias]) {
      fused ? conv2d(x, kernel: k, bias: bias, padding: b.padding, activation: .relu)
            : conv2d(x, kernel: k, bias: bias, stride: 1, padding: b.padding)
    }
    let (rows, patch, f) = (n * s.ho * s.wo, b.kernel * b.kernel * s.c, b.filters)
    var withRaw = conv
    let fwdRaw = rawGemmMillis(m: rows, n: f, k: patch, transA: false, transB: false, rounds: rounds)
    var bwdRaw = rawGemmMillis(m: patch, n: f, k: rows, transA: true, transB: false, rounds: rounds)
    if i > 0 { bwdRaw += rawGemmMillis(m: rows, n: patch, k: f, transA: false, transB: true, rounds: rounds) }
    withRaw.rawGemmMillis = (fwdRaw, bwdRaw)
    out.append(withRaw)
    let z = Variable(rng.uniformTensor(yShape, -1, 1), requiresGrad: true)
    if !fused {
      out.append(timeOp("relu\(i + 1)", rounds: rounds, macs: (0, 0), seedShape: yShape,
                        params: [z]) { z.relu() })
    }
    out.append(timeOp("maxpool\(i + 1) \(s.ho)×\(s.wo)×\(b.filters)", rounds: rounds, macs: (0, 0),
                      seedShape: [n, s.ho / 2, s.wo / 2, b.filters], params: [z]) {
      pool2d(z, kind: .max, size: 2)
    })
  }
  return out
}
