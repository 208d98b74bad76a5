// CPU vector-level detection shared by the C kernel targets; see include/CSIMDLevel.h.
#include "CSIMDLevel.h"

#if defined(__x86_64__)
#include <cpuid.h>

/// XCR0: the OS saves the ymm (bits 1, 2) and, for AVX-512, the opmask and zmm state (5–7).
static unsigned long long xcr0(void) {
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((unsigned long long)hi << 32) | lo;
}

static int detect_level(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  if (!(osxsave && avx) || __get_cpuid_max(0, 0) < 7) return 0;
  const unsigned long long x = xcr0();
  if ((x & 6) != 6) return 0;
  __cpuid_count(7, 0, a, b, c, d);
  const int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
  if (avx512f && (x & 0xe6) == 0xe6) return 2;
  return avx2 ? 1 : 0;
}

static int detect_fma(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  return (c >> 12) & 1;
}

/// `detect()` once: a benign race, every thread computes the same value.
static int cached_value(int *cached, int (*detect)(void)) {
  int v = __atomic_load_n(cached, __ATOMIC_RELAXED);
  if (v < 0) {
    v = detect();
    __atomic_store_n(cached, v, __ATOMIC_RELAXED);
  }
  return v;
}

int dl_simd_level(void) {
  static int cached = -1;
  return cached_value(&cached, detect_level);
}

int dl_simd_has_fma(void) {
  static int cached = -1;
  return cached_value(&cached, detect_fma);
}
#else
int dl_simd_level(void) { return 0; }
int dl_simd_has_fma(void) { return 0; }
#endif

#if defined(__x86_64__)
#include <immintrin.h>

unsigned dl_fp_mode(void) { return _mm_getcsr(); }

unsigned dl_set_fp_mode(unsigned mode) {
  const unsigned previous = _mm_getcsr();
  _mm_setcsr(mode);
  return previous;
}

unsigned dl_flush_subnormals_begin(void) { return dl_set_fp_mode(_mm_getcsr() | 0x8040); }
#else
unsigned dl_fp_mode(void) { return 0; }
unsigned dl_set_fp_mode(unsigned mode) { (void)mode; return 0; }
unsigned dl_flush_subnormals_begin(void) { return 0; }
#endif

void dl_flush_subnormals_end(unsigned previous) { (void)dl_set_fp_mode(previous); }
