#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CRecurrentKernels

// The per-step passes of the recurrent op (Recurrent.swift): gate nonlinearities and the state
// update fused in one pass over a step's (N, G·U) pre-activations, and the matching backward
// pass, side by side. Rows are samples; a row whose mask is 0 keeps its previous state.
//
// Names (per sample row, per unit j; U units, G gates):
//   z  (N, G·U) the step's pre-activations, overwritten in place by the gate activations
//   hp (N, U)   h(t−1)      h (N, U) h(t)
//   cp (N, U)   c(t−1)      c (N, U) c(t)       (LSTM)
//   q  (N, 3U)  h(t−1)·R + b_rec               (GRU, reset_after)
//
// SimpleRNN:  a = act(z)                h = a
//             dz = dh · act'(a)         dhp = 0 (+ dz·Rᵀ, by the caller's sgemm)
// LSTM (Keras order i, f, c, o):
//   i = σ(zᵢ) f = σ(z_f) g = act(z_c) o = σ(z_o)     c = f·cp + i·g   tc = act(c)   h = o·tc
//   dc' = dc + dh·o·act'(tc)   dzᵢ = dc'·g·i(1−i)   dz_f = dc'·cp·f(1−f)
//   dz_c = dc'·i·act'(g)        dz_o = dh·tc·o(1−o)   dcp = dc'·f        dhp = 0 (+ dz·Rᵀ)
// GRU (Keras order z, r, h; reset_after):
//   u = σ(z_z + q_z)  r = σ(z_r + q_r)  n = act(z_h + r·q_h)   h = u·hp + (1−u)·n
//   dn' = dh·(1−u)·act'(n)   du' = dh·(hp − n)·u(1−u)   dr' = dn'·q_h·r(1−r)
//   dz = [du', dr', dn']     dq = [du', dr', dn'·r]     dhp = dh·u (+ dq·Rᵀ)
// Masked row: h = hp, c = cp; backward dz = 0, dhp = dh, dcp = dc.
// The LSTM and GRU passes are C (Sources/CRecurrentKernels: AVX-512, AVX2 or scalar, the same
// bits from each; their sigmoid is a polynomial exp within 2 ulp of expf's, their tanh
// `rationalTanh`); SimpleRNN's are the Swift loops here.

/// The elementwise nonlinearity of a recurrent cell (its `activation`); each derivative is
/// computed from the function's output.
public enum RecurrentActivation: String, Sendable, CaseIterable {
  case tanh, relu, sigmoid, linear

  /// The C passes' activation code (CRecurrentKernels.h): the case's position.
  var code: Int32 {
    switch self { case .tanh: return 0; case .relu: return 1; case .sigmoid: return 2; case .linear: return 3 }
  }

  @inline(__always) func apply(_ x: Float) -> Float {
    switch self {
    case .tanh: return rationalTanh(x)
    case .relu: return x > 0 ? x : 0
    case .sigmoid: return sigma(x)
    case .linear: return x
    }
  }

  /// d act / dx, from y = act(x).
  @inline(__always) func slope(_ y: Float) -> Float {
    switch self {
    case .tanh: return 1 - y * y
    case .relu: return y > 0 ? 1 : 0
    case .sigmoid: return y * (1 - y)
    case .linear: return 1
    }
  }
}

/// tanh as a rational function (Eigen's float `ptanh`: odd degree-13 numerator over even
/// degree-6 denominator on x clamped to ±7.90531, where float tanh is ±1; x itself below
/// |x| < 4·10⁻⁴). Within 7 ulp of tanh (2·10⁻⁷ absolute near ±1, checked against double
/// tanh on 2.2M points), |result| ≤ 1, NaN stays NaN. glibc's `tanhf` goes through `expm1f`
/// and was 40% of an LSTM's training time; this is a few multiply-adds and one division.
@inline(__always) func rationalTanh(_ x: Float) -> Float {
  let c = Swift.max(Swift.min(x, 7.90531110763549805), -7.90531110763549805)  // NaN passes
  let x2 = c * c
  var p: Float = -2.76076847742355e-16
  p = p * x2 + 2.00018790482477e-13
  p = p * x2 - 8.60467152213735e-11
  p = p * x2 + 5.12229709037114e-08
  p = p * x2 + 1.48572235717979e-05
  p = p * x2 + 6.37261928875436e-04
  p = p * x2 + 4.89352455891786e-03
  var q: Float = 1.19825839466702e-06
  q = q * x2 + 1.18534705686654e-04
  q = q * x2 + 2.26843463243900e-03
  q = q * x2 + 4.89352518554385e-03
  let y = c * p / q
  return Swift.abs(x) < 0.0004 ? x : y
}

/// The logistic function, stable for large |x|.
@inline(__always) func sigma(_ x: Float) -> Float {
  if x >= 0 { return 1 / (1 + expf(-x)) }
  let e = expf(x)
  return e / (1 + e)
}

/// Pointers to one step's buffers (all (N, ·) row-major).
struct StepBuffers {
  var z: UnsafeMutablePointer<Float>
  var hp: UnsafePointer<Float>
  var h: UnsafeMutablePointer<Float>
  var cp: UnsafePointer<Float>? = nil
  var c: UnsafeMutablePointer<Float>? = nil
  var tc: UnsafeMutablePointer<Float>? = nil
  var q: UnsafeMutablePointer<Float>? = nil
  /// The step's mask column: mask[n·stride] for sample n (nil: every step real).
  var mask: UnsafePointer<Float>? = nil
  var maskStride: Int = 0

  @inline(__always) func real(_ n: Int) -> Bool { mask.map { $0[n * maskStride] != 0 } ?? true }
}

enum RecurrentKernels {
  // MARK: forward

  static func simpleStep(_ b: StepBuffers, n: Int, u: Int, _ act: RecurrentActivation) {
    for r in 0..<n {
      let z = b.z + r * u, hp = b.hp + r * u, h = b.h + r * u
      let keep = b.real(r)
      for j in 0..<u {
        let a = act.apply(z[j])
        z[j] = a
        h[j] = keep ? a : hp[j]
      }
    }
  }

  /// The level asked of the C passes: the best this CPU has (every level computes the same
  /// bits; RecurrentKernelTests runs each through the C entry points).
  static let level: Int32 = 2

  static func lstmStep(_ b: StepBuffers, n: Int, u: Int, _ act: RecurrentActivation) {
    guard let cp = b.cp, let c = b.c, let tc = b.tc else { return }
    dl_lstm_step(level, b.z, b.hp, cp, c, b.h, tc, b.mask, b.maskStride, n, u, act.code)
  }

  /// `brec` (3U, nil for none) is added to q in place first.
  static func gruStep(_ b: StepBuffers, brec: UnsafePointer<Float>?, n: Int, u: Int,
                      _ act: RecurrentActivation) {
    guard let q = b.q else { return }
    dl_gru_step(level, b.z, q, brec, b.hp, b.h, b.mask, b.maskStride, n, u, act.code)
  }

  // MARK: backward
  //
  // Each pass reads dh (N, U) (and dc), writes the step's dz (N, G·U) (GRU: also dq), and
  // overwrites dh (and dc) with the part of dL/dh(t−1) that does not go through R
  // (the caller adds dz·Rᵀ).

  static func simpleBack(_ b: StepBuffers, dz: UnsafeMutablePointer<Float>,
                         dh: UnsafeMutablePointer<Float>, n: Int, u: Int, _ act: RecurrentActivation) {
    for r in 0..<n {
      let a = b.z + r * u, d = dz + r * u, g = dh + r * u
      if b.real(r) {
        for j in 0..<u { d[j] = g[j] * act.slope(a[j]); g[j] = 0 }
      } else {
        for j in 0..<u { d[j] = 0 }  // dh passes to h(t−1) unchanged
      }
    }
  }

  static func lstmBack(_ b: StepBuffers, dz: UnsafeMutablePointer<Float>,
                       dh: UnsafeMutablePointer<Float>, dc: UnsafeMutablePointer<Float>,
                       n: Int, u: Int, _ act: RecurrentActivation) {
    guard let cp = b.cp, let tc = b.tc else { return }
    dl_lstm_back(level, b.z, cp, tc, b.mask, b.maskStride, dz, dh, dc, n, u, act.code)
  }

  static func gruBack(_ b: StepBuffers, dz: UnsafeMutablePointer<Float>,
                      dq: UnsafeMutablePointer<Float>, dh: UnsafeMutablePointer<Float>,
                      n: Int, u: Int, _ act: RecurrentActivation) {
    guard let q = b.q else { return }
    dl_gru_back(level, b.z, q, b.hp, b.mask, b.maskStride, dz, dq, dh, n, u, act.code)
  }
}
