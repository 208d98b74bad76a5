import COpenBLAS

/// Matrix products too small to be worth an OpenBLAS call, computed in place with the same
/// arithmetic.
///
/// A `cblas_sgemm` call costs about a thousand instructions before it multiplies anything
/// (argument checks, buffer allocation, packing A and B into panels, the edge kernels). For
/// the products of a tiny network (a 4×2 batch through a 2→8 layer: 64 multiply-adds) that is
/// most of a training step, so such products run as a plain loop here.
///
/// The loop must give bit-identical results, or training would change with the batch size.
/// OpenBLAS's Haswell kernels (also used on Zen) compute each element of C as one chain of
/// fused multiply-adds over k in order, starting from +0, then add it to C (zeroed first when
/// beta = 0): `c = fma(a[k−1], b[k−1], … fma(a[0], b[0], 0)) + (beta == 0 ? 0 : c)`. That
/// holds for every shape where k < 8 or n < 8; for larger k and n the kernel splits the chain
/// over even and odd k, so those shapes stay with OpenBLAS. On other kernels (SkylakeX's own
/// small-matrix code, Prescott's SSE3 without FMA) every product stays with OpenBLAS.
/// `SmallGemmTests` checks the equality against `cblas_sgemm` on random shapes.
@usableFromInline
enum SmallGemm {
  /// The largest product (m·n·k multiply-adds) computed here.
  @usableFromInline static let maxMultiplyAdds = 4096

  /// Whether this process's OpenBLAS kernel has the arithmetic described above.
  @usableFromInline static let matchesKernel: Bool = kernelMatches(BLAS.coreName)

  /// The OpenBLAS core types whose sgemm kernel is the Haswell one.
  static func kernelMatches(_ core: String) -> Bool { core == "Haswell" || core == "Zen" }

  /// Whether `C = op(A)·op(B)·alpha + beta·C` of this shape runs here (bit-identical to sgemm).
  @inlinable
  static func covers(m: Int, n: Int, k: Int, alpha: Float, beta: Float) -> Bool {
    alpha == 1 && (beta == 0 || beta == 1) && (k < 8 || n < 8)
      && m <= maxMultiplyAdds && n <= maxMultiplyAdds && k <= maxMultiplyAdds
      && m * n * k <= maxMultiplyAdds && matchesKernel
  }

  /// C (m×n, row-major, leading dimension n) = op(A)·op(B) + (accumulate ? C : 0), each element
  /// one fused multiply-add chain over k. Leading dimensions as in `BLAS.gemm`. The loop is C
  /// (`dl_small_sgemm`, in COpenBLAS): compiled for FMA, where Swift would call `fmaf` for
  /// every multiply-add. (The Haswell kernel itself needs FMA, so the CPU has it.)
  @usableFromInline
  static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                  a: UnsafePointer<Float>, b: UnsafePointer<Float>, accumulate: Bool,
                  c: UnsafeMutablePointer<Float>) {
    dl_small_sgemm(transA, transB, m, n, k, a, b, accumulate, c)
  }
}
