/// Broadcasting (NumPy rules) and the strided walk shared by broadcasting ops and reductions.
public enum Broadcast {
  /// The broadcast shape of `a` and `b`, or nil when they are incompatible.
  public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
    if a == b { return a }  // the common cases, without allocating: equal shapes, and a
    if b.count <= a.count && isSuffix(b, of: a) { return a }  // bias-like operand (its
    if a.count < b.count && isSuffix(a, of: b) { return b }   // leading 1s ignored)
    let r = Swift.max(a.count, b.count)
    var out = [Int](repeating: 1, count: r)
    for i in 0..<r {
      let da = i < r - a.count ? 1 : a[i - (r - a.count)]
      let db = i < r - b.count ? 1 : b[i - (r - b.count)]
      if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
    }
    return out
  }

  /// Strides that read an array of `shape` as if it had `target` shape (0 on broadcast axes).
  public static func strides(of shape: [Int], broadcastTo target: [Int]) -> [Int] {
    let own = Tensor.strides(of: shape)
    let off = target.count - shape.count
    var s = [Int](repeating: 0, count: target.count)
    for i in 0..<shape.count where shape[i] != 1 || target[i + off] == 1 {
      s[i + off] = shape[i] == 1 ? 0 : own[i]
    }
    return s
  }

  /// Calls `body(i, offA, offB)` for every element `i` of `shape` in row-major order, where
  /// the offsets advance by `sa` and `sb`. An odometer over the outer axes, a tight inner loop.
  @inlinable
  public static func walk(_ shape: [Int], _ sa: [Int], _ sb: [Int],
                          _ body: (Int, Int, Int) -> Void) {
    let r = shape.count
    if r == 0 { body(0, 0, 0); return }
    let n = shape.reduce(1, *)
    if n == 0 { return }
    let inner = shape[r - 1], ia = sa[r - 1], ib = sb[r - 1]
    var idx = [Int](repeating: 0, count: r)
    var oa = 0, ob = 0, i = 0
    while i < n {
      var a = oa, b = ob
      for _ in 0..<inner { body(i, a, b); a += ia; b += ib; i += 1 }
      // advance the odometer over axes r-2 … 0
      var ax = r - 2
      while ax >= 0 {
        idx[ax] += 1; oa += sa[ax]; ob += sb[ax]
        if idx[ax] < shape[ax] { break }
        oa -= sa[ax] * shape[ax]; ob -= sb[ax] * shape[ax]; idx[ax] = 0
        ax -= 1
      }
    }
  }

  /// Sums `g` (of a broadcast shape) down to `shape`: the gradient of broadcasting.
  public static func reduce(_ g: Tensor, to shape: [Int]) -> Tensor {
    if g.shape == shape { return g }
    var out = Tensor.zeros(shape)
    if out.count == 1 {
      var s: Float = 0
      g.data.withUnsafeBufferPointer { p in for v in p { s += v } }
      out.data[0] = s
      return out
    }
    if out.count > 0 && isSuffix(shape, of: g.shape) {
      // A bias's gradient: sum the rows of g (same order of additions as the walk below).
      let m = out.count
      out.data.withUnsafeMutableBufferPointer { o in
        g.data.withUnsafeBufferPointer { gp in
          var i = 0
          while i < gp.count { for j in 0..<m { o[j] += gp[i + j] }; i += m }
        }
      }
      return out
    }
    let so = strides(of: shape, broadcastTo: g.shape)
    let sg = Tensor.strides(of: g.shape)
    out.data.withUnsafeMutableBufferPointer { o in
      g.data.withUnsafeBufferPointer { gp in
        walk(g.shape, sg, so) { _, ig, io in o[io] += gp[ig] }
      }
    }
    return out
  }

  /// `a op b` elementwise with broadcasting; fast paths for equal shapes and a scalar side.
  @inlinable
  public static func apply(_ a: Tensor, _ b: Tensor, _ outShape: [Int],
                           _ f: (Float, Float) -> Float) -> Tensor {
    var out = Tensor.uninitialized(outShape)  // every branch below writes every element
    out.data.withUnsafeMutableBufferPointer { o in
      a.data.withUnsafeBufferPointer { pa in
        b.data.withUnsafeBufferPointer { pb in
          if a.count == o.count && b.count == o.count {
            for i in 0..<o.count { o[i] = f(pa[i], pb[i]) }
          } else if b.count == 1 && a.count == o.count {
            let s = pb[0]; for i in 0..<o.count { o[i] = f(pa[i], s) }
          } else if a.count == 1 && b.count == o.count {
            let s = pa[0]; for i in 0..<o.count { o[i] = f(s, pb[i]) }
          } else if a.count == o.count && b.count > 0 && isSuffix(b.shape, of: outShape) {
            let m = b.count
            var i = 0
            while i < o.count { for j in 0..<m { o[i + j] = f(pa[i + j], pb[j]) }; i += m }
          } else {
            let sa = strides(of: a.shape, broadcastTo: outShape)
            let sb = strides(of: b.shape, broadcastTo: outShape)
            walk(outShape, sa, sb) { i, ia, ib in o[i] = f(pa[ia], pb[ib]) }
          }
        }
      }
    }
    return out
  }

  /// Whether `s` equals the trailing axes of `full` (ignoring leading 1s of `s`).
  @inlinable
  public static func isSuffix(_ s: [Int], of full: [Int]) -> Bool {
    var start = 0
    while start < s.count - 1 && s[start] == 1 { start += 1 }
    let n = s.count - start
    guard n <= full.count else { return false }
    let off = full.count - n
    for i in 0..<n where s[start + i] != full[off + i] { return false }
    return true
  }
}
