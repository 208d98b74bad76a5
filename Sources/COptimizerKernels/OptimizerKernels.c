// Optimizer update kernels; see include/COptimizerKernels.h.
#include "COptimizerKernels.h"
#include "CSIMDLevel.h"
#include <math.h>

#pragma clang fp contract(off)

#if defined(__x86_64__)
#define DL_X86 1
#include <immintrin.h>
#else
#define DL_X86 0
#endif

/// The scalar loop, in the Swift loop's order of operations.
static void adam_scalar(float *w, const float *g, float *m, float *v, long n,
                        float alpha, float b1, float b2, float eps) {
  const float c1 = 1 - b1, c2 = 1 - b2;
  for (long i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = b1 * m[i] + c1 * gi;
    const float vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] -= alpha * mi / (sqrtf(vi) + eps);
  }
}

#if DL_X86
__attribute__((target("avx512f")))
static void adam_avx512(float *w, const float *g, float *m, float *v, long n,
                        float alpha, float b1, float b2, float eps) {
  const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2);
  const __m512 vc1 = _mm512_set1_ps(1 - b1), vc2 = _mm512_set1_ps(1 - b2);
  const __m512 va = _mm512_set1_ps(alpha), ve = _mm512_set1_ps(eps);
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 gi = _mm512_loadu_ps(g + i);
    const __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(vc1, gi));
    const __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(v + i)),
                                    _mm512_mul_ps(_mm512_mul_ps(vc2, gi), gi));
    _mm512_storeu_ps(m + i, mi);
    _mm512_storeu_ps(v + i, vi);
    const __m512 step = _mm512_div_ps(_mm512_mul_ps(va, mi), _mm512_add_ps(_mm512_sqrt_ps(vi), ve));
    _mm512_storeu_ps(w + i, _mm512_sub_ps(_mm512_loadu_ps(w + i), step));
  }
  adam_scalar(w + i, g + i, m + i, v + i, n - i, alpha, b1, b2, eps);
}

__attribute__((target("avx2")))
static void adam_avx2(float *w, const float *g, float *m, float *v, long n,
                      float alpha, float b1, float b2, float eps) {
  const __m256 vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2);
  const __m256 vc1 = _mm256_set1_ps(1 - b1), vc2 = _mm256_set1_ps(1 - b2);
  const __m256 va = _mm256_set1_ps(alpha), ve = _mm256_set1_ps(eps);
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 gi = _mm256_loadu_ps(g + i);
    const __m256 mi = _mm256_add_ps(_mm256_mul_ps(vb1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(vc1, gi));
    const __m256 vi = _mm256_add_ps(_mm256_mul_ps(vb2, _mm256_loadu_ps(v + i)),
                                    _mm256_mul_ps(_mm256_mul_ps(vc2, gi), gi));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    const __m256 step = _mm256_div_ps(_mm256_mul_ps(va, mi), _mm256_add_ps(_mm256_sqrt_ps(vi), ve));
    _mm256_storeu_ps(w + i, _mm256_sub_ps(_mm256_loadu_ps(w + i), step));
  }
  adam_scalar(w + i, g + i, m + i, v + i, n - i, alpha, b1, b2, eps);
}

#endif

int dl_optimizer_kernel_level(void) { return dl_simd_level(); }

void dl_adam_update_level(int level, float *w, const float *g, float *m, float *v, long n,
                          float alpha, float b1, float b2, float eps) {
#if DL_X86
  const int best = dl_optimizer_kernel_level();
  const unsigned csr = dl_flush_subnormals_begin();
  switch (level < best ? level : best) {
  case 2: adam_avx512(w, g, m, v, n, alpha, b1, b2, eps); break;
  case 1: adam_avx2(w, g, m, v, n, alpha, b1, b2, eps); break;
  default: adam_scalar(w, g, m, v, n, alpha, b1, b2, eps); break;
  }
  dl_flush_subnormals_end(csr);
#else
  (void)level;
  adam_scalar(w, g, m, v, n, alpha, b1, b2, eps);
#endif
}

void dl_adam_update(float *w, const float *g, float *m, float *v, long n,
                    float alpha, float b1, float b2, float eps) {
  dl_adam_update_level(2, w, g, m, v, n, alpha, b1, b2, eps);
}

