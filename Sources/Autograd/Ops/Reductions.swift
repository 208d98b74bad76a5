// Reductions over axes: forward and backward side by side. `axes: nil` reduces every axis;
// negative axes count from the end; `keepDims` keeps reduced axes with extent 1. Sums
// accumulate in Double.
//   y = Σ_axes x          : dx = dy broadcast back over the reduced axes
//   y = mean_axes x       : dx = dy / n broadcast back   (n = elements per reduced slice)
//   y = max_axes x        : dx[argmax] = dy, 0 elsewhere (the first arg-max of each slice, in
//                           row-major order, saved by the forward pass)

/// How an input shape maps onto a reduction's output.
@usableFromInline
struct ReductionGeometry {
  /// The input's shape.
  var inShape: [Int]
  /// The result's shape (reduced axes dropped, or kept as 1 with `keepDims`).
  var outShape: [Int]
  /// Strides that read the output as if it had the input's shape (0 on reduced axes).
  var outStrides: [Int]
  /// Row-major strides of the input.
  var inStrides: [Int]
  /// Elements of the output.
  var outCount: Int
  /// Elements reduced into each output element.
  var sliceCount: Int
  /// Whether every axis is reduced (one output element, no index walk needed).
  var all: Bool

  init(_ shape: [Int], axes: [Int]?, keepDims: Bool, op: String) {
    let r = shape.count
    var reduced = [Bool](repeating: axes == nil, count: r)
    if let axes {
      for a in axes {
        let ax = a < 0 ? a + r : a
        precondition(ax >= 0 && ax < r, "\(op): axis \(a) is out of range for shape \(shape)")
        precondition(!reduced[ax], "\(op): axis \(a) is repeated in \(axes)")
        reduced[ax] = true
      }
    }
    var kept = shape, out: [Int] = []
    var slice = 1
    for i in 0..<r {
      if reduced[i] { kept[i] = 1; slice *= shape[i]; if keepDims { out.append(1) } }
      else { out.append(shape[i]) }
    }
    inShape = shape
    outShape = out
    inStrides = Tensor.strides(of: shape)
    outStrides = Broadcast.strides(of: kept, broadcastTo: shape)
    outCount = kept.reduce(1, *)
    sliceCount = slice
    all = !reduced.contains(false)
  }

  /// Calls `body(inputIndex, outputIndex)` for every input element, in row-major order.
  @inline(__always)
  func forEach(_ body: (Int, Int) -> Void) {
    if all {
      for i in 0..<(outCount * sliceCount) { body(i, 0) }
    } else {
      Broadcast.walk(inShape, inStrides, outStrides) { i, _, o in body(i, o) }
    }
  }

  /// `dy` (one element per output) spread back over the input shape, times `scale`.
  func broadcastBack(_ dy: Tensor, scale: Float) -> Tensor {
    var dx = Tensor.zeros(inShape)
    dx.data.withUnsafeMutableBufferPointer { d in
      dy.data.withUnsafeBufferPointer { g in
        forEach { i, o in d[i] = g[o] * scale }
      }
    }
    return dx
  }

  /// The sums of `x` over the reduced axes, accumulated in Double, times `scale`.
  func sums(_ x: Tensor, scale: Double) -> Tensor {
    var acc = [Double](repeating: 0, count: outCount)
    acc.withUnsafeMutableBufferPointer { a in
      x.data.withUnsafeBufferPointer { p in
        forEach { i, o in a[o] += Double(p[i]) }
      }
    }
    var y = Tensor.zeros(outShape)
    y.data.withUnsafeMutableBufferPointer { o in
      acc.withUnsafeBufferPointer { a in
        for i in 0..<o.count { o[i] = Float(a[i] * scale) }
      }
    }
    return y
  }
}

extension Variable {
  /// The sum over `axes` (all axes when nil).
  public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Variable {
    let geo = ReductionGeometry(shape, axes: axes, keepDims: keepDims, op: "sum")
    let y = geo.sums(value, scale: 1)
    return Variable.result(y, .sum, self) { dy in
      self.accumulate(geo.broadcastBack(dy, scale: 1))
    }
  }

  /// The mean over `axes` (all axes when nil); NaN for an empty slice.
  public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Variable {
    let geo = ReductionGeometry(shape, axes: axes, keepDims: keepDims, op: "mean")
    let n = geo.sliceCount
    let y = geo.sums(value, scale: n == 0 ? .nan : 1 / Double(n))
    return Variable.result(y, .mean, self) { dy in
      self.accumulate(geo.broadcastBack(dy, scale: 1 / Float(n)))
    }
  }

  /// The maximum over `axes` (all axes when nil). The gradient goes to the first arg-max of
  /// each reduced slice; a NaN in a slice makes its maximum NaN.
  public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Variable {
    let geo = ReductionGeometry(shape, axes: axes, keepDims: keepDims, op: "max")
    precondition(geo.sliceCount > 0 || geo.outCount == 0,
                 "max: cannot reduce an empty axis of shape \(shape)")
    var y = Tensor(repeating: -.infinity, shape: geo.outShape)
    var arg = [Int](repeating: -1, count: geo.outCount)
    y.data.withUnsafeMutableBufferPointer { m in
      arg.withUnsafeMutableBufferPointer { a in
        value.data.withUnsafeBufferPointer { p in
          geo.forEach { i, o in
            let v = p[i]
            // Strictly greater keeps the first arg-max; a NaN wins once and then stays.
            if a[o] < 0 || v > m[o] || (v.isNaN && !m[o].isNaN) { m[o] = v; a[o] = i }
          }
        }
      }
    }
    return Variable.result(y, .max, self) { dy in
      var dx = Tensor.zeros(geo.inShape)
      dx.data.withUnsafeMutableBufferPointer { d in
        dy.data.withUnsafeBufferPointer { g in
          arg.withUnsafeBufferPointer { a in
            for o in 0..<a.count { d[a[o]] += g[o] }
          }
        }
      }
      self.accumulate(dx)
    }
  }
}
