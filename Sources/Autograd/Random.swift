#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one seeded pseudo-random generator behind every random choice in `dl`: initialisation,
/// shuffling, dropout masks, splits. xoshiro256** seeded through SplitMix64, so the same seed
/// gives the same stream on every platform.
public struct SeededRandom: RandomNumberGenerator, Sendable {
  private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

  /// A generator whose whole stream is determined by `seed`.
  public init(seed: UInt64) {
    var sm = seed
    func splitMix() -> UInt64 {
      sm &+= 0x9E37_79B9_7F4A_7C15
      var z = sm
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
  }

  /// The generator's whole state (four words), to checkpoint and restore it exactly.
  public var state: [UInt64] {
    get { [s0, s1, s2, s3] }
    set {
      guard newValue.count == 4, newValue.contains(where: { $0 != 0 }) else { return }
      s0 = newValue[0]; s1 = newValue[1]; s2 = newValue[2]; s3 = newValue[3]
    }
  }

  /// Next 64 random bits (xoshiro256**).
  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
    s3 = (s3 << 45) | (s3 >> 19)
    return result
  }

  /// Uniform float in [0, 1) with 24 random bits.
  @inlinable public mutating func nextUnit() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// Uniform float in [lo, hi).
  @inlinable public mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
    lo + (hi - lo) * nextUnit()
  }

  /// Standard normal sample (Box–Muller, one value per call).
  public mutating func normal(mean: Float = 0, std: Float = 1) -> Float {
    var u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    if u1 < 1e-300 { u1 = 1e-300 }
    let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    let z = (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    return mean + std * Float(z)
  }

  /// Normal sample redrawn until within two standard deviations (Keras' truncated normal).
  public mutating func truncatedNormal(std: Float) -> Float {
    while true {
      let z = normal()
      if abs(z) <= 2 { return z * std }
    }
  }

  /// Uniform integer in 0..<n (n > 0), without modulo bias.
  public mutating func int(below n: Int) -> Int {
    precondition(n > 0)
    return Int(next(upperBound: UInt64(n)))
  }

  /// A permutation of 0..<n (Fisher–Yates).
  public mutating func permutation(_ n: Int) -> [Int] {
    var p = Array(0..<n)
    if n > 1 {
      for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, int(below: i + 1)) }
    }
    return p
  }

  /// A tensor of uniform samples in [lo, hi).
  public mutating func uniformTensor(_ shape: [Int], _ lo: Float, _ hi: Float) -> Tensor {
    var t = Tensor.zeros(shape)
    t.data.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = uniform(lo, hi) } }
    return t
  }

  /// A tensor of normal samples.
  public mutating func normalTensor(_ shape: [Int], mean: Float = 0, std: Float = 1) -> Tensor {
    var t = Tensor.zeros(shape)
    t.data.withUnsafeMutableBufferPointer { p in
      for i in 0..<p.count { p[i] = normal(mean: mean, std: std) }
    }
    return t
  }
}

@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
