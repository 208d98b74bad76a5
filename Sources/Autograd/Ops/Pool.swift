// 2-D pooling (NHWC): forward and backward side by side. Windows cover only real input
// positions: with `same` padding the padded positions are ignored, never compared or counted.
//   y = max over window   : dx[argmax] += dy     (argmax saved as Int32 per output element;
//                                                 ties go to the first in row-major order)
//   y = min over window   : dx[argmin] += dy
//   y = mean over window  : dx[i] += dy / count  for every i in the window, where count is the
//                                                 number of valid (unpadded) positions

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
  var y = Tensor.zeros([n, ho, wo, c])

  switch kind {
  case .max, .min:
    precondition(x.value.count <= Int(Int32.max), "pool2d: input too large for Int32 indices")
    var arg = [Int32](repeating: 0, count: y.count)
    x.value.data.withUnsafeBufferPointer { xp in
      y.data.withUnsafeMutableBufferPointer { yp in
        arg.withUnsafeMutableBufferPointer { ap in
          if kind == .max { win.extremum(xp, yp, ap, >) } else { win.extremum(xp, yp, ap, <) }
        }
      }
    }
    return Variable.result(y, kind == .max ? .maxPool2d : .minPool2d, x) { dy in
      dy.data.withUnsafeBufferPointer { gp in
        arg.withUnsafeBufferPointer { ap in
          x.addIntoGrad { dx in
            for i in 0..<gp.count { dx[Int(ap[i])] += gp[i] }
          }
        }
      }
    }
  case .average:
    x.value.data.withUnsafeBufferPointer { xp in
      y.data.withUnsafeMutableBufferPointer { yp in
        win.forEachWindow { o, y0, y1, x0, x1, b in
          let inv = 1 / Float((y1 - y0) * (x1 - x0))
          for iy in y0..<y1 {
            for ix in x0..<x1 {
              let base = ((b * h + iy) * w + ix) * c
              for j in 0..<c { yp[o + j] += xp[base + j] }
            }
          }
          for j in 0..<c { yp[o + j] *= inv }
        }
      }
    }
    return Variable.result(y, .avgPool2d, x) { dy in
      dy.data.withUnsafeBufferPointer { gp in
        x.addIntoGrad { dx in
          win.forEachWindow { o, y0, y1, x0, x1, b in
            let inv = 1 / Float((y1 - y0) * (x1 - x0))
            for iy in y0..<y1 {
              for ix in x0..<x1 {
                let base = ((b * h + iy) * w + ix) * c
                for j in 0..<c { dx[base + j] += gp[o + j] * inv }
              }
            }
          }
        }
      }
    }
  }
}

/// Geometry of a pooling: walks the windows clipped to the input.
struct PoolWindows {
  var n, h, w, c, size, stride, top, left, ho, wo: Int

  /// Calls `body(outputOffset, y0, y1, x0, x1, batch)` for every output position, with the
  /// window's valid input rows y0..<y1 and columns x0..<x1 (never empty).
  @inline(__always)
  func forEachWindow(_ body: (Int, Int, Int, Int, Int, Int) -> Void) {
    for b in 0..<n {
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

  /// Max (`better` = >) or min (`better` = <) over each window, per channel, with the flat
  /// input index of the winner.
  @inline(__always)
  func extremum(_ xp: UnsafeBufferPointer<Float>, _ yp: UnsafeMutableBufferPointer<Float>,
                _ ap: UnsafeMutableBufferPointer<Int32>, _ better: (Float, Float) -> Bool) {
    let (h, w, c) = (self.h, self.w, self.c)
    forEachWindow { o, y0, y1, x0, x1, b in
      let first = ((b * h + y0) * w + x0) * c
      for j in 0..<c { yp[o + j] = xp[first + j]; ap[o + j] = Int32(first + j) }
      for iy in y0..<y1 {
        for ix in x0..<x1 {
          let base = ((b * h + iy) * w + ix) * c
          for j in 0..<c where better(xp[base + j], yp[o + j]) {
            yp[o + j] = xp[base + j]; ap[o + j] = Int32(base + j)
          }
        }
      }
    }
  }
}
