// The convolution in blocks of samples (Ops/Conv.swift picks it when the batch's im2col
// matrix would not fit in a core's L2 cache): per block, im2col into one cols block that
// stays in cache, sgemm straight into that block's output rows, then the bias + activation
// pass over those rows while they are still in cache. cols is not kept for backward: each
// block's is rebuilt from x there, which costs one im2col pass but streams nothing through
// memory (cnn_mnistlike's second convolution: 8.9 MB of cols per step, written forward,
// read back for dK and written again as dcols before col2im).
// Backward, per block:
//   dZ_b   = dY_b or dY_b · [Y_b > 0]     (and the bias sums, as the unblocked op)
//   dK    += cols_bᵀ · dZ_b               (sgemm, beta = 1 after the first block)
//   dX_b  += col2im(dZ_b · Kᵀ)

extension ConvGeometry {
  /// The same convolution over `count` samples (callers offset the pointers).
  func samples(_ count: Int) -> ConvGeometry {
    var g = self
    g.n = count
    return g
  }

  /// Samples per block: as many as keep one block's cols within `convBlockBytes`, but at
  /// least enough that the block's product stays on OpenBLAS's threads (≥ singleThreadMACs
  /// multiply-adds, see `convGemm`).
  func samplesPerBlock(filters f: Int) -> Int {
    let rows = ho * wo
    let bytes = Swift.max(1, rows * patch * MemoryLayout<Float>.stride)
    let macs = Swift.max(1, rows * patch * f)
    return Swift.max(1, convBlockBytes / bytes, (singleThreadMACs + macs - 1) / macs)
  }
}

/// The cols block's budget: half of a 512 KiB per-core L2, the other half for the block's
/// output rows, dZ, dcols and the kernel.
let convBlockBytes = 256 << 10

/// The convolution op in blocks of `per` samples (per < N): the forward pass, and the
/// backward recorded on the tape.
func conv2dBlocked(_ x: Variable, kernel: Variable, bias: Variable?, _ g: ConvGeometry,
                   filters f: Int, per: Int, activation: FusedActivation) -> Variable {
  let xv = x.value, kv = kernel.value
  var y = Tensor.uninitialized([g.n, g.ho, g.wo, f])  // every block's rows written by sgemm
  withPointers(xv, kv, &y) { xp, kp, yp in
    let cols = ScratchBuffer(count: per * g.ho * g.wo * g.patch)
    withBias(bias) { bp in
      forEachBlock(g, per: per, filters: f) { gb, xo, yo in
        gb.im2col(xp + xo, cols.base)
        convGemm(transA: false, transB: false, m: gb.rows, n: f, k: g.patch, a: cols.base, b: kp, c: yp + yo)
        biasActivation(yp + yo, rows: gb.rows, f: f, bias: bp, activation)
      }
    }
  }
  let savedY: Tensor? = activation == .relu ? y : nil
  let inputs = bias.map { [x, kernel, $0] } ?? [x, kernel]
  return Variable.result(y, activation == .relu ? .conv2dRelu : .conv2d, inputs: inputs) { dy in
    blockedBackward(x, xv, kernel, kv, bias.flatMap { $0.requiresGrad ? $0 : nil }, g, filters: f,
                    per: per, dy: dy, relu: savedY)
  }
}

/// Calls `body(blockGeometry, xOffset, yOffset)` for each block of `per` samples.
private func forEachBlock(_ g: ConvGeometry, per: Int, filters f: Int,
                          _ body: (ConvGeometry, Int, Int) -> Void) {
  for s0 in stride(from: 0, to: g.n, by: per) {
    body(g.samples(Swift.min(per, g.n - s0)), s0 * g.h * g.w * g.c, s0 * g.ho * g.wo * f)
  }
}

/// `body` with the bias's values (nil without a bias).
private func withBias(_ bias: Variable?, _ body: (UnsafePointer<Float>?) -> Void) {
  guard let bias else { body(nil); return }
  bias.value.data.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// `body` with a pointer into `t`'s buffer (nil when `t` is nil), kept uniquely referenced.
private func withMutable(_ t: inout Tensor?, _ body: (UnsafeMutablePointer<Float>?) -> Void) {
  guard var v = t else { body(nil); return }
  t = nil
  v.data.withUnsafeMutableBufferPointer { body($0.baseAddress ?? emptyStorage) }
  t = v
}

/// The blocked op's backward: dK, dX and db block by block (see the top of the file).
private func blockedBackward(_ x: Variable, _ xv: Tensor, _ kernel: Variable, _ kv: Tensor,
                             _ biasGrad: Variable?, _ g: ConvGeometry, filters f: Int, per: Int,
                             dy: Tensor, relu: Tensor?) {
  let k = g.patch, rows = per * g.ho * g.wo
  var sums = [Float](repeating: 0, count: biasGrad == nil ? 0 : f)
  var beta: Float = kernel.grad == nil ? 0 : 1
  var kg: Tensor? = kernel.requiresGrad ? (kernel.grad ?? Tensor.uninitialized(kernel.shape)) : nil
  if kernel.requiresGrad { kernel.grad = nil }
  var xg: Tensor? = x.requiresGrad ? (x.grad ?? Tensor.zeros(x.shape)) : nil
  if x.requiresGrad { x.grad = nil }
  let cols = kg == nil ? nil : ScratchBuffer(count: rows * k)
  let dcols = xg == nil ? nil : ScratchBuffer(count: rows * k)
  let dz = relu == nil ? nil : ScratchBuffer(count: rows * f)
  let yv = relu ?? dy  // read only with relu
  let e = UnsafePointer(emptyStorage)  // empty tensors: sizes are 0, nothing is read
  dy.data.withUnsafeBufferPointer { gbuf in
  yv.data.withUnsafeBufferPointer { ybuf in
  xv.data.withUnsafeBufferPointer { xbuf in
  kv.data.withUnsafeBufferPointer { kbuf in
  sums.withUnsafeMutableBufferPointer { sbuf in
  withMutable(&kg) { kgp in
  withMutable(&xg) { xgp in
    let (gp, yp) = (gbuf.baseAddress ?? e, ybuf.baseAddress ?? e)
    let (xp, kp) = (xbuf.baseAddress ?? e, kbuf.baseAddress ?? e)
    let s = biasGrad == nil ? nil : sbuf.baseAddress
    forEachBlock(g, per: per, filters: f) { gb, xo, yo in
      var gz = gp + yo
      if let dz {
        reluMask(gp + yo, yp + yo, dz.base, rows: gb.rows, f: f, sums: s)
        gz = UnsafePointer(dz.base)
      } else if let s {
        columnSums(gp + yo, rows: gb.rows, f: f, into: s)
      }
      if let kgp, let cols {
        gb.im2col(xp + xo, cols.base)
        convGemm(transA: true, transB: false, m: k, n: f, k: gb.rows, a: cols.base, b: gz,
                 beta: beta, c: kgp)
        beta = 1
      }
      if let xgp, let dcols {
        convGemm(transA: false, transB: true, m: gb.rows, n: k, k: f, a: gz, b: kp, c: dcols.base)
        gb.col2im(dcols.base, xgp + xo)
      }
    }
  } } } } } } }
  if kernel.requiresGrad { kernel.grad = kg }
  if x.requiresGrad { x.grad = xg }
  if let biasGrad { biasGrad.addIntoGrad { db in for j in 0..<f { db[j] += sums[j] } } }
}
