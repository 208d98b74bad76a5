// Direct one-channel convolution kernels (see include/CConvKernels.h). Each body is written
// once over 8-float vectors (GCC/Clang vector extensions) and compiled twice: for AVX2 + FMA
// (one ymm register per vector, multiply-adds contracted to FMA) and for the baseline target
// (two SSE registers per vector). dl_conv_kernels_use_avx2 picks one from CPUID at run time.

#include "CConvKernels.h"
#include "CSIMDLevel.h"
#include <string.h>

// The always-inline helpers pass 32-byte vectors; they are inlined into each version, so
// the baseline ABI note does not apply.
#pragma clang diagnostic ignored "-Wpsabi"

#if defined(__x86_64__) || defined(__i386__)
#define DL_X86 1
#define DL_AVX2 __attribute__((target("avx2,fma")))
#else
#define DL_X86 0
#endif

#define INLINE static inline __attribute__((always_inline))

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

INLINE v8 ld8(const float *p) { v8 v; memcpy(&v, p, sizeof v); return v; }
INLINE void st8(float *p, v8 v) { memcpy(p, &v, sizeof v); }
INLINE v8 splat8(float s) { return (v8){s, s, s, s, s, s, s, s}; }
/// v > 0 ? v : 0 per lane (NaN gives 0), as Variable.relu.
INLINE v8 relu8(v8 v) { return (v8)((v8i)v & (v8i)(v > splat8(0))); }
/// v where y > 0, else 0 (the relu mask).
INLINE v8 keep8(v8 v, v8 y) { return (v8)((v8i)v & (v8i)(y > splat8(0))); }

/// The kernel rows ky0..<ky1 (or columns) of a window starting at input index i0 that lie
/// inside 0..<extent.
INLINE void clip(long i0, long window, long extent, long *lo, long *hi) {
  *lo = i0 < 0 ? -i0 : 0;
  *hi = extent - i0 < window ? extent - i0 : window;
  if (*hi < *lo) *hi = *lo;
}

INLINE void forward_body(const dl_conv1_geometry *g, const float *x, const float *k,
                         const float *bias, int relu, float *y) {
  const long f = g->f, kw = g->kw, w = g->w;
  for (long b = 0; b < g->n; b++) {
    for (long oy = 0; oy < g->ho; oy++) {
      long iy0 = oy * g->stride - g->top, ky0, ky1;
      clip(iy0, g->kh, g->h, &ky0, &ky1);
      for (long ox = 0; ox < g->wo; ox++) {
        long ix0 = ox * g->stride - g->left, kx0, kx1;
        clip(ix0, kw, w, &kx0, &kx1);
        const long origin = (b * g->h + iy0) * w + ix0;  // x index of tap (0, 0)
        float *out = y + ((b * g->ho + oy) * g->wo + ox) * f;
        long j = 0;
        for (; j + 32 <= f; j += 32) {
          v8 a0 = splat8(0), a1 = a0, a2 = a0, a3 = a0;
          if (bias) { a0 = ld8(bias + j); a1 = ld8(bias + j + 8); a2 = ld8(bias + j + 16); a3 = ld8(bias + j + 24); }
          for (long ky = ky0; ky < ky1; ky++) {
            for (long kx = kx0; kx < kx1; kx++) {
              const v8 xv = splat8(x[origin + ky * w + kx]);
              const float *kr = k + (ky * kw + kx) * f + j;
              a0 += xv * ld8(kr); a1 += xv * ld8(kr + 8);
              a2 += xv * ld8(kr + 16); a3 += xv * ld8(kr + 24);
            }
          }
          if (relu) { a0 = relu8(a0); a1 = relu8(a1); a2 = relu8(a2); a3 = relu8(a3); }
          st8(out + j, a0); st8(out + j + 8, a1); st8(out + j + 16, a2); st8(out + j + 24, a3);
        }
        for (; j + 8 <= f; j += 8) {
          v8 a = bias ? ld8(bias + j) : splat8(0);
          for (long ky = ky0; ky < ky1; ky++) {
            for (long kx = kx0; kx < kx1; kx++) {
              a += splat8(x[origin + ky * w + kx]) * ld8(k + (ky * kw + kx) * f + j);
            }
          }
          st8(out + j, relu ? relu8(a) : a);
        }
        for (; j < f; j++) {
          float a = bias ? bias[j] : 0;
          for (long ky = ky0; ky < ky1; ky++) {
            for (long kx = kx0; kx < kx1; kx++) a += x[origin + ky * w + kx] * k[(ky * kw + kx) * f + j];
          }
          out[j] = relu ? (a > 0 ? a : 0) : a;
        }
      }
    }
  }
}

/// The masked upstream gradient dz of 8 filters at flat output offset `o`.
INLINE v8 masked8(const float *dy, const float *y, long o) {
  v8 d = ld8(dy + o);
  return y ? keep8(d, ld8(y + o)) : d;
}

/// One sample's kernel gradient for filters j..<j+8, added into `local` (taps·f) and `lsum`.
/// Positions whose window lies wholly inside the input sum into kh·kw vector accumulators
/// (registers when kh and kw are constants, as for 3×3); border positions add into `local`.
INLINE void kernel_grad_sample8(const dl_conv1_geometry *g, long b, long j, const float *x,
                                const float *dy, const float *y, float *local, float *lsum,
                                const long kh, const long kw) {
  const long f = g->f, w = g->w;
  v8 acc[kh * kw];
  for (long t = 0; t < kh * kw; t++) acc[t] = splat8(0);
  v8 sum = splat8(0);
  for (long oy = 0; oy < g->ho; oy++) {
    long iy0 = oy * g->stride - g->top, ky0, ky1;
    clip(iy0, kh, g->h, &ky0, &ky1);
    for (long ox = 0; ox < g->wo; ox++) {
      long ix0 = ox * g->stride - g->left, kx0, kx1;
      clip(ix0, kw, w, &kx0, &kx1);
      const long origin = (b * g->h + iy0) * w + ix0;
      const v8 d = masked8(dy, y, ((b * g->ho + oy) * g->wo + ox) * f + j);
      sum += d;
      if (ky0 == 0 && ky1 == kh && kx0 == 0 && kx1 == kw) {
        for (long ky = 0; ky < kh; ky++) {
          for (long kx = 0; kx < kw; kx++) acc[ky * kw + kx] += splat8(x[origin + ky * w + kx]) * d;
        }
      } else {
        for (long ky = ky0; ky < ky1; ky++) {
          for (long kx = kx0; kx < kx1; kx++) {
            float *a = local + (ky * kw + kx) * f + j;
            st8(a, ld8(a) + splat8(x[origin + ky * w + kx]) * d);
          }
        }
      }
    }
  }
  for (long t = 0; t < kh * kw; t++) st8(local + t * f + j, ld8(local + t * f + j) + acc[t]);
  st8(lsum + j, ld8(lsum + j) + sum);
}

/// The same for one filter j (the f mod 8 tail), scalar.
INLINE void kernel_grad_sample1(const dl_conv1_geometry *g, long b, long j, const float *x,
                                const float *dy, const float *y, float *local, float *lsum) {
  const long f = g->f, kw = g->kw, w = g->w;
  for (long oy = 0; oy < g->ho; oy++) {
    long iy0 = oy * g->stride - g->top, ky0, ky1;
    clip(iy0, g->kh, g->h, &ky0, &ky1);
    for (long ox = 0; ox < g->wo; ox++) {
      long ix0 = ox * g->stride - g->left, kx0, kx1;
      clip(ix0, kw, w, &kx0, &kx1);
      const long origin = (b * g->h + iy0) * w + ix0;
      const long o = ((b * g->ho + oy) * g->wo + ox) * f + j;
      const float d = y ? (y[o] > 0 ? dy[o] : 0) : dy[o];
      lsum[j] += d;
      for (long ky = ky0; ky < ky1; ky++) {
        for (long kx = kx0; kx < kx1; kx++) local[(ky * kw + kx) * f + j] += x[origin + ky * w + kx] * d;
      }
    }
  }
}

/// Each sample's contribution is summed into `local` (taps·f, then f sums) and then added
/// into `total`, so no accumulator sums more than Ho·Wo terms on its own. Within a sample the
/// filters go eight at a time: that sample's dy and y (Ho·Wo·f each) stay in cache meanwhile.
INLINE void kernel_grad_body(const dl_conv1_geometry *g, const float *x, const float *dy,
                             const float *y, float *dk, int accumulate, float *db, float *work) {
  const long f = g->f, taps = g->kh * g->kw, size = taps * f + f;
  float *total = work, *local = work + size;
  memset(total, 0, (size_t)size * sizeof(float));
  for (long b = 0; b < g->n; b++) {
    memset(local, 0, (size_t)size * sizeof(float));
    float *lsum = local + taps * f;
    long j = 0;
    for (; j + 8 <= f; j += 8) {
      if (g->kh == 3 && g->kw == 3) kernel_grad_sample8(g, b, j, x, dy, y, local, lsum, 3, 3);
      else kernel_grad_sample8(g, b, j, x, dy, y, local, lsum, g->kh, g->kw);
    }
    for (; j < f; j++) kernel_grad_sample1(g, b, j, x, dy, y, local, lsum);
    for (long i = 0; i < size; i++) total[i] += local[i];
  }
  for (long i = 0; i < taps * f; i++) dk[i] = accumulate ? dk[i] + total[i] : total[i];
  if (db) for (long j = 0; j < f; j++) db[j] += total[taps * f + j];
}

static void forward_base(const dl_conv1_geometry *g, const float *x, const float *k,
                         const float *bias, int relu, float *y) {
  forward_body(g, x, k, bias, relu, y);
}

static void kernel_grad_base(const dl_conv1_geometry *g, const float *x, const float *dy,
                             const float *y, float *dk, int accumulate, float *db, float *work) {
  kernel_grad_body(g, x, dy, y, dk, accumulate, db, work);
}

#if DL_X86
DL_AVX2 static void forward_avx2(const dl_conv1_geometry *g, const float *x, const float *k,
                                 const float *bias, int relu, float *y) {
  forward_body(g, x, k, bias, relu, y);
}

DL_AVX2 static void kernel_grad_avx2(const dl_conv1_geometry *g, const float *x, const float *dy,
                                     const float *y, float *dk, int accumulate, float *db,
                                     float *work) {
  kernel_grad_body(g, x, dy, y, dk, accumulate, db, work);
}

#endif

int dl_conv_kernels_use_avx2(void) {
  // AVX2 with the OS saving the ymm state (CSIMDLevel), and FMA.
  return dl_simd_level() >= 1 && dl_simd_has_fma();
}

void dl_conv1_forward(const dl_conv1_geometry *g, const float *x, const float *k,
                      const float *bias, int relu, float *y) {
#if DL_X86
  if (dl_conv_kernels_use_avx2()) { forward_avx2(g, x, k, bias, relu, y); return; }
#endif
  forward_base(g, x, k, bias, relu, y);
}

void dl_conv1_kernel_grad(const dl_conv1_geometry *g, const float *x, const float *dy,
                          const float *y, float *dk, int accumulate, float *db, float *work) {
#if DL_X86
  if (dl_conv_kernels_use_avx2()) { kernel_grad_avx2(g, x, dy, y, dk, accumulate, db, work); return; }
#endif
  kernel_grad_base(g, x, dy, y, dk, accumulate, db, work);
}
