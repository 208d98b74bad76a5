// Fused LSTM and GRU step passes; see include/CRecurrentKernels.h.
#include "CRecurrentKernels.h"
#include "CSIMDLevel.h"

#pragma clang fp contract(off)

#if defined(__x86_64__)
#define DL_X86 1
#else
#define DL_X86 0
#endif

#define DL_CAT(a, b) a##_##b
#define DL_XCAT(a, b) DL_CAT(a, b)

// One lane: the scalar level, and the tail of every row at the vector levels.
#define DL_W 1
#define DL_NAME(x) DL_XCAT(x, s1)
#include "cell_body.h"
#undef DL_W
#undef DL_NAME

#if DL_X86
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#define DL_W 8
#define DL_NAME(x) DL_XCAT(x, v8)
#include "cell_body.h"
#undef DL_W
#undef DL_NAME
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#define DL_W 16
#define DL_NAME(x) DL_XCAT(x, v16)
#include "cell_body.h"
#undef DL_W
#undef DL_NAME
#pragma clang attribute pop

#endif

int dl_recurrent_kernel_level(void) { return dl_simd_level(); }

/// The level to run: the one asked for, at most the CPU's.
static int pick(int level) {
  const int best = dl_recurrent_kernel_level();
  return level < best ? level : best;
}

/// Units [0, split) go to the vector loop of `level`, [split, u) to the one-lane loop.
static long split(int level, long u) {
  const long w = level == 2 ? 16 : level == 1 ? 8 : 1;
  return u - u % w;
}

static int real(const float *mask, long stride, long r) { return mask ? mask[r * stride] != 0 : 1; }

void dl_lstm_step(int level, float *z, const float *hp, const float *cp, float *c, float *h,
                  float *tc, const float *mask, long maskStride, long n, long u, int act) {
  level = pick(level);
  const long m = split(level, u);
  for (long r = 0; r < n; r++) {
    float *zr = z + r * 4 * u, *cr = c + r * u, *hr = h + r * u, *tr = tc + r * u;
    const float *hpr = hp + r * u, *cpr = cp + r * u;
    const int keep = real(mask, maskStride, r);
#if DL_X86
    if (level == 2) lstm_row_v16(zr, hpr, cpr, cr, hr, tr, u, 0, m, keep, act);
    else if (level == 1) lstm_row_v8(zr, hpr, cpr, cr, hr, tr, u, 0, m, keep, act);
#endif
    lstm_row_s1(zr, hpr, cpr, cr, hr, tr, u, level == 0 ? 0 : m, u, keep, act);
  }
}

void dl_lstm_back(int level, const float *z, const float *cp, const float *tc,
                  const float *mask, long maskStride, float *dz, float *dh, float *dc,
                  long n, long u, int act) {
  level = pick(level);
  const long m = split(level, u);
  for (long r = 0; r < n; r++) {
    float *d = dz + r * 4 * u, *gh = dh + r * u, *gc = dc + r * u;
    if (!real(mask, maskStride, r)) {
      for (long j = 0; j < 4 * u; j++) d[j] = 0;
      continue;
    }
    const float *zr = z + r * 4 * u, *cpr = cp + r * u, *tr = tc + r * u;
#if DL_X86
    if (level == 2) lstm_back_row_v16(zr, cpr, tr, d, gh, gc, u, 0, m, act);
    else if (level == 1) lstm_back_row_v8(zr, cpr, tr, d, gh, gc, u, 0, m, act);
#endif
    lstm_back_row_s1(zr, cpr, tr, d, gh, gc, u, level == 0 ? 0 : m, u, act);
  }
}

void dl_gru_step(int level, float *z, float *q, const float *brec, const float *hp, float *h,
                 const float *mask, long maskStride, long n, long u, int act) {
  level = pick(level);
  const long m = split(level, u);
  for (long r = 0; r < n; r++) {
    float *zr = z + r * 3 * u, *qr = q + r * 3 * u, *hr = h + r * u;
    const float *hpr = hp + r * u;
    const int keep = real(mask, maskStride, r);
#if DL_X86
    if (level == 2) gru_row_v16(zr, qr, brec, hpr, hr, u, 0, m, keep, act);
    else if (level == 1) gru_row_v8(zr, qr, brec, hpr, hr, u, 0, m, keep, act);
#endif
    gru_row_s1(zr, qr, brec, hpr, hr, u, level == 0 ? 0 : m, u, keep, act);
  }
}

void dl_gru_back(int level, const float *z, const float *q, const float *hp,
                 const float *mask, long maskStride, float *dz, float *dq, float *dh,
                 long n, long u, int act) {
  level = pick(level);
  const long m = split(level, u);
  for (long r = 0; r < n; r++) {
    float *d = dz + r * 3 * u, *e = dq + r * 3 * u, *gh = dh + r * u;
    if (!real(mask, maskStride, r)) {
      for (long j = 0; j < 3 * u; j++) { d[j] = 0; e[j] = 0; }
      continue;
    }
    const float *zr = z + r * 3 * u, *qr = q + r * 3 * u, *hpr = hp + r * u;
#if DL_X86
    if (level == 2) gru_back_row_v16(zr, qr, hpr, d, e, gh, u, 0, m, act);
    else if (level == 1) gru_back_row_v8(zr, qr, hpr, d, e, gh, u, 0, m, act);
#endif
    gru_back_row_s1(zr, qr, hpr, d, e, gh, u, level == 0 ? 0 : m, u, act);
  }
}
