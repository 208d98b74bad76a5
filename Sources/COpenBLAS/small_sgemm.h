// Tiny matrix products with the arithmetic of OpenBLAS's Haswell sgemm kernel (Autograd's
// SmallGemm decides when that holds; see Sources/Autograd/SmallGemm.swift).
#ifndef DL_SMALL_SGEMM_H
#define DL_SMALL_SGEMM_H
#include <stdbool.h>

// C (m×n, row-major, leading dimension n) = op(A)·op(B) + (accumulate ? C : 0), where op(A)
// is m×k and op(B) k×n, row-major with sgemm's leading dimensions (A: k, or m when transA;
// B: n, or k when transB). Each element is one chain of fused multiply-adds over k in order,
// starting from +0, then added to C (or to +0). Four columns are computed together (four
// independent chains, held in registers). On x86-64 the function is compiled for FMA (a static
// inline function gets its own target): call it only on a CPU that has FMA. Elsewhere it is
// compiled as it is, never called (SmallGemm matches no kernel there).
#if defined(__x86_64__)
#define DL_SMALL_SGEMM_TARGET __attribute__((target("fma")))
#else
#define DL_SMALL_SGEMM_TARGET
#endif

static inline DL_SMALL_SGEMM_TARGET
void dl_small_sgemm(bool transA, bool transB, long m, long n, long k, const float *a,
                    const float *b, bool accumulate, float *c) {
  const long aRow = transA ? 1 : k, aK = transA ? m : 1;
  const long bK = transB ? 1 : n, bCol = transB ? k : 1;
  for (long i = 0; i < m; i++) {
    const float *ai = a + i * aRow;
    float *ci = c + i * n;
    long j = 0;
    for (; j + 4 <= n; j += 4) {
      const float *pa = ai, *pb = b + j * bCol;
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (long p = 0; p < k; p++) {
        const float x = *pa;
        s0 = __builtin_fmaf(x, pb[0], s0);
        s1 = __builtin_fmaf(x, pb[bCol], s1);
        s2 = __builtin_fmaf(x, pb[2 * bCol], s2);
        s3 = __builtin_fmaf(x, pb[3 * bCol], s3);
        pa += aK;
        pb += bK;
      }
      if (accumulate) { s0 += ci[j]; s1 += ci[j + 1]; s2 += ci[j + 2]; s3 += ci[j + 3]; }
      else { s0 += 0.0f; s1 += 0.0f; s2 += 0.0f; s3 += 0.0f; }
      ci[j] = s0; ci[j + 1] = s1; ci[j + 2] = s2; ci[j + 3] = s3;
    }
    for (; j < n; j++) {
      const float *pa = ai, *pb = b + j * bCol;
      float acc = 0;
      for (long p = 0; p < k; p++) { acc = __builtin_fmaf(*pa, *pb, acc); pa += aK; pb += bK; }
      ci[j] = acc + (accumulate ? ci[j] : 0.0f);
    }
  }
}

#undef DL_SMALL_SGEMM_TARGET
#endif
