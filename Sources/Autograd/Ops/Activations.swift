#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Activations: forward and backward side by side. Softmax and log-softmax act on the last
// axis ("rows"), each row shifted by its maximum so exp never overflows.
//   y = relu(x)          : dx = dy · [x > 0]
//   y = leakyRelu(x, α)  : dx = dy · (x > 0 ? 1 : α)
//   y = σ(x)             : dx = dy · y · (1 − y)          σ(x) = 1/(1+e⁻ˣ) for x ≥ 0, eˣ/(1+eˣ) else
//   y = tanh(x)          : dx = dy · (1 − y²)
//   y = softmax(x)       : dx = y · (dy − Σⱼ dyⱼ·yⱼ)       (per row)
//   y = logSoftmax(x)    : dx = dy − softmax(x) · Σⱼ dyⱼ   (per row); y = x − max − ln Σ e^(x−max)

extension Variable {
  /// max(x, 0).
  public func relu() -> Variable {
    let x = value
    let y = x.map { $0 > 0 ? $0 : 0 }
    return Variable.result(y, .relu, self) { dy in
      // dx = dy where x > 0, else 0: a select per element into a fresh buffer (no copy of
      // dy first, no branch on the sign).
      var dx = Tensor.uninitialized(dy.shape)
      dx.data.withUnsafeMutableBufferPointer { d in
        dy.data.withUnsafeBufferPointer { g in
          x.data.withUnsafeBufferPointer { xp in
            // Both loads before the select: a load under the condition would keep LLVM from
            // vectorising the loop (it compiled to a branch per element, mispredicted half
            // the time on random signs: 4% of a wide MLP's step).
            for i in 0..<Swift.min(d.count, g.count, xp.count) {
              let gv = g[i], xv = xp[i]
              d[i] = xv > 0 ? gv : 0
            }
          }
        }
      }
      self.accumulate(dx)
    }
  }

  /// x for x > 0, α·x otherwise (Keras' default α = 0.3).
  public func leakyRelu(alpha: Float = 0.3) -> Variable {
    let x = value
    let y = x.map { $0 > 0 ? $0 : alpha * $0 }
    return Variable.result(y, .leakyRelu, self) { dy in
      self.accumulate(zipMap(dy, x) { g, v in v > 0 ? g : alpha * g })
    }
  }

  /// The logistic function 1 / (1 + e⁻ˣ), stable for large |x|.
  public func sigmoid() -> Variable {
    let y = value.sigmoid()
    return Variable.result(y, .sigmoid, self) { dy in
      self.accumulate(zipMap(dy, y) { g, s in g * s * (1 - s) })
    }
  }

  /// Hyperbolic tangent.
  public func tanh() -> Variable {
    let y = value.map { tanhf($0) }
    return Variable.result(y, .tanh, self) { dy in
      self.accumulate(zipMap(dy, y) { g, t in g * (1 - t * t) })
    }
  }

  /// Softmax over the last axis.
  public func softmax() -> Variable {
    let y = value.softmaxRows()
    let cols = y.shape.last ?? 1
    return Variable.result(y, .softmax, self) { dy in
      var dx = dy
      dx.data.withUnsafeMutableBufferPointer { d in
        y.data.withUnsafeBufferPointer { p in
          var r = 0
          while r < d.count {
            var dot: Float = 0
            for j in r..<(r + cols) { dot += d[j] * p[j] }
            for j in r..<(r + cols) { d[j] = p[j] * (d[j] - dot) }
            r += cols
          }
        }
      }
      self.accumulate(dx)
    }
  }

  /// Log of the softmax over the last axis.
  public func logSoftmax() -> Variable {
    let x = value
    precondition(x.rank >= 1, "logSoftmax: needs at least one axis, got a scalar")
    let cols = x.shape[x.rank - 1]
    var y = x
    y.data.withUnsafeMutableBufferPointer { o in
      var r = 0
      while r < o.count {
        var m = -Float.infinity
        for j in r..<(r + cols) where o[j] > m { m = o[j] }
        var s: Float = 0
        for j in r..<(r + cols) { s += expf(o[j] - m) }
        let ls = logf(s)
        for j in r..<(r + cols) { o[j] = (o[j] - m) - ls }  // not x − (m + ln s): keeps precision
        r += cols
      }
    }
    return Variable.result(y, .logSoftmax, self) { dy in
      var dx = dy
      dx.data.withUnsafeMutableBufferPointer { d in
        y.data.withUnsafeBufferPointer { ly in
          var r = 0
          while r < d.count {
            var s: Float = 0
            for j in r..<(r + cols) { s += d[j] }
            for j in r..<(r + cols) { d[j] -= expf(ly[j]) * s }
            r += cols
          }
        }
      }
      self.accumulate(dx)
    }
  }
}

// Plain tensor helpers for inference and metrics (no tape).
extension Tensor {
  /// Softmax over the last axis, each row shifted by its maximum.
  public func softmaxRows() -> Tensor {
    precondition(rank >= 1, "softmaxRows: needs at least one axis, got a scalar")
    let cols = shape[rank - 1]
    var y = self
    y.data.withUnsafeMutableBufferPointer { o in
      var r = 0
      while r < o.count {
        var m = -Float.infinity
        for j in r..<(r + cols) where o[j] > m { m = o[j] }
        var s: Float = 0
        for j in r..<(r + cols) { let e = expf(o[j] - m); o[j] = e; s += e }
        let inv = 1 / s
        for j in r..<(r + cols) { o[j] *= inv }
        r += cols
      }
    }
    return y
  }

  /// Index of the (first) largest element of each row of the last axis: one entry per row.
  public func argmaxRows() -> [Int] {
    precondition(rank >= 1, "argmaxRows: needs at least one axis, got a scalar")
    let cols = shape[rank - 1]
    guard cols > 0 else { return [] }
    let rows = count / cols
    var out = [Int](repeating: 0, count: rows)
    data.withUnsafeBufferPointer { p in
      out.withUnsafeMutableBufferPointer { o in
        for r in 0..<rows {
          let base = r * cols
          var best = 0, m = p[base]
          for j in 1..<cols where p[base + j] > m || (m.isNaN && !p[base + j].isNaN) {
            m = p[base + j]; best = j
          }
          o[r] = best
        }
      }
    }
    return out
  }

  /// The logistic function, elementwise, in the two-branch form that never overflows.
  public func sigmoid() -> Tensor {
    map { v in
      if v >= 0 { return 1 / (1 + expf(-v)) }
      let e = expf(v)
      return e / (1 + e)
    }
  }
}
