// The loops around a convolution's sgemm calls (Ops/Conv.swift): im2col, col2im, and the
// passes that fuse bias and activation into one walk over the gemm's output (forward) or the
// upstream gradient (backward). Raw pointers throughout; callers size every buffer.
//
// In NHWC the kw·C values of one kernel row of a patch are contiguous in the input, so
// im2col and col2im move one run of kw·C floats per kernel row (fewer where the window
// crosses the left or right border; padding positions are zeros in cols and dropped in
// col2im).

import CConvKernels
import COpenBLAS

/// The convolution's sgemm calls. OpenBLAS starts its second thread for any product above
/// 2¹⁸ multiply-adds; for small products the wake-up and hand-off eat what the second core
/// gains (the digits CNN, whose products are 0.3–2.4 M multiply-adds, trains no faster with
/// it), so products below `singleThreadMACs` run on the calling thread alone. Correctness does
/// not depend on the thread count; callers on other threads at the same moment may also run
/// single-threaded for that long.
@inline(__always)
func convGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>,
              b: UnsafePointer<Float>, beta: Float = 0, c: UnsafeMutablePointer<Float>) {
  let threads = m * n * k < singleThreadMACs ? openblas_get_num_threads() : 1
  if threads > 1 { openblas_set_num_threads(1) }
  BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, b: b, beta: beta, c: c)
  if threads > 1 { openblas_set_num_threads(threads) }
}

/// Products below this many multiply-adds run single-threaded (see `convGemm`).
let singleThreadMACs = 4 << 20

/// Geometry of one convolution; the im2col / col2im walks.
struct ConvGeometry {
  var n, h, w, c, kh, kw, stride, top, left, ho, wo: Int
  /// Rows of the im2col matrix: one per output position.
  var rows: Int { n * ho * wo }
  /// Columns of the im2col matrix: one per kernel weight of a filter.
  var patch: Int { kh * kw * c }

  /// The same geometry for the direct one-channel kernels (CConvKernels), with F filters.
  func oneChannel(filters: Int) -> dl_conv1_geometry {
    dl_conv1_geometry(n: n, h: h, w: w, kh: kh, kw: kw, stride: stride, top: top, left: left,
                      ho: ho, wo: wo, f: filters)
  }

  /// The valid kernel columns kx0..<kx1 of a window whose left edge is input column `ix0`.
  @inline(__always)
  func columns(_ ix0: Int) -> (Int, Int) { (Swift.max(0, -ix0), Swift.min(kw, w - ix0)) }

  /// Writes every patch of `x` (N, H, W, C) into a row of `cols` (rows × patch), zeros at the
  /// padding positions: every element of cols is written.
  func im2col(_ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>) {
    let run = kw * c
    var row = cols
    for b in 0..<n {
      for oy in 0..<ho {
        for ox in 0..<wo {
          let ix0 = ox * stride - left
          let (kx0, kx1) = columns(ix0)
          for ky in 0..<kh {
            let iy = oy * stride - top + ky
            if iy < 0 || iy >= h || kx1 <= kx0 {
              fillFloats(row, 0, run)
            } else {
              fillFloats(row, 0, kx0 * c)
              copyFloats(x + ((b * h + iy) * w + ix0 + kx0) * c, row + kx0 * c, (kx1 - kx0) * c)
              fillFloats(row + kx1 * c, 0, (kw - kx1) * c)
            }
            row += run
          }
        }
      }
    }
  }

  /// Adds every patch row of `cols` into `dx` at the positions im2col read it from.
  func col2im(_ cols: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
    let run = kw * c
    var row = cols
    for b in 0..<n {
      for oy in 0..<ho {
        for ox in 0..<wo {
          let ix0 = ox * stride - left
          let (kx0, kx1) = columns(ix0)
          for ky in 0..<kh {
            let iy = oy * stride - top + ky
            if iy >= 0 && iy < h && kx1 > kx0 {
              addFloats(row + kx0 * c, dx + ((b * h + iy) * w + ix0 + kx0) * c, (kx1 - kx0) * c)
            }
            row += run
          }
        }
      }
    }
  }

  /// The output columns ox0..<ox1 whose input column ox·stride + off lies inside 0..<w.
  @inline(__always)
  func outputColumns(_ off: Int) -> (Int, Int) {
    let ox0 = off >= 0 ? 0 : (-off + stride - 1) / stride
    let ox1 = w - 1 - off >= 0 ? Swift.min(wo, (w - 1 - off) / stride + 1) : 0
    return (Swift.min(ox0, ox1), ox1)
  }

  /// Adds colsT (patch × rows: row t = ky·kw + kx holds that kernel tap's patch entry for
  /// every output position) back into the one-channel `dx`.
  func col2imT(_ colsT: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
    var src = colsT
    for ky in 0..<kh {
      for kx in 0..<kw {
        let (ox0, ox1) = outputColumns(kx - left)
        for b in 0..<n {
          for oy in 0..<ho {
            let iy = oy * stride - top + ky
            if iy >= 0 && iy < h && ox1 > ox0 {
              let d = dx + (b * h + iy) * w + kx - left
              if stride == 1 {
                addFloats(src + ox0, d + ox0, ox1 - ox0)
              } else {
                for ox in ox0..<ox1 { d[ox * stride] += src[ox] }
              }
            }
            src += wo
          }
        }
      }
    }
  }
}

@inline(__always)
func fillFloats(_ p: UnsafeMutablePointer<Float>, _ v: Float, _ count: Int) {
  for i in 0..<count { p[i] = v }
}

@inline(__always)
func copyFloats(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ count: Int) {
  for i in 0..<count { dst[i] = src[i] }
}

@inline(__always)
func addFloats(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ count: Int) {
  for i in 0..<count { dst[i] += src[i] }
}

// The passes below use SIMD8 loads and stores explicitly (SSE on the baseline x86-64 target,
// two registers per vector): LLVM leaves conditional updates through pointers scalar and
// branchy, a mispredicted branch per element on real data.

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// relu as `Variable.relu` computes it: v > 0 ? v : 0 (so NaN maps to 0 there too).
@inline(__always)
func relu8(_ v: SIMD8<Float>) -> SIMD8<Float> { v.replacing(with: 0, where: .!(v .> 0)) }

/// Forward epilogue over the gemm output y (rows × f), in place: y = act(y + bias).
func biasActivation(_ y: UnsafeMutablePointer<Float>, rows: Int, f: Int,
                    bias: UnsafePointer<Float>?, _ activation: FusedActivation) {
  let relu = activation == .relu
  guard let b = bias else {
    if relu { reluInPlace(y, count: rows * f) }
    return
  }
  let blocks = f / 8 * 8
  for r in 0..<rows {
    let yr = y + r * f
    var j = 0
    while j < blocks {
      let v = load8(yr + j) + load8(b + j)
      store8(relu ? relu8(v) : v, yr + j)
      j += 8
    }
    while j < f {
      let v = yr[j] + b[j]
      yr[j] = relu ? (v > 0 ? v : 0) : v
      j += 1
    }
  }
}

/// y = relu(y) over `count` elements.
func reluInPlace(_ y: UnsafeMutablePointer<Float>, count: Int) {
  var i = 0
  while i + 8 <= count { store8(relu8(load8(y + i)), y + i); i += 8 }
  while i < count { let v = y[i]; y[i] = v > 0 ? v : 0; i += 1 }
}

/// Backward through the relu: dz = dy where y > 0, else 0 (y is relu's output: y > 0 exactly
/// where the pre-activation is), written to `dz`; with `sums`, also the column sums of dz
/// (the bias gradient), added into `sums` (f elements).
func reluMask(_ dy: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dz: UnsafeMutablePointer<Float>,
              rows: Int, f: Int, sums: UnsafeMutablePointer<Float>?) {
  guard let sums else {
    let count = rows * f
    var i = 0
    while i + 8 <= count {
      store8(load8(dy + i).replacing(with: 0, where: .!(load8(y + i) .> 0)), dz + i)
      i += 8
    }
    while i < count { dz[i] = y[i] > 0 ? dy[i] : 0; i += 1 }
    return
  }
  let blocks = f / 8 * 8
  for r in 0..<rows {
    let o = r * f
    var j = 0
    while j < blocks {
      let v = load8(dy + o + j).replacing(with: 0, where: .!(load8(y + o + j) .> 0))
      store8(v, dz + o + j)
      store8(load8(sums + j) + v, sums + j)
      j += 8
    }
    while j < f {
      let v = y[o + j] > 0 ? dy[o + j] : 0
      dz[o + j] = v
      sums[j] += v
      j += 1
    }
  }
}

/// Adds the column sums of g (rows × f) into `sums` (f elements).
func columnSums(_ g: UnsafePointer<Float>, rows: Int, f: Int, into sums: UnsafeMutablePointer<Float>) {
  let blocks = f / 8 * 8
  for r in 0..<rows {
    let gr = g + r * f
    var j = 0
    while j < blocks { store8(load8(sums + j) + load8(gr + j), sums + j); j += 8 }
    while j < f { sums[j] += gr[j]; j += 1 }
  }
}
