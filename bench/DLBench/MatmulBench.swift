import Autograd
import COpenBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Engine matmul forward + backward against three raw cblas_sgemm calls of the same shapes.
struct MatmulResult {
  let n: Int
  let engineGFLOPs: Double
  let rawGFLOPs: Double
  /// Median over rounds of engine/raw time ratios of adjacent samples (robust to drifting load).
  let ratio: Double
  /// Minor page faults per engine step (fresh buffers handed back by the allocator).
  let faultsPerStep: Double
}

/// Minor page faults of this process so far.
func minorFaults() -> Int {
  var u = rusage()
  getrusage(RUSAGE_SELF.rawValue, &u)
  return Int(u.ru_minflt)
}

/// One training-like step through the engine: C = A·B recorded on the tape, then backward
/// with dC given, writing dA = dC·Bᵀ and dB = Aᵀ·dC. Gradients are cleared as an optimizer
/// would after its update.
func engineMatmulStep(_ a: Variable, _ b: Variable, _ seed: Tensor) {
  let c = matmul(a, b)
  Tape.current.backward(from: c, seed: seed)
  a.zeroGrad()
  b.zeroGrad()
}

/// The same work as raw sgemm into preallocated buffers: C = A·B, dA = dC·Bᵀ, dB = Aᵀ·dC.
func rawMatmulStep(n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                   dc: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                   da: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>) {
  let ni = Int32(n)
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ni, ni, ni, 1, a, ni, b, ni, 0, c, ni)
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ni, ni, ni, 1, dc, ni, b, ni, 0, da, ni)
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ni, ni, ni, 1, a, ni, dc, ni, 0, db, ni)
}

/// Interleaves engine and raw measurements: `rounds` times, one engine sample then one raw
/// sample (alternating which goes first), each sample `reps` steps. Medians of both, and the
/// median of the per-round ratios.
func benchMatmul(n: Int, rounds: Int, reps: Int) -> MatmulResult {
  var rng = SeededRandom(seed: UInt64(n))
  let at = rng.uniformTensor([n, n], -1, 1)
  let bt = rng.uniformTensor([n, n], -1, 1)
  let seed = rng.uniformTensor([n, n], -1, 1)
  let a = Variable(at, requiresGrad: true)
  let b = Variable(bt, requiresGrad: true)

  let count = n * n
  let c = UnsafeMutablePointer<Float>.allocate(capacity: count)
  let da = UnsafeMutablePointer<Float>.allocate(capacity: count)
  let db = UnsafeMutablePointer<Float>.allocate(capacity: count)
  defer { c.deallocate(); da.deallocate(); db.deallocate() }

  let flops = 6 * Double(n) * Double(n) * Double(n)
  var engine: [Double] = [], raw: [Double] = [], faults: [Double] = []
  at.data.withUnsafeBufferPointer { pa in
    bt.data.withUnsafeBufferPointer { pb in
      seed.data.withUnsafeBufferPointer { pdc in
        let runRaw = {
          raw.append(seconds {
            for _ in 0..<reps {
              rawMatmulStep(n: n, a: pa.baseAddress!, b: pb.baseAddress!,
                            dc: pdc.baseAddress!, c: c, da: da, db: db)
            }
          } / Double(reps))
        }
        let runEngine = {
          let f0 = minorFaults()
          engine.append(seconds { for _ in 0..<reps { engineMatmulStep(a, b, seed) } }
                        / Double(reps))
          faults.append(Double(minorFaults() - f0) / Double(reps))
        }
        // Warm-up: thread pool, page faults, allocator.
        runRaw(); runEngine()
        engine.removeAll(); raw.removeAll(); faults.removeAll()
        for r in 0..<rounds {
          if r % 2 == 0 { runEngine(); runRaw() } else { runRaw(); runEngine() }
        }
      }
    }
  }
  let ratios = zip(engine, raw).map { $1 / $0 }
  return MatmulResult(n: n, engineGFLOPs: flops / median(engine) / 1e9,
                      rawGFLOPs: flops / median(raw) / 1e9, ratio: median(ratios),
                      faultsPerStep: median(faults))
}
