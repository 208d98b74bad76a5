/// A matrix rendered with shade characters (` ░▒▓█`, ASCII ` .:-=+*#%@`),
/// light for the minimum and dark for the maximum.
///
/// Two layouts:
/// - shade only (`showValues == false`, e.g. a feature map): each cell is
///   `cellWidth` shade characters;
/// - with values (e.g. a confusion matrix): each cell is a shade character
///   followed by the right-aligned number.
///
/// Optional row/column labels and axis titles (`true` / `predicted`), a
/// title, and a scale line (`0 [ ░▒▓█] 50`). NaN cells show `?`; ragged rows
/// are padded with NaN. Every line has the same display width. Colour is not
/// used.
public struct Heatmap: Sendable {
  /// The matrix, row by row.
  public var values: [[Double]]
  /// Labels of the rows (shown left); may be empty.
  public var rowLabels: [String]
  /// Labels of the columns (shown on top); may be empty.
  public var columnLabels: [String]
  /// Title of the row axis (e.g. `true`), shown above the row labels.
  public var rowTitle: String?
  /// Title of the column axis (e.g. `predicted`), shown above the column labels.
  public var columnTitle: String?
  /// Title line above everything.
  public var title: String?
  /// Print each cell's value next to its shade.
  public var showValues: Bool
  /// Characters per cell in the shade-only layout (2 gives square-ish cells).
  public var cellWidth: Int
  /// Print the scale line under the matrix.
  public var showScale: Bool

  /// Creates a heatmap.
  public init(values: [[Double]], rowLabels: [String] = [], columnLabels: [String] = [],
              rowTitle: String? = nil, columnTitle: String? = nil, title: String? = nil,
              showValues: Bool = false, cellWidth: Int = 2, showScale: Bool = true) {
    self.values = values
    self.rowLabels = rowLabels
    self.columnLabels = columnLabels
    self.rowTitle = rowTitle
    self.columnTitle = columnTitle
    self.title = title
    self.showValues = showValues
    self.cellWidth = cellWidth
    self.showScale = showScale
  }

  /// A confusion matrix: `counts[true][predicted]`, class `labels` on both
  /// axes, axis titles `true` / `predicted`, counts shown.
  public static func confusionMatrix(_ counts: [[Int]], labels: [String], title: String? = nil) -> Heatmap {
    Heatmap(values: counts.map { $0.map(Double.init) }, rowLabels: labels, columnLabels: labels,
            rowTitle: "true", columnTitle: "predicted", title: title, showValues: true)
  }

  /// The heatmap as lines joined by `\n`, no trailing newline.
  public func render(style: RenderStyle = .unicode) -> String {
    let columns = max(values.map(\.count).max() ?? 0, columnLabels.count)
    let grid = values.map { row in (0..<columns).map { $0 < row.count ? row[$0] : .nan } }
    let range = Shades.finiteRange(grid.joined())
    let ramp = Shades.blocks(style)
    let texts = grid.map { $0.map(valueText) }
    let labels = (0..<columns).map { $0 < columnLabels.count ? TextLayout.singleLine(columnLabels[$0]) : "" }
    let cell = cellLayout(texts: texts, labels: labels)
    let rowNames = (0..<grid.count).map { $0 < rowLabels.count ? TextLayout.singleLine(rowLabels[$0]) : "" }
    let labelWidth = ([rowTitle ?? ""] + rowNames).map(displayWidth).max() ?? 0
    let prefix = { (text: String) in labelWidth > 0 ? TextLayout.padLeft(text, labelWidth) + " " : "" }
    let body = grid.enumerated().map { r, row in
      prefix(rowNames[r]) + row.enumerated().map { c, v in
        shadedCell(v, text: texts[r][c], ramp: ramp, range: range, layout: cell)
      }.joined(separator: cell.separator)
    }
    var lines: [String] = []
    if let title { lines.append(TextLayout.singleLine(title)) }
    let matrixWidth = max(0, columns * cell.width + max(0, columns - 1) * cell.separator.count)
    if let columnTitle { lines.append(prefix("") + TextLayout.center(TextLayout.singleLine(columnTitle), matrixWidth)) }
    if !columnLabels.isEmpty || rowTitle != nil {
      let head = TextLayout.padRight(TextLayout.singleLine(rowTitle ?? ""), labelWidth)
      let cols = labels.map { TextLayout.padLeft($0, cell.width) }.joined(separator: cell.separator)
      lines.append((labelWidth > 0 ? head + " " : "") + cols)
    }
    lines += body
    if showScale { lines.append(prefix("") + scaleLine(range, ramp: ramp)) }
    let width = lines.map(displayWidth).max() ?? 0
    return lines.map { TextLayout.padRight($0, width) }.joined(separator: "\n")
  }

  // MARK: - Cells

  /// Cell width and the separator between cells.
  struct CellLayout {
    let width: Int
    let separator: String
    var numberWidth = 0
  }

  /// Widths for the chosen layout: value cells are `shade + number`
  /// separated by a space; shade cells are `cellWidth` wide, no separator.
  func cellLayout(texts: [[String]], labels: [String]) -> CellLayout {
    let labelWidth = labels.map(displayWidth).max() ?? 0
    if showValues {
      let numberWidth = texts.joined().map(displayWidth).max() ?? 0
      return CellLayout(width: max(numberWidth + 2, labelWidth), separator: " ", numberWidth: numberWidth)
    }
    let minimum = max(1, cellWidth)
    return CellLayout(width: labelWidth > 0 ? max(minimum, labelWidth + 1) : minimum, separator: "")
  }

  /// The number shown for `v`: integers with separators, else 3 significant digits.
  func valueText(_ v: Double) -> String {
    guard v.isFinite else { return Format.nonFinite(v) }
    if v == v.rounded() && abs(v) < 1e15 { return Format.integer(Numeric.int(v)) }
    return Format.axisTick(v)
  }

  /// One rendered cell.
  func shadedCell(_ v: Double, text: String, ramp: [Character], range: (lo: Double, hi: Double)?,
                  layout: CellLayout) -> String {
    let shade = shadeCharacter(v, ramp: ramp, range: range)
    if showValues {
      return TextLayout.padLeft(String(shade) + " " + TextLayout.padLeft(text, layout.numberWidth), layout.width)
    }
    return TextLayout.repeated(String(shade), layout.width)
  }

  /// The shade for `v`; `?` for NaN/infinity. An all-equal matrix is blank
  /// when its value is 0 and darkest otherwise.
  func shadeCharacter(_ v: Double, ramp: [Character], range: (lo: Double, hi: Double)?) -> Character {
    guard v.isFinite, let range else { return "?" }
    let constant = range.lo == 0 ? 0 : ramp.count - 1
    let level = Shades.level(v, lo: range.lo, hi: range.hi, levels: ramp.count, constantLevel: constant)
    return ramp[Numeric.clamp(level, 0...(ramp.count - 1))]
  }

  /// `lo [ ░▒▓█] hi`, or `(no data)`.
  func scaleLine(_ range: (lo: Double, hi: Double)?, ramp: [Character]) -> String {
    guard let range else { return "(no data)" }
    return "\(valueText(range.lo)) [\(String(ramp))] \(valueText(range.hi))"
  }
}
