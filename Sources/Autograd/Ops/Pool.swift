// 2-D pooling (NHWC): forward and backward side by side. Windows cover only real input
// positions: with `same` padding the padded positions are ignored, never compared or counted.
//   y = max over window   : dx[argmax] += dy     (argmax saved as Int32 per output element;
//                                                 ties go to the first in row-major order)
//   y = min over window   : dx[argmin] += dy
//   y = mean over window  : dx[i] += dy / count  for every i in the window, where count is the
//                                                 number of valid (unpadded) positions
// The loops run on raw pointers, innermost over the C contiguous channels of one input
// position, branch-free (compare, then select value and index), so they vectorize.

/// The reduction a pooling window applies.
public enum PoolKind: String, Sendable { case max, min, average }

/// Pooling of `x` (N, H, W, C) over `size`×`size` windows moved by `stride` (default `size`):
/// the result is (N, Ho, Wo, C).
public func pool2d(_ x: Variable, kind: PoolKind, size: Int, stride: Int? = nil,
                   padding: Padding = .valid) -> Variable {
  precondition(x.shape.count == 4, "pool2d: input must be NHWC, got \(x.shape)")
  let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let s = stride ?? size
  let (ho, top) = windowGeometry(input: h, window: size, stride: s, padding: padding, "pool2d")
  let (wo, left) = windowGeometry(input: w, window: size, stride: s, padding: padding, "pool2d")
  let win = PoolWindows(n: n, h: h, w: w, c: c, size: size, stride: s, top: top, left: left,
                        ho: ho, wo: wo)
  var y = Tensor.uninitialized([n, ho, wo, c])  // every element written
  let xv = x.value

  switch kind {
  case .max, .min:
    precondition(xv.count <= Int(Int32.max), "pool2d: input too large for Int32 indices")
    let outputs = y.count
    var arg = [Int32](unsafeUninitializedCapacity: outputs) { _, count in count = outputs }
    xv.data.withUnsafeBufferPointer { xp in
      y.data.withUnsafeMutableBufferPointer { yp in
        arg.withUnsafeMutableBufferPointer { ap in
          guard let xb = xp.baseAddress, let yb = yp.baseAddress, let ab = ap.baseAddress else { return }
          BlockWorkers.split(samples: n, work: outputs) { range in
            if kind == .max { win.extremum(xb, yb, ab, Greater.self, samples: range) }
            else { win.extremum(xb, yb, ab, Less.self, samples: range) }
          }
        }
      }
    }
    return Variable.result(y, kind == .max ? .maxPool2d : .minPool2d, x) { dy in
      dy.data.withUnsafeBufferPointer { gp in
        arg.withUnsafeBufferPointer { ap in
          guard let gb = gp.baseAddress, let ab = ap.baseAddress else { return }
          if x.requiresGrad && x.grad == nil && s == size {
            // Disjoint windows: write the fresh gradient whole, no zero-fill first.
            var dx = Tensor.uninitialized(x.shape)
            dx.data.withUnsafeMutableBufferPointer { dp in
              guard let db = dp.baseAddress else { return }
              BlockWorkers.split(samples: n, work: xv.count) { range in
                win.routeDisjoint(gb, ab, db, samples: range)
              }
            }
            x.grad = dx
          } else {
            x.addIntoGrad { dx in
              for i in 0..<gp.count { dx[Int(ab[i])] += gb[i] }
            }
          }
        }
      }
    }
  case .average:
    xv.data.withUnsafeBufferPointer { xp in
      y.data.withUnsafeMutableBufferPointer { yp in
        guard let xb = xp.baseAddress, let yb = yp.baseAddress else { return }
        win.forEachWindow { o, y0, y1, x0, x1, b in
          let out = yb + o
          fillFloats(out, 0, c)
          for iy in y0..<y1 {
            for ix in x0..<x1 { addFloats(xb + ((b * h + iy) * w + ix) * c, out, c) }
          }
          let inv = 1 / Float((y1 - y0) * (x1 - x0))
          for j in 0..<c { out[j] *= inv }
        }
      }
    }
    return Variable.result(y, .avgPool2d, x) { dy in
      dy.data.withUnsafeBufferPointer { gp in
        guard let gb = gp.baseAddress else { return }
        x.addIntoGrad { dx in
          win.forEachWindow { o, y0, y1, x0, x1, b in
            let inv = 1 / Float((y1 - y0) * (x1 - x0))
            let g = gb + o
            for iy in y0..<y1 {
              for ix in x0..<x1 {
                let d = dx + ((b * h + iy) * w + ix) * c
                for j in 0..<c { d[j] += g[j] * inv }
              }
            }
          }
        }
      }
    }
  }
}

/// Which of two values a pooling keeps (generic parameter: each order gets its own loop).
protocol PoolOrder {
  static func better(_ a: Float, _ than: Float) -> Bool
  static func better8(_ a: SIMD8<Float>, _ than: SIMD8<Float>) -> SIMDMask<SIMD8<Int32>>
}
enum Greater: PoolOrder {
  @inline(__always) static func better(_ a: Float, _ b: Float) -> Bool { a > b }
  @inline(__always) static func better8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMDMask<SIMD8<Int32>> { a .> b }
}
enum Less: PoolOrder {
  @inline(__always) static func better(_ a: Float, _ b: Float) -> Bool { a < b }
  @inline(__always) static func better8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMDMask<SIMD8<Int32>> { a .< b }
}

/// Geometry of a pooling: walks the windows clipped to the input.
struct PoolWindows {
  var n, h, w, c, size, stride, top, left, ho, wo: Int

  /// Calls `body(outputOffset, y0, y1, x0, x1, batch)` for every output position, with the
  /// window's valid input rows y0..<y1 and columns x0..<x1 (never empty).
  @inline(__always)
  func forEachWindow(samples: Range<Int>? = nil, _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
    for b in samples ?? 0..<n {
      for oy in 0..<ho {
        let sy = oy * stride - top
        let y0 = Swift.max(sy, 0), y1 = Swift.min(sy + size, h)
        for ox in 0..<wo {
          let sx = ox * stride - left
          let x0 = Swift.max(sx, 0), x1 = Swift.min(sx + size, w)
          body(((b * ho + oy) * wo + ox) * c, y0, y1, x0, x1, b)
        }
      }
    }
  }

  /// The best value (per `O`) of each window, per channel, with the flat input index of the
  /// winner; ties keep the first in row-major order. Channels go eight at a time through SIMD
  /// selects (no branch per element), the rest one by one.
  func extremum<O: PoolOrder>(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                              _ arg: UnsafeMutablePointer<Int32>, _: O.Type, samples: Range<Int>) {
    let (h, w, c) = (self.h, self.w, self.c)
    let blocks = c / 8 * 8
    let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
    forEachWindow(samples: samples) { o, y0, y1, x0, x1, b in
      let yo = y + o, ao = arg + o
      let first = ((b * h + y0) * w + x0) * c
      var j = 0
      while j < blocks {
        var best = load8(x + first + j)
        var at = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: first + j)) &+ lanes
        for iy in y0..<y1 {
          for ix in x0..<x1 {
            let base = ((b * h + iy) * w + ix) * c + j
            let v = load8(x + base)
            let take = O.better8(v, best)
            best.replace(with: v, where: take)
            at.replace(with: SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: base)) &+ lanes, where: take)
          }
        }
        store8(best, yo + j)
        UnsafeMutableRawPointer(ao + j).storeBytes(of: at, as: SIMD8<Int32>.self)
        j += 8
      }
      while j < c {
        var best = x[first + j], at = first + j
        for iy in y0..<y1 {
          for ix in x0..<x1 {
            let i = ((b * h + iy) * w + ix) * c + j
            if O.better(x[i], best) { best = x[i]; at = i }
          }
        }
        yo[j] = best
        ao[j] = Int32(truncatingIfNeeded: at)
        j += 1
      }
    }
  }

  /// The gradient of a max/min pooling whose windows do not overlap (stride = size), written
  /// to every element of `dx`: each window position gets dy where it was the winner, else 0,
  /// and positions no window covers (the last rows/columns with `valid`) get 0.
  func routeDisjoint(_ g: UnsafePointer<Float>, _ arg: UnsafePointer<Int32>,
                     _ dx: UnsafeMutablePointer<Float>, samples: Range<Int>) {
    let (h, w, c) = (self.h, self.w, self.c)
    let blocks = c / 8 * 8
    let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
    forEachWindow(samples: samples) { o, y0, y1, x0, x1, b in
      for iy in y0..<y1 {
        for ix in x0..<x1 {
          let base = ((b * h + iy) * w + ix) * c
          var j = 0
          while j < blocks {
            let won = UnsafeRawPointer(arg + o + j).loadUnaligned(as: SIMD8<Int32>.self)
              .== SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: base + j)) &+ lanes
            store8(load8(g + o + j).replacing(with: 0, where: .!won), dx + base + j)
            j += 8
          }
          while j < c {
            dx[base + j] = Int(arg[o + j]) == base + j ? g[o + j] : 0
            j += 1
          }
        }
      }
    }
    // Windows start at -top ≤ 0 and are `stride` apart: they cover rows < ho·stride − top.
    let rowEnd = Swift.max(0, Swift.min(h, ho * stride - top))
    let colEnd = Swift.max(0, Swift.min(w, wo * stride - left))
    for b in samples {
      for iy in 0..<h {
        let row = dx + (b * h + iy) * w * c
        if iy >= rowEnd { fillFloats(row, 0, w * c) } else if colEnd < w {
          fillFloats(row + colEnd * c, 0, (w - colEnd) * c)
        }
      }
    }
  }
}
