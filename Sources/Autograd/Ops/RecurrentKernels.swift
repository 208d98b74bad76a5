#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// The elementwise nonlinearity of a recurrent cell (its `activation`); each derivative is
/// computed from the function's output.
public enum RecurrentActivation: String, Sendable, CaseIterable {
  case tanh, relu, sigmoid, linear

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

  static func lstmStep(_ b: StepBuffers, n: Int, u: Int, _ act: RecurrentActivation) {
    guard let cp = b.cp, let c = b.c, let tc = b.tc else { return }
    let g4 = 4 * u
    for r in 0..<n {
      let z = b.z + r * g4, hp = b.hp + r * u, h = b.h + r * u
      let cpr = cp + r * u, cr = c + r * u, tcr = tc + r * u
      let keep = b.real(r)
      for j in 0..<u {
        let i = sigma(z[j]), f = sigma(z[u + j]), g = act.apply(z[2 * u + j])
        let o = sigma(z[3 * u + j])
        z[j] = i; z[u + j] = f; z[2 * u + j] = g; z[3 * u + j] = o
        let cn = f * cpr[j] + i * g
        let t = act.apply(cn)
        tcr[j] = t
        if keep { cr[j] = cn; h[j] = o * t } else { cr[j] = cpr[j]; h[j] = hp[j] }
      }
    }
  }

  static func gruStep(_ b: StepBuffers, n: Int, u: Int, _ act: RecurrentActivation) {
    guard let q = b.q else { return }
    let g3 = 3 * u
    for r in 0..<n {
      let z = b.z + r * g3, qr = q + r * g3, hp = b.hp + r * u, h = b.h + r * u
      let keep = b.real(r)
      for j in 0..<u {
        let uz = sigma(z[j] + qr[j])
        let rr = sigma(z[u + j] + qr[u + j])
        let nn = act.apply(z[2 * u + j] + rr * qr[2 * u + j])
        z[j] = uz; z[u + j] = rr; z[2 * u + j] = nn
        h[j] = keep ? uz * hp[j] + (1 - uz) * nn : hp[j]
      }
    }
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
    let g4 = 4 * u
    for r in 0..<n {
      let z = b.z + r * g4, d = dz + r * g4, gh = dh + r * u, gc = dc + r * u
      let cpr = cp + r * u, tcr = tc + r * u
      if !b.real(r) {
        for j in 0..<g4 { d[j] = 0 }
        continue
      }
      for j in 0..<u {
        let i = z[j], f = z[u + j], g = z[2 * u + j], o = z[3 * u + j], t = tcr[j]
        let dct = gc[j] + gh[j] * o * act.slope(t)
        d[j] = dct * g * i * (1 - i)
        d[u + j] = dct * cpr[j] * f * (1 - f)
        d[2 * u + j] = dct * i * act.slope(g)
        d[3 * u + j] = gh[j] * t * o * (1 - o)
        gc[j] = dct * f
        gh[j] = 0
      }
    }
  }

  static func gruBack(_ b: StepBuffers, dz: UnsafeMutablePointer<Float>,
                      dq: UnsafeMutablePointer<Float>, dh: UnsafeMutablePointer<Float>,
                      n: Int, u: Int, _ act: RecurrentActivation) {
    guard let q = b.q else { return }
    let g3 = 3 * u
    for r in 0..<n {
      let z = b.z + r * g3, qr = q + r * g3, d = dz + r * g3, e = dq + r * g3
      let hp = b.hp + r * u, gh = dh + r * u
      if !b.real(r) {
        for j in 0..<g3 { d[j] = 0; e[j] = 0 }
        continue
      }
      for j in 0..<u {
        let uz = z[j], rr = z[u + j], nn = z[2 * u + j], g = gh[j]
        let dn = g * (1 - uz) * act.slope(nn)
        let du = g * (hp[j] - nn) * uz * (1 - uz)
        let dr = dn * qr[2 * u + j] * rr * (1 - rr)
        d[j] = du; d[u + j] = dr; d[2 * u + j] = dn
        e[j] = du; e[u + j] = dr; e[2 * u + j] = dn * rr
        gh[j] = g * uz
      }
    }
  }
}
