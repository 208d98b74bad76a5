/// A horizontal-bar histogram, e.g. of weights or gradients:
///
///     -0.5 … -0.3 │█████████▍                      12
///     -0.3 … -0.1 │████████████████████████████████ 40
///
/// Unicode bars use eighth blocks for sub-character resolution; ASCII bars
/// use `#`. Every line has the same display width.
public struct Histogram: Sendable {
  /// Bin edges, `counts.count + 1` of them, ascending.
  public var edges: [Double]
  /// Number of values in each bin.
  public var counts: [Int]
  /// Number of NaN/infinite values left out of the bins.
  public var nonFinite: Int
  /// Title line, if any.
  public var title: String?
  /// Length in characters of the longest bar.
  public var barWidth: Int

  /// Bins finite `values` into `bins` equal-width bins between their min and
  /// max (the last bin includes the max). All-equal values give one bin;
  /// no finite values give no bins.
  public init(values: [Double], bins: Int = 10, title: String? = nil, barWidth: Int = 40) {
    let finite = values.filter(\.isFinite)
    let (edges, counts) = Histogram.bin(finite, bins: max(1, bins))
    self.init(edges: edges, counts: counts, title: title, barWidth: barWidth)
    nonFinite = values.count - finite.count
  }

  /// A histogram of precomputed bins. If `edges` does not have
  /// `counts.count + 1` entries, bins are labelled by index instead.
  public init(edges: [Double], counts: [Int], title: String? = nil, barWidth: Int = 40) {
    self.edges = edges
    self.counts = counts
    self.nonFinite = 0
    self.title = title
    self.barWidth = barWidth
  }

  /// The histogram as lines joined by `\n`, no trailing newline.
  public func render(style: RenderStyle = .unicode) -> String {
    var lines: [String] = []
    if let title { lines.append(TextLayout.singleLine(title)) }
    if counts.isEmpty { lines.append("(no data)") }
    let labels = binLabels(style)
    let labelWidth = labels.map(displayWidth).max() ?? 0
    let countTexts = counts.map(Format.integer)
    let countWidth = countTexts.map(displayWidth).max() ?? 0
    let maxCount = counts.max() ?? 0
    let width = max(1, barWidth)
    let axis = style.unicode ? "│" : "|"
    for (index, count) in counts.enumerated() {
      let bar = TextLayout.padRight(Histogram.bar(count, of: maxCount, width: width, style: style), width)
      let label = TextLayout.padRight(labels[index], labelWidth)
      lines.append(label + " " + axis + bar + " " + TextLayout.padLeft(countTexts[index], countWidth))
    }
    if nonFinite > 0 { lines.append("(\(Format.integer(nonFinite)) non-finite values skipped)") }
    let total = lines.map(displayWidth).max() ?? 0
    return lines.map { TextLayout.padRight($0, total) }.joined(separator: "\n")
  }

  // MARK: - Helpers

  /// Equal-width bins of finite `values`.
  static func bin(_ values: [Double], bins: Int) -> (edges: [Double], counts: [Int]) {
    guard let (lo, hi) = Shades.finiteRange(values) else { return ([], []) }
    guard hi > lo else { return ([lo, hi], [values.count]) }
    let n = min(bins, 10_000)
    let edges = (0...n).map { lo * (1 - Double($0) / Double(n)) + hi * (Double($0) / Double(n)) }
    var counts = Array(repeating: 0, count: n)
    for v in values {
      let f = (v * 0.5 - lo * 0.5) / (hi * 0.5 - lo * 0.5)
      counts[Numeric.clamp(Numeric.int(f * Double(n), .down), 0...(n - 1))] += 1
    }
    return (edges, counts)
  }

  /// `lo … hi` labels (lower bounds right-aligned), with enough significant
  /// digits to tell neighbouring edges apart; `#i` without valid edges.
  func binLabels(_ style: RenderStyle) -> [String] {
    guard edges.count == counts.count + 1 else { return counts.indices.map { "#\($0)" } }
    var texts = edges.map { Format.axisTick($0) }
    for digits in 4...7 where Set(texts).count < Set(edges).count {
      texts = edges.map { Format.axisTick($0, significant: digits) }
    }
    let lows = texts.dropLast()
    let lowWidth = lows.map(displayWidth).max() ?? 0
    let dots = style.unicode ? " … " : " .. "
    return counts.indices.map { TextLayout.padLeft(texts[$0], lowWidth) + dots + texts[$0 + 1] }
  }

  /// A bar for `count` scaled so `maxCount` fills `width`; any non-zero
  /// count gets at least a sliver.
  static func bar(_ count: Int, of maxCount: Int, width: Int, style: RenderStyle) -> String {
    guard count > 0, maxCount > 0 else { return "" }
    let eighthsPerCell = style.unicode ? 8 : 1
    let total = Double(count) / Double(maxCount) * Double(width * eighthsPerCell)
    let units = max(1, Numeric.int(total))
    if !style.unicode { return TextLayout.repeated("#", units) }
    let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    return TextLayout.repeated("█", units / 8) + partials[units % 8]
  }
}
