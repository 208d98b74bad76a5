// 2-D convolution (NHWC, Keras kernel layout), optionally fused with its bias and a relu:
// forward and backward side by side.
//
// Forward: the input patches are unrolled (im2col) into cols (N·Ho·Wo, kh·kw·C); with the
// kernel viewed as K (kh·kw·C, F):
//   Z = cols · K + b          (Z viewed as (N·Ho·Wo, F); sgemm, then one pass adding b)
//   Y = Z, or relu(Z)         (in the same pass as the bias)
// Backward:
//   dZ    = dY, or dY · [Y > 0]   (relu: Y > 0 exactly where Z > 0)
//   db    = column sums of dZ     (in the same pass as the relu mask)
//   dK    = colsᵀ · dZ        (sgemm, straight into the kernel's gradient buffer)
//   dcols = dZ · Kᵀ           (sgemm), then col2im: each patch entry is added back into dX at
//                              the input position it was copied from (padding positions drop)
// 1×1 kernels with stride 1 need no im2col: cols is x itself, and dX = dZ · Kᵀ directly.
// One-channel inputs (a network's first convolution on grey images) need neither im2col nor
// sgemm: a patch is only kh·kw values, so the direct kernels of CConvKernels (AVX2 + FMA when
// the CPU has them) compute Z, the bias and the relu per output position, and dK and db in
// one pass over x and dY with the relu mask applied on the fly (dZ is never written unless
// dX is needed). dX, when needed, is dcolsT = K · dZᵀ (sgemm) then col2imT.
// cols, dZ and dcols live in reused scratch blocks (Scratch.swift), never zero-filled: im2col
// writes the padding zeros itself. cols is kept for backward only when K needs a gradient.
// A batch whose cols would not fit in a core's L2 runs in blocks of samples instead
// (ConvBlocked.swift): cols is then rebuilt per block in backward, not kept.

import CConvKernels

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

/// The activation a fused op applies to its result.
public enum FusedActivation: String, Sendable { case linear, relu }

/// Convolution of `x` (N, H, W, C) with `kernel` (kh, kw, C, F) plus an optional `bias` (F,):
/// the result is (N, Ho, Wo, F).
public func conv2d(_ x: Variable, kernel: Variable, bias: Variable?, stride: Int = 1,
                   padding: Padding = .valid) -> Variable {
  conv2d(x, kernel: kernel, bias: bias, stride: stride, padding: padding, activation: .linear)
}

/// `activation(conv2d(x, kernel:, bias:, stride:, padding:))` as one op: the bias and the
/// activation are applied in one pass over the convolution's output, and the backward pass
/// masks the upstream gradient and sums it for the bias in one pass. Recorded as `.conv2d`
/// (linear) or `.conv2dRelu`.
public func conv2d(_ x: Variable, kernel: Variable, bias: Variable?, stride: Int = 1,
                   padding: Padding = .valid, activation: FusedActivation) -> Variable {
  conv2d(x, kernel: kernel, bias: bias, stride: stride, padding: padding, activation: activation,
         samplesPerBlock: nil)
}

/// The op, with the im2col block size forced to `samplesPerBlock` samples (tests), or chosen
/// from the geometry when nil (ConvBlocked.swift).
func conv2d(_ x: Variable, kernel: Variable, bias: Variable?, stride: Int, padding: Padding,
            activation: FusedActivation, samplesPerBlock: Int?) -> Variable {
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
  let oneChannel = c == 1 && !direct  // the direct kernels: no im2col, no sgemm
  if !direct && !oneChannel {
    let per = samplesPerBlock ?? g.samplesPerBlock(filters: f)
    if per >= 1 && per < n {
      return conv2dBlocked(x, kernel: kernel, bias: bias, g, filters: f, per: per, activation: activation)
    }
  }

  let xv = x.value, kv = kernel.value
  var y = Tensor.uninitialized([n, ho, wo, f])  // written whole (sgemm with beta = 0)
  let cols: ScratchBuffer? = direct || oneChannel ? nil : ScratchBuffer(count: m * k)
  withPointers(xv, kv, &y) { xp, kp, yp in
    if oneChannel {
      let relu: Int32 = activation == .relu ? 1 : 0
      // Samples are independent: a large batch runs in two halves at once.
      func forward(_ bp: UnsafePointer<Float>?) {
        BlockWorkers.split(samples: n, work: n * ho * wo * f) { r in
          var cg = g.samples(r.count).oneChannel(filters: f)
          dl_conv1_forward(&cg, xp + r.lowerBound * h * w, kp, bp, relu, yp + r.lowerBound * ho * wo * f)
        }
      }
      if let bias {
        bias.value.data.withUnsafeBufferPointer { forward($0.baseAddress) }
      } else {
        forward(nil)
      }
      return
    }
    var a = xp
    if let cols {
      g.im2col(xp, cols.base)
      a = UnsafePointer(cols.base)
    }
    convGemm(transA: false, transB: false, m: m, n: f, k: k, a: a, b: kp, c: yp)
    if let bias {
      bias.value.data.withUnsafeBufferPointer { bp in
        biasActivation(yp, rows: m, f: f, bias: bp.baseAddress, activation)
      }
    } else {
      biasActivation(yp, rows: m, f: f, bias: nil, activation)
    }
  }

  // Backward keeps cols (or x, for 1×1) only when the kernel needs its gradient, and the
  // output only for the relu mask.
  let savedCols = kernel.requiresGrad ? cols : nil
  let savedX: Tensor? = kernel.requiresGrad && (direct || oneChannel) ? xv : nil
  let savedY: Tensor? = activation == .relu ? y : nil
  let inputs = bias.map { [x, kernel, $0] } ?? [x, kernel]
  return Variable.result(y, activation == .relu ? .conv2dRelu : .conv2d, inputs: inputs) { dy in
    let biasGrad = bias.flatMap { $0.requiresGrad ? $0 : nil }
    if oneChannel && !x.requiresGrad, let savedX {
      // The first layer's usual case: dK and db straight from dY (masked on the fly).
      oneChannelGrads(kernel, biasGrad, g.oneChannel(filters: f), x: savedX, dy: dy, relu: savedY)
      return
    }
    var sums = biasGrad.map { _ in [Float](repeating: 0, count: f) }
    let dz: ScratchBuffer? = savedY == nil ? nil : ScratchBuffer(count: m * f)
    dy.data.withUnsafeBufferPointer { gp in
      let g0 = gp.baseAddress ?? UnsafePointer(emptyStorage)  // empty: sizes are 0
      var gz = g0
      if let dz, let savedY {
        savedY.data.withUnsafeBufferPointer { yp in
          if sums == nil {
            reluMask(g0, yp.baseAddress ?? g0, dz.base, rows: m, f: f, sums: nil)
          } else {
            sums?.withUnsafeMutableBufferPointer { sp in
              reluMask(g0, yp.baseAddress ?? g0, dz.base, rows: m, f: f, sums: sp.baseAddress)
            }
          }
        }
        gz = UnsafePointer(dz.base)
      } else {
        sums?.withUnsafeMutableBufferPointer { sp in
          if let s = sp.baseAddress { columnSums(g0, rows: m, f: f, into: s) }
        }
      }
      if let biasGrad, let sums {
        biasGrad.addIntoGrad { db in for j in 0..<f { db[j] += sums[j] } }
      }
      if kernel.requiresGrad {
        if let savedCols {
          gemmIntoGrad(kernel, UnsafePointer(savedCols.base), true, gz, false, m: k, n: f, k: m)
        } else if let savedX {
          savedX.data.withUnsafeBufferPointer { xp in
            let xb = xp.baseAddress ?? g0
            if oneChannel {
              oneChannelKernelGrad(kernel, g.oneChannel(filters: f), x: xb, dz: gz, relu: nil, db: nil)
            } else {
              gemmIntoGrad(kernel, xb, true, gz, false, m: k, n: f, k: m)
            }
          }
        }
      }
      if x.requiresGrad {
        kv.data.withUnsafeBufferPointer { kp in
          let kb = kp.baseAddress ?? g0
          if direct {
            gemmIntoGrad(x, gz, false, kb, true, m: m, n: c, k: f)
          } else {
            let dcols = ScratchBuffer(count: m * k)
            if oneChannel {  // dcolsT = K · dZᵀ
              convGemm(transA: false, transB: true, m: k, n: m, k: f, a: kb, b: gz, c: dcols.base)
              x.addIntoGrad { dx in g.col2imT(dcols.base, dx) }
            } else {
              convGemm(transA: false, transB: true, m: m, n: k, k: f, a: gz, b: kb, c: dcols.base)
              x.addIntoGrad { dx in g.col2im(dcols.base, dx) }
            }
          }
        }
      }
    }
  }
}

/// v.grad += op(a) · op(b) (m × n, inner size k), written by sgemm into the gradient buffer
/// (beta = 0 into a fresh one).
func gemmIntoGrad(_ v: Variable, _ a: UnsafePointer<Float>, _ ta: Bool, _ b: UnsafePointer<Float>,
                  _ tb: Bool, m: Int, n: Int, k: Int) {
  let fresh = v.grad == nil
  var g = v.grad ?? Tensor.uninitialized(v.shape)
  v.grad = nil  // keep the buffer uniquely referenced: no copy-on-write
  g.data.withUnsafeMutableBufferPointer { gp in
    if let gb = gp.baseAddress {
      convGemm(transA: ta, transB: tb, m: m, n: n, k: k, a: a, b: b, beta: fresh ? 0 : 1, c: gb)
    }
  }
  v.grad = g
}

/// dK (into `kernel`'s gradient) and db (into `bias`'s, when given) of a one-channel
/// convolution from x and the upstream gradient, masked by the relu output `relu` when given.
/// A large batch runs in two halves at once (`BlockWorkers.split`): the second half's dK and
/// db go to their own buffers and are added to the first's at the end.
func oneChannelGrads(_ kernel: Variable, _ bias: Variable?, _ g: dl_conv1_geometry, x: Tensor,
                     dy: Tensor, relu: Tensor?) {
  let (n, f) = (Int(g.n), Int(g.f))
  let (inPer, outPer, kCount) = (Int(g.h * g.w), Int(g.ho * g.wo * g.f), Int(g.kh * g.kw * g.f))
  let halves = BlockWorkers.splits(samples: n, work: n * outPer)
  var sums = [Float](repeating: 0, count: f * (halves ? 2 : 1))
  let fresh = kernel.grad == nil
  var gk = kernel.grad ?? Tensor.uninitialized(kernel.shape)
  kernel.grad = nil  // keep the buffer uniquely referenced: no copy-on-write
  let second = halves ? ScratchBuffer(count: kCount) : nil
  let e = UnsafePointer(emptyStorage)  // empty tensors: sizes are 0, nothing is read
  x.data.withUnsafeBufferPointer { xb in
  dy.data.withUnsafeBufferPointer { gb in
  (relu ?? dy).data.withUnsafeBufferPointer { yb in
  sums.withUnsafeMutableBufferPointer { sb in
  gk.data.withUnsafeMutableBufferPointer { kb in
    guard let kp = kb.baseAddress else { return }
    let (xp, gp, yp) = (xb.baseAddress ?? e, gb.baseAddress ?? e, yb.baseAddress ?? e)
    let sp = bias == nil ? nil : sb.baseAddress
    BlockWorkers.split(samples: n, work: n * outPer) { r in
      let worker = r.lowerBound == 0 ? 0 : 1
      var cg = g
      cg.n = r.count
      let work = ScratchBuffer(count: 2 * (kCount + f))
      let dk = worker == 0 ? kp : (second?.base ?? kp)
      let o = r.lowerBound * outPer
      dl_conv1_kernel_grad(&cg, xp + r.lowerBound * inPer, gp + o, relu == nil ? nil : yp + o, dk,
                           worker == 0 && !fresh ? 1 : 0, sp.map { $0 + worker * f }, work.base)
    }
    if let second { for i in 0..<kCount { kp[i] += second.base[i] } }
  } } } } }
  kernel.grad = gk
  bias?.addIntoGrad { db in
    for w in 0..<(sums.count / Swift.max(f, 1)) { for j in 0..<f { db[j] += sums[w * f + j] } }
  }
}

/// kernel.grad += the direct kernel's dK (the kernel requires a gradient) (dz masked by `relu` when given); column sums of the
/// masked dz added into `db` when given.
func oneChannelKernelGrad(_ kernel: Variable, _ g: dl_conv1_geometry, x: UnsafePointer<Float>,
                          dz: UnsafePointer<Float>, relu: UnsafePointer<Float>?,
                          db: UnsafeMutablePointer<Float>?) {
  var cg = g
  let work = ScratchBuffer(count: 2 * Int(g.kh * g.kw * g.f + g.f))
  let fresh = kernel.grad == nil
  var gk = kernel.grad ?? Tensor.uninitialized(kernel.shape)
  kernel.grad = nil  // keep the buffer uniquely referenced: no copy-on-write
  gk.data.withUnsafeMutableBufferPointer { kp in
    if let kb = kp.baseAddress {
      dl_conv1_kernel_grad(&cg, x, dz, relu, kb, fresh ? 0 : 1, db, work.base)
    }
  }
  kernel.grad = gk
}
