#ifndef DL_CRECURRENTKERNELS_H
#define DL_CRECURRENTKERNELS_H

// The fused per-step passes of the LSTM and GRU ops (Sources/Autograd/Ops/Recurrent.swift):
// gate nonlinearities and state update forward, the matching elementwise backward pass. The
// formulas are at the top of Sources/Autograd/Ops/RecurrentKernels.swift.
//
// Each pass exists as an AVX-512, an AVX2 and a scalar loop, chosen at run time from CPUID.
// The three are one source compiled three times (cell_body.h) over vectors of 16, 8 and 1
// floats, with the same operations in the same order and no fused multiply-adds: they give
// bit-identical results (RecurrentKernelTests checks it). The sigmoid is 1/(1 + e) or
// e/(1 + e) with e = exp(−|x|), exp a Cephes-style polynomial (within 2 ulp of expf); tanh is
// the rational function of `rationalTanh` (within 7 ulp), bit-identical to the Swift one.
//
// Buffers are row-major (n, ·); rows are samples. `mask` (nil: every row real) is read at
// mask[r·maskStride]; a row whose mask is 0 keeps its state (forward: h = hp, c = cp;
// backward: dz = 0 (and dq = 0), dh and dc pass unchanged). `act` is the cell activation:
// 0 tanh, 1 relu, 2 sigmoid, 3 linear (RecurrentActivation's case order). `level`: 2 AVX-512,
// 1 AVX2, 0 scalar; lowered to the best one this CPU has.

/// Which kernel a level ≥ 2 runs here: 2 AVX-512, 1 AVX2, 0 scalar.
int dl_recurrent_kernel_level(void);

/// LSTM step (gates i, f, c, o): z (n, 4u) pre-activations in, gate activations out;
/// hp, cp (n, u) the previous state; writes c, h (n, u) and tc = act(c) (n, u).
void dl_lstm_step(int level, float *z, const float *hp, const float *cp, float *c, float *h,
                  float *tc, const float *mask, long maskStride, long n, long u, int act);

/// LSTM backward: reads z (activations), cp, tc, dh, dc; writes dz (n, 4u) and overwrites
/// dh with 0 and dc with dL/dc(t−1) (the caller adds dz·Rᵀ to dh).
void dl_lstm_back(int level, const float *z, const float *cp, const float *tc,
                  const float *mask, long maskStride, float *dz, float *dh, float *dc,
                  long n, long u, int act);

/// GRU step (gates z, r, h; reset_after): z (n, 3u) input pre-activations in, gate
/// activations out; q (n, 3u) = h(t−1)·R, to which `brec` (3u, nil for none) is added in
/// place first; hp (n, u); writes h (n, u).
void dl_gru_step(int level, float *z, float *q, const float *brec, const float *hp, float *h,
                 const float *mask, long maskStride, long n, long u, int act);

/// GRU backward: reads z (activations), q, hp, dh; writes dz, dq (n, 3u) and overwrites dh
/// with dh·u (the caller adds dq·Rᵀ).
void dl_gru_back(int level, const float *z, const float *q, const float *hp,
                 const float *mask, long maskStride, float *dz, float *dq, float *dh,
                 long n, long u, int act);

#endif
