import COpenBLAS

/// How the recurrent op (Recurrent.swift) shares a sequence's work between two cores.
///
/// The samples of a batch are independent through time: each row of h, c, Z and dh depends on
/// its own row only, until the parameter gradients sum over the rows. So a large enough batch
/// is cut into two halves of rows, and each half runs the whole step loop (its own small
/// per-step products and cell passes) on its own thread, with no synchronisation per step.
/// The products over all steps (X·W, dR, dW, dX) are cut by columns of their result instead.
///
/// OpenBLAS runs on the calling thread only while the op runs (`openblas_set_num_threads(1)`):
/// its own worker threads cost more than they gain on these products (see `convGemm`), and once
/// woken they spin for ~0.1 s, taking the core the second half runs on.
///
/// The cut depends only on the sizes, never on the number of cores (on one core the halves run
/// one after the other), so the results do not depend on the machine's core count.
enum RecurrentThreads {
  /// A sequence's work (T·N·G·U·U multiply-adds of its recurrent products) from which it is cut.
  static let minimumWork = 1 << 20
  /// Fewer rows than this (per half: 4) stay in one piece.
  static let minimumRows = 8
  /// Results narrower than this stay in one product.
  static let minimumColumns = 32

  /// The row ranges of a batch of `n`: two halves when `work` is large enough, else one.
  static func rowChunks(n: Int, work: Int) -> [Range<Int>] {
    guard n >= minimumRows, work >= minimumWork else { return [0..<n] }
    let half = (n + 1) / 2
    return [0..<half, half..<n]
  }

  /// Runs `body` on every range of `chunks`: two at once on two cores (`TwoHalves`), else in
  /// order. The ranges' writes must be disjoint.
  static func forEach(_ chunks: [Range<Int>], _ body: (Range<Int>) -> Void) {
    guard chunks.count == 2 else { chunks.forEach(body); return }
    TwoHalves.run { body(chunks[$0]) }
  }

  /// Runs `body` with OpenBLAS on the calling thread only, when `split` (the op's work is cut
  /// in two) or when each per-step product (`stepMACs` multiply-adds) is below
  /// `singleThreadMACs`; else with OpenBLAS's threads.
  static func singleThreadedBLAS(split: Bool, stepMACs: Int, _ body: () -> Void) {
    let threads = split || stepMACs < singleThreadMACs ? openblas_get_num_threads() : 1
    if threads > 1 { openblas_set_num_threads(1) }
    body()
    if threads > 1 { openblas_set_num_threads(threads) }
  }

  /// C (m×n, ldc n) = op(A)·op(B) + beta·C (leading dimensions as in `BLAS.gemm`), with C's
  /// columns cut in two halves on two threads when `split` and n is wide enough.
  static func gemm(split: Bool, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                   a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float,
                   c: UnsafeMutablePointer<Float>) {
    guard split, n >= minimumColumns, m > 0, k > 0 else {
      BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, b: b, beta: beta, c: c)
      return
    }
    let half = (n / 2 + 7) & ~7  // whole 8-float vectors in the first half
    let (lda, ldb) = (transA ? m : k, transB ? k : n)
    forEach([0..<half, half..<n]) { cols in
      let bj = transB ? b + cols.lowerBound * k : b + cols.lowerBound
      cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                  Int32(m), Int32(cols.count), Int32(k), 1, a, Int32(lda), bj, Int32(ldb),
                  beta, c + cols.lowerBound, Int32(n))
    }
  }
}
