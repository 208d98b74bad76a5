#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd

/// A metric resolved against the model's output and targets (Keras' choice of accuracy).
enum MetricKind {
  case binaryAccuracy, sparseAccuracy, categoricalAccuracy, mae, mse
}

/// Accumulates per-sample metric values of batches without allocating.
struct MetricEvaluator {
  let kinds: [MetricKind]
  /// Set when outputs are pre-activation logits (fused loss): the activation to apply.
  let logits: Activation?
  private var scratch: [Float]

  init(kinds: [MetricKind], logits: Activation?, width: Int) {
    self.kinds = kinds
    self.logits = logits
    scratch = [Float](repeating: 0, count: Swift.max(width, 1))
  }

  /// Adds, for each metric k, the sum over the batch's samples of its per-sample value into
  /// `sums[offset + k]`. `out` is (rows, width…); `y` holds labels (rows,) for the sparse
  /// accuracy, the output's shape otherwise.
  mutating func accumulate(_ out: Tensor, _ y: Tensor, rows: Int, into sums: inout [Double],
                           at offset: Int) {
    if kinds.isEmpty || rows == 0 { return }
    let width = out.count / rows
    let kinds = self.kinds, logits = self.logits
    scratch.withUnsafeMutableBufferPointer { sp in
      out.data.withUnsafeBufferPointer { op in
        y.data.withUnsafeBufferPointer { yp in
          let scratchBase = sp.baseAddress!
          for r in 0..<rows {
            let raw = op.baseAddress! + r * width
            // The row as the model's final output (probabilities when fused).
            let p: UnsafePointer<Float>
            switch logits {
            case .some(.sigmoid):
              for j in 0..<width { scratchBase[j] = 1 / (1 + expf(-raw[j])) }
              p = UnsafePointer(scratchBase)
            case .some(.softmax):
              var mx = -Float.infinity
              for j in 0..<width { mx = Swift.max(mx, raw[j]) }
              var s: Float = 0
              for j in 0..<width { let e = expf(raw[j] - mx); scratchBase[j] = e; s += e }
              for j in 0..<width { scratchBase[j] /= s }
              p = UnsafePointer(scratchBase)
            default: p = raw
            }
            for (k, kind) in kinds.enumerated() {
              var v = 0.0
              switch kind {
              case .binaryAccuracy:
                let t = yp.baseAddress! + r * width
                var hits = 0
                for j in 0..<width where (p[j] > 0.5 ? Float(1) : 0) == t[j] { hits += 1 }
                v = Double(hits) / Double(width)
              case .sparseAccuracy:
                v = argmax(p, width) == Int(yp[r]) ? 1 : 0
              case .categoricalAccuracy:
                v = argmax(p, width) == argmax(yp.baseAddress! + r * width, width) ? 1 : 0
              case .mae, .mse:
                let t = yp.baseAddress! + r * width
                var s: Float = 0
                if kind == .mae { for j in 0..<width { s += Swift.abs(p[j] - t[j]) } }
                else { for j in 0..<width { let d = p[j] - t[j]; s += d * d } }
                v = Double(s) / Double(width)
              }
              sums[offset + k] += v
            }
          }
        }
      }
    }
  }
}

/// Index of the first maximum of `n` values.
@inline(__always)
func argmax(_ p: UnsafePointer<Float>, _ n: Int) -> Int {
  var best = 0
  for j in 1..<Swift.max(n, 1) where p[j] > p[best] { best = j }
  return best
}
