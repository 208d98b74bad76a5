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
// With two cores the blocks are split in two halves, one per thread (`BlockWorkers`), each
// with its own scratch blocks and single-threaded sgemm calls: the im2col, bias + relu, mask
// and col2im passes run on both cores too, and no sgemm call pays OpenBLAS's hand-off
// between its threads. The second half's dK and bias sums go to their own buffers and are
// added to the first half's at the end (a fixed order: the result does not depend on timing).

import COpenBLAS

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
    withBias(bias) { bp in
      BlockWorkers.run(blocks: blockCount(g, per)) { _, blocks in
        let cols = ScratchBuffer(count: per * g.ho * g.wo * g.patch)
        forEachBlock(g, per: per, filters: f, blocks: blocks) { gb, xo, yo in
          gb.im2col(xp + xo, cols.base)
          convGemm(transA: false, transB: false, m: gb.rows, n: f, k: g.patch, a: cols.base, b: kp, c: yp + yo)
          biasActivation(yp + yo, rows: gb.rows, f: f, bias: bp, activation)
        }
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

/// Blocks of `per` samples in the batch.
private func blockCount(_ g: ConvGeometry, _ per: Int) -> Int { (g.n + per - 1) / per }

/// Calls `body(blockGeometry, xOffset, yOffset)` for each block of `per` samples in `blocks`.
private func forEachBlock(_ g: ConvGeometry, per: Int, filters f: Int, blocks: Range<Int>,
                          _ body: (ConvGeometry, Int, Int) -> Void) {
  for b in blocks {
    let s0 = b * per
    body(g.samples(Swift.min(per, g.n - s0)), s0 * g.h * g.w * g.c, s0 * g.ho * g.wo * f)
  }
}

/// Runs a blocked convolution's blocks in two halves (`TwoHalves`): `body(worker, blocks)` for
/// worker 0 with the first half of the blocks and worker 1 with the second, at once on two
/// cores, with OpenBLAS held to one thread meanwhile (each worker's sgemm calls run on its own
/// thread). One worker with every block when there is only one block. The cut depends on the
/// sizes only, so the results (worker 1's dK added to worker 0's) do not depend on the cores.
enum BlockWorkers {
  /// Workers that `run` uses for `blocks` blocks.
  static func workers(_ blocks: Int) -> Int { blocks >= 2 ? 2 : 1 }

  static func run(blocks: Int, _ body: (_ worker: Int, _ blocks: Range<Int>) -> Void) {
    guard workers(blocks) > 1 else { body(0, 0..<blocks); return }
    let (first, second) = TwoHalves.halves(blocks)
    TwoHalves.runEachWithOwnBLAS { k in body(k, k == 0 ? first : second) }
  }

  /// Elements below which a pass over a batch stays in one piece (waking a second thread
  /// costs more than it saves).
  static let minimumSplit = 1 << 16

  /// Whether `split` cuts a pass of these sizes in two.
  static func splits(samples n: Int, work: Int) -> Bool { n >= 2 && work >= minimumSplit }

  /// `body(samples)` over the batch's samples `0..<n`: in two halves when the pass touches at
  /// least `minimumSplit` elements (`work`), else whole. For passes without BLAS calls whose
  /// halves write disjoint memory.
  static func split(samples n: Int, work: Int, _ body: (Range<Int>) -> Void) {
    guard splits(samples: n, work: work) else { body(0..<n); return }
    let (first, second) = TwoHalves.halves(n)
    TwoHalves.run { body($0 == 0 ? first : second) }
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
  let k = g.patch
  let blocks = blockCount(g, per)
  let workers = BlockWorkers.workers(blocks)
  // Worker w's bias sums at sums[w·f ..< (w+1)·f]; worker 1's dK in its own block.
  var sums = [Float](repeating: 0, count: biasGrad == nil ? 0 : f * workers)
  let firstBeta: Float = kernel.grad == nil ? 0 : 1
  var kg: Tensor? = kernel.requiresGrad ? (kernel.grad ?? Tensor.uninitialized(kernel.shape)) : nil
  if kernel.requiresGrad { kernel.grad = nil }
  var xg: Tensor? = x.requiresGrad ? (x.grad ?? Tensor.zeros(x.shape)) : nil
  if x.requiresGrad { x.grad = nil }
  let kgSecond = kg != nil && workers > 1 ? ScratchBuffer(count: k * f) : nil
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
    let rows = per * g.ho * g.wo
    BlockWorkers.run(blocks: blocks) { worker, range in
      let cols = kgp == nil ? nil : ScratchBuffer(count: rows * k)
      let dcols = xgp == nil ? nil : ScratchBuffer(count: rows * k)
      let dz = relu == nil ? nil : ScratchBuffer(count: rows * f)
      let s = biasGrad == nil ? nil : sbuf.baseAddress.map { $0 + worker * f }
      let dk = worker == 0 ? kgp : kgSecond?.base
      var beta: Float = worker == 0 ? firstBeta : 0
      forEachBlock(g, per: per, filters: f, blocks: range) { gb, xo, yo in
        var gz = gp + yo
        if let dz {
          reluMask(gp + yo, yp + yo, dz.base, rows: gb.rows, f: f, sums: s)
          gz = UnsafePointer(dz.base)
        } else if let s {
          columnSums(gp + yo, rows: gb.rows, f: f, into: s)
        }
        if let dk, let cols {
          gb.im2col(xp + xo, cols.base)
          convGemm(transA: true, transB: false, m: k, n: f, k: gb.rows, a: cols.base, b: gz,
                   beta: beta, c: dk)
          beta = 1
        }
        if let xgp, let dcols {
          convGemm(transA: false, transB: true, m: gb.rows, n: k, k: f, a: gz, b: kp, c: dcols.base)
          gb.col2im(dcols.base, xgp + xo)
        }
      }
    }
    if let kgp, let second = kgSecond {
      for i in 0..<(k * f) { kgp[i] += second.base[i] }
    }
  } } } } } } }
  if kernel.requiresGrad { kernel.grad = kg }
  if x.requiresGrad { x.grad = xg }
  if let biasGrad {
    biasGrad.addIntoGrad { db in
      for w in 0..<workers { for j in 0..<f { db[j] += sums[w * f + j] } }
    }
  }
}
