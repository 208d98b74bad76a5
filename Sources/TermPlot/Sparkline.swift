/// One-line sparklines (`▁▂▃▄▅▆▇█`, ASCII `_.-=+*#@`) for compact trends such
/// as per-layer gradient norms.
public enum Sparkline {
  /// The sparkline of `values`.
  ///
  /// - Parameters:
  ///   - width: at most this many characters; longer inputs are averaged into
  ///     `width` buckets (non-finite values only count when a bucket has
  ///     nothing else). `nil` = one character per value.
  ///   - logScale: place values on a log10 scale; zero and negative values
  ///     are shown as a blank.
  ///   - range: fixed value range (values outside are clamped); by default
  ///     the finite min…max.
  /// - Returns: one character per (bucketed) value. NaN and infinity show as
  ///   `!` (an alarm for exploding gradients), a constant series sits on the
  ///   middle level, and empty input gives an empty string.
  public static func render(_ values: [Double], style: RenderStyle = .unicode, width: Int? = nil,
                            logScale: Bool = false, range: ClosedRange<Double>? = nil) -> String {
    let mapped = values.map { logScale ? logValue($0) : $0 }
    let buckets = bucketed(mapped, width: width)
    let ramp = Shades.bars(style)
    let (lo, hi) = bounds(range, logScale: logScale) ?? Shades.finiteRange(buckets.compactMap { $0 }) ?? (0, 0)
    return String(buckets.map { v -> Character in
      guard let v else { return " " }
      guard v.isFinite else { return "!" }
      let level = Shades.level(min(max(v, lo), hi), lo: lo, hi: hi, levels: ramp.count,
                               constantLevel: ramp.count / 2 - 1)
      return ramp[level]
    })
  }

  /// The fixed range in plotting space, or `nil` if absent or unusable.
  static func bounds(_ range: ClosedRange<Double>?, logScale: Bool) -> (Double, Double)? {
    guard let range else { return nil }
    let lo = logScale ? logValue(range.lowerBound) : range.lowerBound
    let hi = logScale ? logValue(range.upperBound) : range.upperBound
    guard let lo, let hi, lo.isFinite, hi.isFinite else { return nil }
    return (lo, hi)
  }

  /// log10 of positive `v`; `nil` (blank) for zero/negative; NaN and
  /// infinity pass through unchanged.
  static func logValue(_ v: Double) -> Double? {
    guard v.isFinite else { return v }
    return v > 0 ? Numeric.log10(v) : nil
  }

  /// `values` averaged into at most `width` buckets. A bucket with finite
  /// values holds their mean; otherwise NaN if it has a non-finite value,
  /// else `nil`.
  static func bucketed(_ values: [Double?], width: Int?) -> [Double?] {
    guard let width, width > 0, values.count > width else { return values }
    return (0..<width).map { bucket in
      let start = bucket * values.count / width
      let end = min(values.count, max(start + 1, (bucket + 1) * values.count / width))
      let slice = values[start..<end].compactMap { $0 }
      let finite = slice.filter(\.isFinite)
      if !finite.isEmpty { return finite.reduce(0) { $0 + $1 / Double(finite.count) } }
      return slice.isEmpty ? nil : .nan
    }
  }
}

/// Character ramps shared by heatmaps and sparklines, and the mapping of a
/// value to a level within a range.
enum Shades {
  /// Heatmap shades, light to dark.
  static let unicodeBlocks: [Character] = [" ", "░", "▒", "▓", "█"]
  /// ASCII heatmap shades, light to dark.
  static let asciiBlocks: [Character] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]
  /// Sparkline bars, low to high.
  static let unicodeBars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
  /// ASCII sparkline levels, low to high.
  static let asciiBars: [Character] = ["_", ".", "-", "=", "+", "*", "#", "@"]

  /// Heatmap ramp for `style`.
  static func blocks(_ style: RenderStyle) -> [Character] {
    style.unicode ? unicodeBlocks : asciiBlocks
  }

  /// Sparkline ramp for `style`.
  static func bars(_ style: RenderStyle) -> [Character] {
    style.unicode ? unicodeBars : asciiBars
  }

  /// The finite minimum and maximum of `values`, or `nil` if none is finite.
  static func finiteRange<S: Sequence>(_ values: S) -> (lo: Double, hi: Double)? where S.Element == Double {
    var lo = Double.infinity, hi = -Double.infinity
    for v in values where v.isFinite {
      lo = min(lo, v)
      hi = max(hi, v)
    }
    return lo <= hi ? (lo, hi) : nil
  }

  /// Level 0..<`levels` of finite `v` in `lo...hi` (rounded to nearest).
  /// A degenerate range maps to `constantLevel`.
  static func level(_ v: Double, lo: Double, hi: Double, levels: Int, constantLevel: Int) -> Int {
    let top = max(0, levels - 1)
    guard hi > lo else { return Numeric.clamp(constantLevel, 0...top) }
    let f = (v * 0.5 - lo * 0.5) / (hi * 0.5 - lo * 0.5)
    return Numeric.clamp(Numeric.int(f * Double(top), fallback: 0), 0...top)
  }
}
