#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#elseif canImport(ucrt)
import ucrt
#endif

/// Small numeric helpers that never trap on NaN, infinity or huge values.
enum Numeric {
  /// Base-10 logarithm.
  static func log10(_ x: Double) -> Double { cLog10(x) }

  /// 10 raised to `exponent`.
  static func exp10(_ exponent: Double) -> Double { cPow(10, exponent) }

  /// `Int(x)` rounded as requested, or `fallback` when `x` is NaN; values
  /// beyond ±1e15 are clamped so the conversion can never trap.
  static func int(_ x: Double, _ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero,
                  fallback: Int = 0) -> Int {
    guard !x.isNaN else { return fallback }
    return Int(min(max(x.rounded(rule), -1e15), 1e15))
  }

  /// `x` clamped to `range`, with NaN mapped to `range.lowerBound`.
  static func clamp(_ x: Int, _ range: ClosedRange<Int>) -> Int {
    min(max(x, range.lowerBound), range.upperBound)
  }

  /// Integer power of ten as an `Int` (`exponent` clamped to 0...18).
  static func pow10Int(_ exponent: Int) -> Int {
    var result = 1
    for _ in 0..<Numeric.clamp(exponent, 0...18) { result *= 10 }
    return result
  }

  /// Splits positive finite `a` into `significant` decimal digits and a
  /// decimal exponent: `a ≈ digits × 10^(exponent - significant + 1)`,
  /// with `digits` in `10^(significant-1) ..< 10^significant`.
  static func decompose(_ a: Double, significant: Int) -> (digits: Int, exponent: Int) {
    let sig = clamp(significant, 1...15)
    guard a.isFinite, a > 0 else { return (0, 0) }
    var e = int(log10(a), .down)
    var m = e < -300 ? (a * 1e300) / exp10(Double(e + 300)) : a / exp10(Double(e))
    guard m.isFinite, m > 0 else { return (0, 0) }
    while m >= 10 { m /= 10; e += 1 }
    while m < 1 { m *= 10; e -= 1 }
    var digits = int(m * Double(pow10Int(sig - 1)))
    if digits >= pow10Int(sig) {
      digits = pow10Int(sig - 1)
      e += 1
    }
    return (digits, e)
  }
}

// Forwarders to the C math library (names differ from `Numeric`'s members).
private func cLog10(_ x: Double) -> Double { log10(x) }
private func cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
