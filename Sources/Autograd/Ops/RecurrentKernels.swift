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
    case .tanh: return tanhf(x)
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
