// 2-D convolution (NHWC, Keras kernel layout): forward and backward side by side.
//
// Forward: the input patches are unrolled (im2col) into cols (N·Ho·Wo, kh·kw·C); with the
// kernel viewed as K (kh·kw·C, F):
//   Y = cols · K + b          (Y viewed as (N·Ho·Wo, F))
// Backward:
//   dK    = colsᵀ · dY        (sgemm, straight into the kernel's gradient buffer)
//   db    = column sums of dY
//   dcols = dY · Kᵀ           (sgemm), then col2im: each patch entry is added back into dX at
//                              the input position it was copied from (padding positions drop)
// 1×1 kernels with stride 1 need no im2col: cols is x itself, and dX = dY · Kᵀ directly.

/// How windows (convolution kernels, pooling windows) meet the border.
/// `same` = TensorFlow semantics: out = ceil(in / stride), padded with zeros (or, for pooling,
/// ignored positions), the odd extra element of padding at the bottom/right.
/// `valid`: no padding, out = (in − window) / stride + 1.
public enum Padding: String, Sendable { case same, valid }

/// Output extent and leading padding of a window of `window` elements sliding along an axis
/// of `input` elements.
func windowGeometry(input: Int, window: Int, stride: Int, padding: Padding,
                    _ name: String) -> (out: Int, before: Int) {
  precondition(window >= 1 && stride >= 1, "\(name): window \(window) and stride \(stride) must be ≥ 1")
  switch padding {
  case .valid:
    precondition(input >= window, "\(name): window \(window) larger than input extent \(input)")
    return ((input - window) / stride + 1, 0)
  case .same:
    let out = (input + stride - 1) / stride
    let total = Swift.max((out - 1) * stride + window - input, 0)
    return (out, total / 2)
  }
}

/// Geometry of one convolution; the im2col / col2im walks.
struct ConvGeometry {
  var n, h, w, c, kh, kw, stride, top, left, ho, wo: Int
  var rows: Int { n * ho * wo }
  var patch: Int { kh * kw * c }

  /// Copies every patch of `x` into a row of `cols` (which must be zero-filled: padding
  /// positions are skipped).
  func im2col(_ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>) {
    var row = cols
    for b in 0..<n {
      for oy in 0..<ho {
        for ox in 0..<wo {
          for ky in 0..<kh {
            let iy = oy * stride - top + ky
            if iy < 0 || iy >= h { row += kw * c; continue }
            for kx in 0..<kw {
              let ix = ox * stride - left + kx
              if ix >= 0 && ix < w {
                row.update(from: x + ((b * h + iy) * w + ix) * c, count: c)
              }
              row += c
            }
          }
        }
      }
    }
  }

  /// Adds every patch row of `cols` back into `dx` at the positions im2col read it from.
  func col2im(_ cols: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
    var row = cols
    for b in 0..<n {
      for oy in 0..<ho {
        for ox in 0..<wo {
          for ky in 0..<kh {
            let iy = oy * stride - top + ky
            if iy < 0 || iy >= h { row += kw * c; continue }
            for kx in 0..<kw {
              let ix = ox * stride - left + kx
              if ix >= 0 && ix < w {
                let d = dx + ((b * h + iy) * w + ix) * c
                for j in 0..<c { d[j] += row[j] }
              }
              row += c
            }
          }
        }
      }
    }
  }
}

/// Convolution of `x` (N, H, W, C) with `kernel` (kh, kw, C, F) plus an optional `bias` (F,):
/// the result is (N, Ho, Wo, F).
public func conv2d(_ x: Variable, kernel: Variable, bias: Variable?, stride: Int = 1,
                   padding: Padding = .valid) -> Variable {
  precondition(x.shape.count == 4, "conv2d: input must be NHWC, got \(x.shape)")
  precondition(kernel.shape.count == 4 && kernel.shape[2] == x.shape[3],
               "conv2d: kernel \(kernel.shape) does not fit input \(x.shape)")
  let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (kh, kw, f) = (kernel.shape[0], kernel.shape[1], kernel.shape[3])
  if let bias { precondition(bias.shape == [f], "conv2d: bias \(bias.shape) ≠ [\(f)]") }
  let (ho, top) = windowGeometry(input: h, window: kh, stride: stride, padding: padding, "conv2d")
  let (wo, left) = windowGeometry(input: w, window: kw, stride: stride, padding: padding, "conv2d")
  let g = ConvGeometry(n: n, h: h, w: w, c: c, kh: kh, kw: kw, stride: stride, top: top,
                       left: left, ho: ho, wo: wo)
  let m = g.rows, k = g.patch
  let direct = kh == 1 && kw == 1 && stride == 1  // then Ho = H, Wo = W, no padding

  var cols: Tensor
  if direct {
    cols = x.value  // (N·H·W, C) in memory: shares storage
  } else {
    cols = Tensor.zeros([m, k])
    x.value.data.withUnsafeBufferPointer { xp in
      cols.data.withUnsafeMutableBufferPointer { cp in
        if let xb = xp.baseAddress, let cb = cp.baseAddress { g.im2col(xb, cb) }
      }
    }
  }
  let kv = kernel.value
  var y = gemm(cols, false, kv, false, m: m, n: f, k: k)
  if let bias {
    y.data.withUnsafeMutableBufferPointer { yp in
      bias.value.data.withUnsafeBufferPointer { bp in
        for r in 0..<m { for j in 0..<f { yp[r * f + j] += bp[j] } }
      }
    }
  }
  y.shape = [n, ho, wo, f]

  // The backward closure keeps cols only when the kernel needs its gradient.
  let savedCols: Tensor? = kernel.requiresGrad ? cols : nil
  let inputs = bias.map { [x, kernel, $0] } ?? [x, kernel]
  return Variable.result(y, .conv2d, inputs: inputs) { dy in
    if let savedCols {
      accumulateGemm(into: kernel, savedCols, true, dy, false, m: k, n: f, k: m)
    }
    if let bias, bias.requiresGrad {
      dy.data.withUnsafeBufferPointer { gp in
        bias.addIntoGrad { db in
          for r in 0..<m { for j in 0..<f { db[j] += gp[r * f + j] } }
        }
      }
    }
    if x.requiresGrad {
      if direct {
        accumulateGemm(into: x, dy, false, kv, true, m: m, n: c, k: f)
      } else {
        let dcols = gemm(dy, false, kv, true, m: m, n: k, k: f)
        dcols.data.withUnsafeBufferPointer { dp in
          x.addIntoGrad { dx in
            if let db = dp.baseAddress { g.col2im(db, dx) }
          }
        }
      }
    }
  }
}
