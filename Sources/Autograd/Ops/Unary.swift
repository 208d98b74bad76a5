#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementwise unary math: forward and backward side by side.
//   y = x^p           : dx = dy · p · x^(p−1)
//   y = √x            : dx = dy / (2y)
//   y = eˣ            : dx = dy · y
//   y = ln x          : dx = dy / x
//   y = |x|           : dx = dy · sign(x)               (0 at x = 0)
//   y = clamp(x,lo,hi): dx = dy · [lo ≤ x ≤ hi]          (PyTorch: boundaries pass the gradient)
// NaN inputs propagate to NaN outputs.

/// `f(a[i], b[i])` for every element; `a` and `b` hold the same number of elements, the
/// result has `a`'s shape. The elementwise kernel shared by the backward rules of the math ops.
@inline(__always)
func zipMap(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
  precondition(a.count == b.count, "zipMap: \(a.shape) vs \(b.shape)")
  var out = a
  out.data.withUnsafeMutableBufferPointer { o in
    b.data.withUnsafeBufferPointer { pb in
      for i in 0..<o.count { o[i] = f(o[i], pb[i]) }
    }
  }
  return out
}

/// `f(a[i], b[i], c[i])` for every element (same element counts), in `a`'s shape.
@inline(__always)
func zipMap3(_ a: Tensor, _ b: Tensor, _ c: Tensor,
             _ f: (Float, Float, Float) -> Float) -> Tensor {
  precondition(a.count == b.count && a.count == c.count, "zipMap3: \(a.shape), \(b.shape), \(c.shape)")
  var out = a
  out.data.withUnsafeMutableBufferPointer { o in
    b.data.withUnsafeBufferPointer { pb in
      c.data.withUnsafeBufferPointer { pc in
        for i in 0..<o.count { o[i] = f(o[i], pb[i], pc[i]) }
      }
    }
  }
  return out
}

extension Variable {
  /// x raised to the power `p`, elementwise (for non-integer `p`, x must be positive).
  public func pow(_ p: Float) -> Variable {
    let x = value
    let y: Tensor
    if p == 2 { y = x.map { $0 * $0 } }
    else if p == 1 { y = x }
    else { y = x.map { powf($0, p) } }
    return Variable.result(y, .pow, self) { dy in
      let dx: Tensor
      if p == 2 { dx = zipMap(dy, x) { g, v in 2 * v * g } }
      else if p == 1 { dx = dy }
      else if p == 0 { dx = Tensor.zeros(x.shape) }
      else { let q = p - 1; dx = zipMap(dy, x) { g, v in g * p * powf(v, q) } }
      self.accumulate(dx)
    }
  }

  /// Square root, elementwise.
  public func sqrt() -> Variable {
    let y = value.map { sqrtf($0) }
    return Variable.result(y, .sqrt, self) { dy in
      self.accumulate(zipMap(dy, y) { g, s in g / (2 * s) })
    }
  }

  /// eˣ, elementwise.
  public func exp() -> Variable {
    let y = value.map { expf($0) }
    return Variable.result(y, .exp, self) { dy in
      self.accumulate(zipMap(dy, y) { g, e in g * e })
    }
  }

  /// Natural logarithm, elementwise.
  public func log() -> Variable {
    let x = value
    let y = x.map { logf($0) }
    return Variable.result(y, .log, self) { dy in
      self.accumulate(zipMap(dy, x) { g, v in g / v })
    }
  }

  /// |x|, elementwise; the gradient at 0 is 0.
  public func abs() -> Variable {
    let x = value
    let y = x.map { fabsf($0) }
    return Variable.result(y, .abs, self) { dy in
      self.accumulate(zipMap(dy, x) { g, v in v > 0 ? g : (v < 0 ? -g : 0) })
    }
  }

  /// Each element limited to [lo, hi]; the gradient passes where lo ≤ x ≤ hi (as PyTorch).
  public func clamp(_ lo: Float, _ hi: Float) -> Variable {
    precondition(lo <= hi, "clamp: lower bound \(lo) exceeds upper bound \(hi)")
    let x = value
    let y = x.map { $0 < lo ? lo : ($0 > hi ? hi : $0) }
    return Variable.result(y, .clamp, self) { dy in
      self.accumulate(zipMap(dy, x) { g, v in v >= lo && v <= hi ? g : 0 })
    }
  }
}
