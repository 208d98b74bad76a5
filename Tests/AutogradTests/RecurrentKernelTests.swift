import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CRecurrentKernels
@testable import Autograd

/// The C cell passes (Sources/CRecurrentKernels): every level (AVX-512, AVX2, scalar) computes
/// the same bits, and the scalar level computes the cell's formulas (against a Double reference).
@Suite("Recurrent C kernels")
struct RecurrentKernelTests {
  /// Deterministic values in [-scale, scale].
  static func values(_ count: Int, seed: UInt64, scale: Float) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
      state ^= state << 13; state ^= state >> 7; state ^= state << 17
      return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
    }
  }

  /// Mask of n rows, row 1 masked.
  static func mask(_ n: Int) -> [Float] { (0..<n).map { $0 == 1 ? 0 : 1 } }

  struct LSTMOut: Equatable { var z, c, h, tc, dz, dh, dc: [UInt32] }
  struct GRUOut: Equatable { var z, q, h, dz, dq, dh: [UInt32] }

  static func bits(_ a: [Float]) -> [UInt32] { a.map(\.bitPattern) }

  static func lstm(level: Int32, n: Int, u: Int, act: Int32) -> (LSTMOut, [Float], [Float], [Float]) {
    let z0 = values(n * 4 * u, seed: 1, scale: 12)
    let hp = values(n * u, seed: 2, scale: 1), cp = values(n * u, seed: 3, scale: 3)
    var z = z0, c = [Float](repeating: 0, count: n * u), h = c, tc = c
    let m = mask(n)
    dl_lstm_step(level, &z, hp, cp, &c, &h, &tc, m, 1, n, u, act)
    var dz = [Float](repeating: 0, count: n * 4 * u)
    var dh = values(n * u, seed: 4, scale: 1), dc = values(n * u, seed: 5, scale: 1)
    dl_lstm_back(level, z, cp, tc, m, 1, &dz, &dh, &dc, n, u, act)
    return (LSTMOut(z: bits(z), c: bits(c), h: bits(h), tc: bits(tc), dz: bits(dz), dh: bits(dh), dc: bits(dc)),
            z0, hp, cp)
  }

  static func gru(level: Int32, n: Int, u: Int, act: Int32) -> GRUOut {
    var z = values(n * 3 * u, seed: 6, scale: 12), q = values(n * 3 * u, seed: 7, scale: 4)
    let brec = values(3 * u, seed: 8, scale: 1), hp = values(n * u, seed: 9, scale: 1)
    var h = [Float](repeating: 0, count: n * u)
    let m = mask(n)
    dl_gru_step(level, &z, &q, brec, hp, &h, m, 1, n, u, act)
    var dz = [Float](repeating: 0, count: n * 3 * u), dq = dz
    var dh = values(n * u, seed: 10, scale: 1)
    dl_gru_back(level, z, q, hp, m, 1, &dz, &dq, &dh, n, u, act)
    return GRUOut(z: bits(z), q: bits(q), h: bits(h), dz: bits(dz), dq: bits(dq), dh: bits(dh))
  }

  @Test("AVX-512, AVX2 and scalar passes give the same bits", arguments: [1, 5, 16, 37, 64])
  func levelsAgree(_ u: Int) {
    for act in Int32(0)...3 {
      let l0 = Self.lstm(level: 0, n: 4, u: u, act: act).0
      let g0 = Self.gru(level: 0, n: 4, u: u, act: act)
      for level in Int32(1)...2 {
        #expect(Self.lstm(level: level, n: 4, u: u, act: act).0 == l0, "LSTM level \(level) act \(act)")
        #expect(Self.gru(level: level, n: 4, u: u, act: act) == g0, "GRU level \(level) act \(act)")
      }
    }
  }

  @Test("the LSTM pass computes the cell's formulas (Double reference) and keeps masked rows")
  func lstmReference() {
    let (n, u) = (4, 37)
    let (out, z0, hp, cp) = Self.lstm(level: 0, n: n, u: u, act: 0)
    let z = out.z.map(Float.init(bitPattern:)), c = out.c.map(Float.init(bitPattern:))
    let h = out.h.map(Float.init(bitPattern:))
    func sig(_ x: Float) -> Double { 1 / (1 + exp(-Double(x))) }
    var worst: Double = 0
    for r in 0..<n {
      for j in 0..<u {
        let b = r * 4 * u
        let i = sig(z0[b + j]), f = sig(z0[b + u + j]), g = tanh(Double(z0[b + 2 * u + j]))
        let o = sig(z0[b + 3 * u + j])
        for (got, want) in [(z[b + j], i), (z[b + u + j], f), (z[b + 2 * u + j], g), (z[b + 3 * u + j], o)] {
          worst = Swift.max(worst, abs(Double(got) - want))
        }
        let cn = f * Double(cp[r * u + j]) + i * g
        if r == 1 {
          #expect(c[r * u + j] == cp[r * u + j] && h[r * u + j] == hp[r * u + j])
        } else {
          worst = Swift.max(worst, abs(Double(c[r * u + j]) - cn), abs(Double(h[r * u + j]) - o * tanh(cn)))
        }
      }
    }
    #expect(worst < 2e-6, "max abs error \(worst)")
    #expect(out.dz[4 * u..<8 * u].allSatisfy { $0 == 0 }, "a masked row's dz is 0")
  }

  @Test("the sigmoid: within 2 ulp of the Double logistic, saturates, keeps NaN")
  func sigmoid() {
    // The LSTM pass with act = linear on one row of u = 16: z holds σ of the first 3u inputs.
    var xs: [Float] = stride(from: -30, to: 30, by: 0.01).map { Float($0) }
    xs += [0, -0.0, 100, -100, .infinity, -.infinity, .nan, 1e-30, -1e-30]
    var worst: Double = 0
    var results: [Float] = []
    let u = 16
    var k = 0
    while k < xs.count {
      var z = [Float](repeating: 0, count: 4 * u)
      for j in 0..<u where k + j < xs.count { z[j] = xs[k + j] }
      let zero = [Float](repeating: 0, count: u)
      var c = zero, h = zero, tc = zero
      dl_lstm_step(2, &z, zero, zero, &c, &h, &tc, nil, 0, 1, u, 3)
      results += z[0..<Swift.min(u, xs.count - k)]
      k += u
    }
    for (x, y) in zip(xs, results) where x.isFinite && abs(x) <= 80 {
      let ref = 1 / (1 + exp(-Double(x)))
      worst = Swift.max(worst, abs(Double(y) - ref) / Double(Float(ref).ulp))
    }
    #expect(worst <= 2, "max error \(worst) ulp")
    let at = { (x: Float) in results[xs.firstIndex { $0.bitPattern == x.bitPattern } ?? 0] }
    #expect(at(0) == 0.5 && at(100) == 1 && at(.infinity) == 1 && at(-100) < 1e-37 && at(-.infinity) >= 0)
    #expect(results[xs.firstIndex { $0.isNaN } ?? 0].isNaN)
  }
}
