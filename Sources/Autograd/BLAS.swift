import COpenBLAS

/// Thin wrappers over OpenBLAS, row-major throughout.
public enum BLAS {
  /// C = alpha · op(A) · op(B) + beta · C, where op(A) is m×k and op(B) is k×n (row-major).
  /// Tiny products run as a loop with the same arithmetic (`SmallGemm`).
  @inlinable
  public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                          alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                          beta: Float = 0, c: UnsafeMutablePointer<Float>) {
    if m == 0 || n == 0 { return }
    if k == 0 {
      if beta == 0 { c.update(repeating: 0, count: m * n) }
      else if beta != 1 { for i in 0..<(m * n) { c[i] *= beta } }
      return
    }
    if SmallGemm.covers(m: m, n: n, k: k, alpha: alpha, beta: beta) {
      SmallGemm.run(transA: transA, transB: transB, m: m, n: n, k: k, a: a, b: b,
                    accumulate: beta == 1, c: c)
      return
    }
    let lda = transA ? m : k
    let ldb = transB ? k : n
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                beta, c, Int32(n))
  }

  /// The OpenBLAS kernel in use ("SkylakeX", "Haswell", "Prescott", …).
  public static var coreName: String {
    guard let p = openblas_get_corename() else { return "unknown" }
    return String(cString: p)
  }

  /// OpenBLAS's build configuration string.
  public static var config: String {
    guard let p = openblas_get_config() else { return "unknown" }
    return String(cString: p)
  }

  /// Threads OpenBLAS uses.
  public static var threads: Int { Int(openblas_get_num_threads()) }
}
