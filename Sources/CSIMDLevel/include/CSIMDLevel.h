#ifndef DL_CSIMDLEVEL_H
#define DL_CSIMDLEVEL_H

/// The widest vector level this CPU and OS run, for the C kernel targets (COptimizerKernels,
/// CRecurrentKernels) to dispatch on: 2 = AVX-512F (with the OS saving the opmask and zmm
/// state), 1 = AVX2 (ymm state saved), 0 = anything else, including non-x86 machines.
/// Detected once (CPUID and XGETBV), then cached.
int dl_simd_level(void);

/// Whether this CPU has FMA3 (fused multiply-add on xmm/ymm), for kernels that use it beside
/// AVX2 (CConvKernels); 0 on non-x86 machines. Detected once, then cached.
int dl_simd_has_fma(void);

#endif
