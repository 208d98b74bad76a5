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
