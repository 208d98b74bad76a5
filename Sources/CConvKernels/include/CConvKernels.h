#ifndef DL_CCONVKERNELS_H
#define DL_CCONVKERNELS_H

// Direct kernels for a convolution over a one-channel NHWC input (Sources/Autograd/Ops/Conv.swift):
// no im2col and no sgemm packing. Each has an AVX2 + FMA version chosen at run time when the
// CPU has both (Intel or AMD; never AVX-512), and a baseline x86-64 / generic version.
// Callers validate the geometry and size every buffer.

/// A one-channel convolution: input (n, h, w, 1), kernel (kh, kw, 1, f), output (n, ho, wo, f);
/// windows start at oy·stride − top, ox·stride − left (positions outside the input are zeros).
typedef struct {
  long n, h, w, kh, kw, stride, top, left, ho, wo, f;
} dl_conv1_geometry;

/// y = act(conv(x, k) + bias): `bias` may be NULL (no bias); `relu` nonzero applies
/// v > 0 ? v : 0 (NaN gives 0). Every element of y is written.
void dl_conv1_forward(const dl_conv1_geometry *g, const float *x, const float *k,
                      const float *bias, int relu, float *y);

/// The kernel's gradient dk (kh·kw × f) = Σ over output positions of x[window tap] · dz,
/// where dz = dy, or dy where y > 0 when `y` is not NULL (the relu mask; y is the relu output).
/// `accumulate` nonzero adds into dk, else overwrites it. With `db` not NULL, the column sums
/// of dz (the bias gradient) are added into db (f elements). `work` holds
/// 2·(kh·kw·f + f) floats (uninitialized).
void dl_conv1_kernel_grad(const dl_conv1_geometry *g, const float *x, const float *dy,
                          const float *y, float *dk, int accumulate, float *db, float *work);

/// 1 when the AVX2 + FMA versions run on this CPU, else 0 (benchmarks, tests).
int dl_conv_kernels_use_avx2(void);

#endif
