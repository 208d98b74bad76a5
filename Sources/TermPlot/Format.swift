#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#elseif canImport(ucrt)
import ucrt
#endif

/// Number formatting helpers shared by all renderers (no Foundation).
///
/// All functions accept any value, including NaN and infinities, and never trap.
public enum Format {
  /// Keras-style metric value: 4 decimals (`0.2412`), scientific with 4
  /// decimals when `0 < |x| < 1e-4` (`1.2345e-05`); `nan`, `inf`, `-inf`.
  public static func metric(_ x: Double) -> String {
    guard x.isFinite else { return nonFinite(x) }
    if x != 0 && abs(x) < 1e-4 { return scientific(x, decimals: 4) }
    return fixed(x, decimals: 4)
  }

  /// A progress-line value: a rate (a name ending in `/s`, such as `rows/s`) as a whole
  /// number with thousands separators (`72,489`), anything else as `metric`.
  public static func logValue(_ x: Double, named name: String) -> String {
    guard name.hasSuffix("/s"), x.isFinite, abs(x) < 1e15 else { return metric(x) }
    return integer(Int(x.rounded()))
  }

  /// Fixed-point with `decimals` digits after the point (`fixed(2.5, decimals: 2)` → `2.50`).
  /// Falls back to scientific for magnitudes of 1e15 and above.
  public static func fixed(_ x: Double, decimals: Int) -> String {
    guard x.isFinite else { return nonFinite(x) }
    let d = Numeric.clamp(decimals, 0...12)
    let scale = Numeric.pow10Int(d)
    let scaled = (abs(x) * Double(scale)).rounded()
    guard scaled < 1e15 else { return scientific(x, decimals: d) }
    let n = Numeric.int(scaled)
    var text = String(n / scale)
    if d > 0 { text += "." + zeroPadded(n % scale, d) }
    return (x < 0 && n != 0 ? "-" : "") + text
  }

  /// Fixed-point with `places` digits after the point, rounded from the exact binary value
  /// with ties to even, as C's `printf("%.2f")` and Python's `format(x, ".2f")` round
  /// (`decimal(0.125, places: 2)` → `0.12`, `decimal(0.375, places: 2)` → `0.38`,
  /// `decimal(2.675, places: 2)` → `2.67`, since 2.675 is stored as 2.67499…). Use it where
  /// text must match those tools digit for digit (scikit-learn's classification_report).
  /// Falls back to scientific for magnitudes of 1e15 and above.
  public static func decimal(_ x: Double, places: Int) -> String {
    guard x.isFinite else { return nonFinite(x) }
    let d = Numeric.clamp(places, 0...12)
    let scale = Numeric.pow10Int(d)
    let p = Double(scale)
    let s = abs(x) * p
    guard s < 1e15 else { return scientific(x, decimals: d) }
    // |x|·10^d = s + residual exactly (10^d is exact, the fused product rounds once).
    let residual = (-s).addingProduct(abs(x), p)
    var whole = s.rounded(.down)
    let fraction = s - whole  // exact below 2^52
    let odd = Numeric.int(whole).isMultiple(of: 2) == false
    if fraction > 0.5 || (fraction == 0.5 && (residual > 0 || (residual == 0 && odd))) { whole += 1 }
    let n = Numeric.int(whole)
    var text = String(n / scale)
    if d > 0 { text += "." + zeroPadded(n % scale, d) }
    return (x < 0 && n != 0 ? "-" : "") + text
  }

  /// Scientific notation with `decimals` mantissa decimals and an exponent of
  /// at least two digits, like C's `%.4e` (`1.2345e-05`, `0.0000e+00`).
  public static func scientific(_ x: Double, decimals: Int) -> String {
    guard x.isFinite else { return nonFinite(x) }
    let d = Numeric.clamp(decimals, 0...12)
    let (digits, e) = Numeric.decompose(abs(x), significant: d + 1)
    let scale = Numeric.pow10Int(d)
    var mantissa = String(digits / scale)
    if d > 0 { mantissa += "." + zeroPadded(digits % scale, d) }
    let sign = x < 0 ? "-" : ""
    return sign + mantissa + "e" + (e < 0 ? "-" : "+") + zeroPadded(abs(e), 2)
  }

  /// Integer with thousands separators: `1,234,567`, `-42`.
  public static func integer(_ n: Int) -> String {
    let digits = Array(String(n.magnitude))
    var out = ""
    for (i, ch) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
  }

  /// Elapsed time or ETA for progress lines: `0s`, `12s`, `1m 05s`,
  /// `2h 03m 04s`. Negative values read as `0s`; NaN/infinity as `--`.
  public static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "--" }
    let total = Numeric.int(max(0, seconds))
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
    if total < 60 { return "\(s)s" }
    if total < 3600 { return "\(m)m \(zeroPadded(s, 2))s" }
    return "\(h)h \(zeroPadded(m, 2))m \(zeroPadded(s, 2))s"
  }

  /// Time per step as Keras prints it: `1s/step`, `2ms/step`, `350us/step`.
  public static func perStep(_ seconds: Double, unit: String = "step") -> String {
    guard seconds.isFinite, seconds >= 0 else { return "--/\(unit)" }
    if seconds >= 1 || seconds == 0 { return "\(Numeric.int(seconds))s/\(unit)" }
    if seconds >= 1e-3 { return "\(Numeric.int(seconds * 1e3))ms/\(unit)" }
    return "\(Numeric.int(seconds * 1e6))us/\(unit)"
  }

  /// Byte size like Keras' summary: base 1024, two decimals (`524.00 B`, `2.05 KB`).
  public static func bytes(_ count: Int) -> String { bytes(Double(count)) }

  /// Byte size like Keras' summary: base 1024, two decimals (`524.00 B`, `1.50 MB`).
  public static func bytes(_ count: Double) -> String {
    guard count.isFinite else { return nonFinite(count) + " B" }
    let units = ["B", "KB", "MB", "GB", "TB", "PB"]
    var size = count
    for unit in units.dropLast() {
      if abs(size) / 1024 < 1 { return fixed(size, decimals: 2) + " " + unit }
      size /= 1024
    }
    return fixed(size, decimals: 2) + " PB"
  }

  /// Compact axis tick label with up to `significant` significant digits:
  /// `0`, `0.25`, `12.5`, `1.5k`, `3M`, `2e-3`, `-0.5`.
  public static func axisTick(_ x: Double, significant: Int = 3) -> String {
    guard x.isFinite else { return nonFinite(x) }
    guard x != 0 else { return "0" }
    let sig = Numeric.clamp(significant, 1...12)
    let (digits, e) = Numeric.decompose(abs(x), significant: sig)
    let text = String(digits)
    let sign = x < 0 ? "-" : ""
    if digits == 0 { return "0" }
    switch e {
    case ..<(-2), 15...:
      return sign + trimmed(placeDecimal(text, after: 1)) + "e\(e)"
    case 3..<15:
      let suffixes = ["k", "M", "G", "T"]
      let group = e / 3
      let mantissa = trimmed(placeDecimal(text, after: e - group * 3 + 1))
      return sign + mantissa + suffixes[Numeric.clamp(group - 1, 0...3)]
    default:
      return sign + trimmed(placeDecimal(text, after: e + 1))
    }
  }

  /// Floating-point operation count: `512`, `1.2K`, `3.4M`, `5.6G`, `7.8T`.
  public static func flops(_ count: Int) -> String { flops(Double(count)) }

  /// Floating-point operation count: `512`, `1.2K`, `3.4M`, `5.6G`, `7.8T`.
  public static func flops(_ count: Double) -> String {
    guard count.isFinite else { return nonFinite(count) }
    let suffixes = ["", "K", "M", "G", "T", "P"]
    var value = count
    var index = 0
    while index < suffixes.count - 1 && abs(value) >= 999.95 {
      value /= 1000
      index += 1
    }
    if index == 0 { return String(Numeric.int(value)) }
    return fixed(value, decimals: 1) + suffixes[index]
  }

  // MARK: - Helpers

  /// `nan`, `inf` or `-inf`.
  static func nonFinite(_ x: Double) -> String {
    x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf")
  }

  /// Non-negative `n` left-padded with zeros to `width` digits.
  static func zeroPadded(_ n: Int, _ width: Int) -> String {
    let text = String(n)
    return String(repeating: "0", count: max(0, width - text.count)) + text
  }

  /// `digits` with a decimal point after `after` digits (which may be ≤ 0 or
  /// beyond the end, adding zeros).
  static func placeDecimal(_ digits: String, after: Int) -> String {
    if after <= 0 { return "0." + String(repeating: "0", count: -after) + digits }
    if after >= digits.count { return digits + String(repeating: "0", count: after - digits.count) }
    let cut = digits.index(digits.startIndex, offsetBy: after)
    return String(digits[..<cut]) + "." + String(digits[cut...])
  }

  /// Drops trailing zeros after a decimal point, and a trailing point.
  static func trimmed(_ text: String) -> String {
    guard text.contains(".") else { return text }
    var out = Substring(text)
    while out.hasSuffix("0") { out = out.dropLast() }
    if out.hasSuffix(".") { out = out.dropLast() }
    return String(out)
  }
}

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

  /// `x` clamped to `range`.
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
