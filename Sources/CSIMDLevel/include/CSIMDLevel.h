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

/// The floating-point control word of this thread (x86: MXCSR), for handing a thread's mode
/// to the threads that work for it; 0 off x86.
unsigned dl_fp_mode(void);

/// Sets this thread's floating-point control word to `mode` (from `dl_fp_mode` or
/// `dl_flush_subnormals_begin`) and returns the previous one; a no-op off x86.
unsigned dl_set_fp_mode(unsigned mode);

/// Sets MXCSR's FTZ and DAZ bits on this thread (subnormal results are written, and subnormal
/// inputs read, as zero) and returns the previous MXCSR for `dl_flush_subnormals_end`.
/// Training and inference run between the two: values below 1.2e-38 (tiny softmax
/// probabilities and the gradients they give, decaying optimizer moments) would otherwise cost
/// ~100 cycles per operation on Intel CPUs. 0 and a no-op off x86.
unsigned dl_flush_subnormals_begin(void);

/// Restores the MXCSR that `dl_flush_subnormals_begin` returned.
void dl_flush_subnormals_end(unsigned previous);

#endif
