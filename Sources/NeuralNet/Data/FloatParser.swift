/// Parses float32 values straight from the bytes of a field, without making a `String`.
///
/// Decimal text (`-1.25`, `.5`, `3e-4`) with up to 19 significant digits and a small exponent
/// is converted exactly (Clinger's fast path: one correctly rounded multiply or divide in
/// `Float` or `Double`, with the rare `Double` result that sits exactly halfway between two
/// floats sent to the slow path). Long mantissas and large exponents go through the standard
/// library's locale-independent `Float(_: String)`; of other text only `inf`, `infinity` and
/// `nan` are recognised (as not finite). Hexadecimal (`0x10`, `0x1p3`) and text with stray
/// bytes (a NUL inside a number) are not numbers.
enum FloatParser {
  /// The outcome of parsing one field.
  enum Result: Equatable {
    case value(Float)
    /// Not a number at all (`abc`, `1.2.3`).
    case notANumber
    /// `inf`, `nan` and the like.
    case notFinite
    /// Decimal text whose magnitude exceeds float32 (`1e39`).
    case outOfRange
  }

  /// 10^e for 0 ≤ e ≤ 10, exact in `Float` (a switch: no lazily initialised global on the
  /// per-field path).
  @inline(__always)
  private static func floatPower(_ e: Int) -> Float {
    switch e {
    case 0: 1
    case 1: 1e1
    case 2: 1e2
    case 3: 1e3
    case 4: 1e4
    case 5: 1e5
    case 6: 1e6
    case 7: 1e7
    case 8: 1e8
    case 9: 1e9
    default: 1e10
    }
  }
  private static let doublePowers: [Double] = (0...22).map { e in
    var p = 1.0
    for _ in 0..<e { p *= 10 }
    return p
  }

  /// Parses `bytes[start..<end]` (already trimmed of surrounding blanks).
  static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Result {
    guard start >= 0, start < end, end <= bytes.count else { return .notANumber }
    guard let decimal = scanDecimal(bytes, start, end) else {
      return slowPath(bytes, start, end, decimalSyntax: false)
    }
    if !decimal.exact { return slowPath(bytes, start, end, decimalSyntax: true) }
    if let v = fastValue(decimal.mantissa, decimal.exponent) {
      return .value(decimal.negative ? -v : v)
    }
    return slowPath(bytes, start, end, decimalSyntax: true)
  }

  /// A decimal number split into sign, up to 19 significant digits and a power of ten.
  struct Decimal {
    var negative = false
    var mantissa: UInt64 = 0
    var exponent = 0
    /// False when nonzero digits beyond the 19th were dropped.
    var exact = true
  }

  /// Scans `[+-]digits[.digits][(e|E)[+-]digits]`; `nil` when the text is not of that form.
  /// The integer and fraction digits run in two tight loops (`scanDigits`).
  static func scanDecimal(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Decimal? {
    var d = Decimal()
    var i = start
    if p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
      d.negative = p[i] == UInt8(ascii: "-")
      i += 1
    }
    let digitsStart = i
    var significant = 0
    scanDigits(p, &i, end, &d, &significant, fraction: false)
    var sawDigit = i > digitsStart
    if i < end, p[i] == UInt8(ascii: ".") {
      i += 1
      let fractionStart = i
      scanDigits(p, &i, end, &d, &significant, fraction: true)
      sawDigit = sawDigit || i > fractionStart
    }
    guard sawDigit else { return nil }
    if i < end {
      guard p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") else { return nil }
      guard let e = scanExponent(p, i + 1, end) else { return nil }
      d.exponent += e
    }
    return d
  }

  /// Takes the digits from `i` on into `d`: at most 19 significant ones (leading zeros are
  /// not), the rest only moving the exponent (integer digits) or marking `d` inexact (nonzero
  /// ones); each kept fraction digit lowers the exponent. Leaves `i` on the first non-digit.
  @inline(__always)
  private static func scanDigits(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int,
                                 _ d: inout Decimal, _ significant: inout Int, fraction: Bool) {
    while i < end {
      let digit = p[i] &- 48
      if digit > 9 { break }
      if significant < 19 {
        d.mantissa = d.mantissa &* 10 &+ UInt64(digit)
        if d.mantissa != 0 { significant += 1 }
        if fraction { d.exponent -= 1 }
      } else {
        if !fraction { d.exponent += 1 }
        if digit != 0 { d.exact = false }
      }
      i += 1
    }
  }

  /// `[+-]digits` up to `end`, clamped to ±100000 (far beyond float range either way).
  private static func scanExponent(_ p: UnsafeBufferPointer<UInt8>, _ start: Int,
                                   _ end: Int) -> Int? {
    var i = start
    var negative = false
    if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
      negative = p[i] == UInt8(ascii: "-")
      i += 1
    }
    guard i < end else { return nil }
    var value = 0
    while i < end {
      let c = p[i]
      guard c >= 48, c <= 57 else { return nil }
      value = min(value * 10 + Int(c - 48), 100_000)
      i += 1
    }
    return negative ? -value : value
  }

  /// The plain-record fast path's number: `[+-]digits[.digits][(e|E)[+-]digits]` read from
  /// `p[i]` on, stopping at the first byte that cannot continue it (`i` is left there). Only
  /// numbers of at most 19 digits that `fastValue` converts exactly are returned, so the value
  /// is the one `parse` gives for the same text; anything else is `nil`, and the caller reads
  /// the record on the general path.
  @inline(__always)
  static func parsePrefix(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int) -> Float? {
    var negative = false
    if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
      negative = p[i] == UInt8(ascii: "-")
      i += 1
    }
    var mantissa: UInt64 = 0
    let integerStart = i
    while i < end, case let digit = p[i] &- 48, digit <= 9 {
      mantissa = mantissa &* 10 &+ UInt64(digit)
      i += 1
    }
    var digits = i - integerStart
    var exponent = 0
    if i < end, p[i] == UInt8(ascii: ".") {
      i += 1
      let fractionStart = i
      while i < end, case let digit = p[i] &- 48, digit <= 9 {
        mantissa = mantissa &* 10 &+ UInt64(digit)
        i += 1
      }
      exponent = fractionStart - i
      digits += i - fractionStart
    }
    // More than 19 digits may have wrapped the mantissa: the general path takes those.
    guard digits > 0, digits <= 19 else { return nil }
    if i < end, p[i] | 0x20 == UInt8(ascii: "e") {
      i += 1
      var negativeExponent = false
      if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
        negativeExponent = p[i] == UInt8(ascii: "-")
        i += 1
      }
      let exponentStart = i
      var e = 0
      while i < end, case let digit = p[i] &- 48, digit <= 9 {
        e = min(e * 10 + Int(digit), 100_000)
        i += 1
      }
      guard i > exponentStart else { return nil }
      exponent += negativeExponent ? -e : e
    }
    guard let v = fastValue(mantissa, exponent) else { return nil }
    return negative ? -v : v
  }

  /// `mantissa · 10^exponent` when one correctly rounded operation gives the float32 result.
  @inline(__always)
  static func fastValue(_ mantissa: UInt64, _ exponent: Int) -> Float? {
    if mantissa == 0 { return 0 }
    if mantissa <= 1 << 24, exponent >= -10, exponent <= 10 {
      let m = Float(mantissa)
      return exponent >= 0 ? m * floatPower(exponent) : m / floatPower(-exponent)
    }
    guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
    let m = Double(mantissa)
    let d = exponent >= 0 ? m * doublePowers[exponent] : m / doublePowers[-exponent]
    let f = Float(d)
    if Double(f) == d { return f }
    let neighbour = Double(f) < d ? f.nextUp : f.nextDown
    // Exactly halfway between two floats: rounding twice may be wrong, so decline.
    if (Double(f) + Double(neighbour)) / 2 == d { return nil }
    return f
  }

  /// The standard library's parser, for the rare fields the fast path declines.
  private static func slowPath(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                               decimalSyntax: Bool) -> Result {
    // Only text already checked to be decimal reaches Float(_:), which would also accept
    // hexadecimal and stop at a NUL byte.
    guard decimalSyntax else { return isNonFiniteWord(p, start, end) ? .notFinite : .notANumber }
    let text = String(decoding: UnsafeBufferPointer(rebasing: p[start..<end]), as: UTF8.self)
    guard let v = Float(text) else { return .notANumber }
    if v.isFinite { return .value(v) }
    return .outOfRange
  }

  /// `inf`, `infinity` or `nan`, in any case, with an optional sign.
  private static func isNonFiniteWord(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var i = start
    if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") { i += 1 }
    guard end - i >= 3, end - i <= 8 else { return false }
    var word = ""
    for k in i..<end {
      let c = p[k] | 0x20
      guard c >= UInt8(ascii: "a"), c <= UInt8(ascii: "z") else { return false }
      word.unicodeScalars.append(Unicode.Scalar(c))
    }
    return word == "inf" || word == "infinity" || word == "nan"
  }
}
