// Shape ops: forward and backward side by side. None of them computes anything; each moves
// elements, and its backward moves the gradient back (adding into the input's gradient).
//   y = reshape(x, s)          : dx = reshape(dy, x.shape)
//   y = permute(x, p)          : dx = permute(dy, p⁻¹)        (y[i] = x[i∘p], so dx[i∘p] += dy[i])
//   y = transpose(x)           : permute with p = [1, 0]
//   y = slice(x, axis, r)      : dx[…, r, …] += dy             (zero outside r)
//   y = pad(x, pads)           : dx += dy[interior]           (the padding gets no gradient)
//   y = concat(x₁…xₖ, axis)    : dxⱼ += dy[block j along axis]
//   y = stack(x₁…xₖ, axis)     : dxⱼ += dy[index j of the new axis]

extension Variable {
  /// Runs `body` on this variable's gradient buffer (zeros when there is none yet), keeping the
  /// buffer uniquely referenced so the in-place additions never copy.
  func addIntoGrad(_ body: (UnsafeMutablePointer<Float>) -> Void) {
    guard requiresGrad else { return }
    var g = grad ?? Tensor.zeros(shape)
    grad = nil
    g.data.withUnsafeMutableBufferPointer { p in body(p.baseAddress ?? emptyStorage) }
    grad = g
  }
}

/// `axis` in -rank..<rank as an index in 0..<rank.
func normalizedAxis(_ axis: Int, rank: Int, _ name: String) -> Int {
  let a = axis < 0 ? axis + rank : axis
  precondition(a >= 0 && a < rank, "\(name): axis \(axis) out of range for rank \(rank)")
  return a
}

/// Product of `shape[range]`.
@inline(__always)
func extent(_ shape: [Int], _ range: Range<Int>) -> Int {
  var p = 1
  for i in range { p *= shape[i] }
  return p
}

extension Variable {
  /// The same elements under `shape` (same element count; one axis may be -1, inferred).
  public func reshaped(_ shape: [Int]) -> Variable {
    var target = shape
    let inferred = shape.indices.filter { shape[$0] == -1 }
    precondition(inferred.count <= 1, "reshape: at most one -1 allowed in \(shape)")
    precondition(shape.allSatisfy { $0 >= -1 }, "reshape: negative extent in \(shape)")
    let n = value.count
    if let i = inferred.first {
      var known = 1
      for (j, d) in shape.enumerated() where j != i { known *= d }
      precondition(known > 0 && n % known == 0,
                   "reshape: cannot reshape \(self.shape) to \(shape)")
      target[i] = n / known
    }
    precondition(target.reduce(1, *) == n, "reshape: cannot reshape \(self.shape) to \(shape)")
    let xShape = self.shape
    let y = Tensor(shape: target, data: value.data)  // shares storage (copy-on-write)
    return Variable.result(y, .reshape, self) { dy in
      self.accumulate(Tensor(shape: xShape, data: dy.data))
    }
  }

  /// Axes reordered: output axis i is input axis `perm[i]`.
  public func permuted(_ perm: [Int]) -> Variable {
    let r = shape.count
    precondition(perm.count == r && Set(perm) == Set(0..<r),
                 "permute: \(perm) is not a permutation of the \(r) axes")
    let xShape = shape
    let outShape = perm.map { xShape[$0] }
    let xs = Tensor.strides(of: xShape)
    let src = perm.map { xs[$0] }  // input offset step per output axis
    if perm == Array(0..<r) {
      return Variable.result(value, .permute, self) { dy in self.accumulate(dy) }
    }
    var y = Tensor.zeros(outShape)
    value.data.withUnsafeBufferPointer { xp in
      y.data.withUnsafeMutableBufferPointer { yp in
        Broadcast.walk(outShape, src, src) { i, a, _ in yp[i] = xp[a] }
      }
    }
    return Variable.result(y, .permute, self) { dy in
      dy.data.withUnsafeBufferPointer { gp in
        self.addIntoGrad { dx in
          Broadcast.walk(outShape, src, src) { i, a, _ in dx[a] += gp[i] }
        }
      }
    }
  }

  /// The transpose of a matrix: `permuted([1, 0])`.
  public func transposed() -> Variable {
    precondition(shape.count == 2, "transposed: expects a 2-D variable, got \(shape)")
    return permuted([1, 0])
  }

  /// Elements `range` along `axis` (negative axes count from the end).
  public func slice(axis: Int, _ range: Range<Int>) -> Variable {
    let ax = normalizedAxis(axis, rank: shape.count, "slice")
    let xShape = shape
    precondition(range.lowerBound >= 0 && range.upperBound <= xShape[ax],
                 "slice: range \(range) out of bounds for axis \(ax) of \(xShape)")
    let outer = extent(xShape, 0..<ax), inner = extent(xShape, (ax + 1)..<xShape.count)
    let block = range.count * inner, xBlock = xShape[ax] * inner, start = range.lowerBound * inner
    var outShape = xShape
    outShape[ax] = range.count
    var y = Tensor.zeros(outShape)
    value.data.withUnsafeBufferPointer { xp in
      y.data.withUnsafeMutableBufferPointer { yp in
        for o in 0..<outer {
          let s = o * xBlock + start, d = o * block
          for j in 0..<block { yp[d + j] = xp[s + j] }
        }
      }
    }
    return Variable.result(y, .slice, self) { dy in
      dy.data.withUnsafeBufferPointer { gp in
        self.addIntoGrad { dx in
          for o in 0..<outer {
            let s = o * xBlock + start, d = o * block
            for j in 0..<block { dx[s + j] += gp[d + j] }
          }
        }
      }
    }
  }

  /// Zero padding: `pads[i]` elements before and after along axis i (one pair per axis).
  public func padded(_ pads: [(before: Int, after: Int)]) -> Variable {
    let xShape = shape
    precondition(pads.count == xShape.count,
                 "pad: \(pads.count) pairs of pads for a rank-\(xShape.count) variable")
    precondition(pads.allSatisfy { $0.before >= 0 && $0.after >= 0 }, "pad: negative padding")
    let outShape = xShape.indices.map { xShape[$0] + pads[$0].before + pads[$0].after }
    let os = Tensor.strides(of: outShape)
    var base = 0
    for i in xShape.indices { base += pads[i].before * os[i] }
    var y = Tensor.zeros(outShape)
    value.data.withUnsafeBufferPointer { xp in
      y.data.withUnsafeMutableBufferPointer { yp in
        Broadcast.walk(xShape, os, os) { i, a, _ in yp[base + a] = xp[i] }
      }
    }
    return Variable.result(y, .pad, self) { dy in
      dy.data.withUnsafeBufferPointer { gp in
        self.addIntoGrad { dx in
          Broadcast.walk(xShape, os, os) { i, a, _ in dx[i] += gp[base + a] }
        }
      }
    }
  }
}

/// Joins variables along an existing axis; all other extents must agree.
public func concat(_ xs: [Variable], axis: Int) -> Variable {
  precondition(!xs.isEmpty, "concat: no inputs")
  let first = xs[0].shape
  let ax = normalizedAxis(axis, rank: first.count, "concat")
  for v in xs {
    precondition(v.shape.count == first.count
                   && v.shape.indices.allSatisfy { $0 == ax || v.shape[$0] == first[$0] },
                 "concat: shapes \(xs.map(\.shape)) differ off axis \(ax)")
  }
  let outer = extent(first, 0..<ax), inner = extent(first, (ax + 1)..<first.count)
  let blocks = xs.map { $0.shape[ax] * inner }  // contiguous run of each input per outer index
  let outBlock = blocks.reduce(0, +)
  var outShape = first
  outShape[ax] = xs.reduce(0) { $0 + $1.shape[ax] }
  var y = Tensor.zeros(outShape)
  y.data.withUnsafeMutableBufferPointer { yp in
    var off = 0
    for (k, v) in xs.enumerated() {
      let b = blocks[k]
      v.value.data.withUnsafeBufferPointer { xp in
        for o in 0..<outer {
          let d = o * outBlock + off, s = o * b
          for j in 0..<b { yp[d + j] = xp[s + j] }
        }
      }
      off += b
    }
  }
  return Variable.result(y, .concat, inputs: xs) { dy in
    dy.data.withUnsafeBufferPointer { gp in
      var off = 0
      for (k, v) in xs.enumerated() {
        let b = blocks[k]
        v.addIntoGrad { dx in
          for o in 0..<outer {
            let s = o * outBlock + off, d = o * b
            for j in 0..<b { dx[d + j] += gp[s + j] }
          }
        }
        off += b
      }
    }
  }
}

/// Stacks same-shape variables along a new axis `axis` (0…rank).
public func stack(_ xs: [Variable], axis: Int) -> Variable {
  precondition(!xs.isEmpty, "stack: no inputs")
  let first = xs[0].shape
  precondition(xs.allSatisfy { $0.shape == first }, "stack: shapes \(xs.map(\.shape)) differ")
  let ax = axis < 0 ? axis + first.count + 1 : axis
  precondition(ax >= 0 && ax <= first.count, "stack: axis \(axis) out of range")
  let k = xs.count
  let outer = extent(first, 0..<ax), inner = extent(first, ax..<first.count)
  var outShape = first
  outShape.insert(k, at: ax)
  var y = Tensor.zeros(outShape)
  y.data.withUnsafeMutableBufferPointer { yp in
    for (j, v) in xs.enumerated() {
      v.value.data.withUnsafeBufferPointer { xp in
        for o in 0..<outer {
          let d = (o * k + j) * inner, s = o * inner
          for e in 0..<inner { yp[d + e] = xp[s + e] }
        }
      }
    }
  }
  return Variable.result(y, .stack, inputs: xs) { dy in
    dy.data.withUnsafeBufferPointer { gp in
      for (j, v) in xs.enumerated() {
        v.addIntoGrad { dx in
          for o in 0..<outer {
            let s = (o * k + j) * inner, d = o * inner
            for e in 0..<inner { dx[d + e] += gp[s + e] }
          }
        }
      }
    }
  }
}
