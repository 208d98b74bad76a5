#ifndef DL_COPTIMIZERKERNELS_H
#define DL_COPTIMIZERKERNELS_H

// Optimizer updates over one parameter's buffers (Sources/NeuralNet/Optimizers): AVX-512 or
// AVX2 chosen at run time from CPUID, a scalar loop otherwise. Each computes exactly what the
// scalar Swift loop it replaces computes (the same operations in the same order, no fused
// multiply-adds; vector sqrt and division are correctly rounded), except that subnormal values
// are flushed to zero while it runs (MXCSR FTZ and DAZ, restored on return): the moments of
// rarely active units decay into the subnormal range, where every operation on them costs
// ~100 cycles (TensorFlow flushes them the same way). Callers size every buffer.

/// Adam on elements [0, n): m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g·g;
/// w = w − (alpha·m) / (√v + eps).
void dl_adam_update(float *w, const float *g, float *m, float *v, long n,
                    float alpha, float b1, float b2, float eps);

/// `dl_adam_update` with the kernel of `level` (2 AVX-512, 1 AVX2, 0 scalar), lowered to the
/// best one this CPU has: for tests comparing every kernel with the scalar loop.
void dl_adam_update_level(int level, float *w, const float *g, float *m, float *v, long n,
                          float alpha, float b1, float b2, float eps);

/// Which kernel runs here: 2 AVX-512, 1 AVX2, 0 scalar (for tests and `dl --version`).
int dl_optimizer_kernel_level(void);

#endif
