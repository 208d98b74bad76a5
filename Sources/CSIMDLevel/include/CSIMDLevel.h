#ifndef DL_CSIMDLEVEL_H
#define DL_CSIMDLEVEL_H

/// The widest vector level this CPU and OS run, for the C kernel targets (COptimizerKernels,
/// CRecurrentKernels) to dispatch on: 2 = AVX-512F (with the OS saving the opmask and zmm
/// state), 1 = AVX2 (ymm state saved), 0 = anything else, including non-x86 machines.
/// Detected once (CPUID and XGETBV), then cached.
int dl_simd_level(void);

#endif
