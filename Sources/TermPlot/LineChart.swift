/// A training-history line chart: one or more named series plotted over
/// x = `firstX`, `firstX + 1`, … (epochs), with y tick labels on the left,
/// x tick labels underneath, a title and a legend.
///
/// Unicode style draws the first series (every series, with colour) in
/// Braille dots, 2×4 per cell; without colour the other series use `•`
/// (points) / `·` (between points), then `+`, `×`, `o`. ASCII style uses
/// `*`, `+`, `o`, `x` markers with `|` / `-` axes. The legend shows each
/// series' symbol. Non-finite values (and non-positive ones with `logY`)
/// are skipped and break the line. Every output line has the same display
/// width (`width`, or more if `width` is too small to fit the labels).
public struct LineChart: Sendable {
  /// One named series of y values; the i-th value is plotted at x = `firstX + offset + i`.
  public struct Series: Sendable, Equatable {
    /// Legend name, e.g. `loss`.
    public var name: String
    /// The y values.
    public var values: [Double]
    /// Points before the series' first value: a series that continues another starts where
    /// that one ends (`offset` = its count).
    public var offset: Int

    /// Creates a series starting `offset` points in (at most 2³⁰; negative counts as 0).
    public init(_ name: String, _ values: [Double], offset: Int = 0) {
      self.name = name
      self.values = values
      self.offset = min(max(0, offset), 1 << 30)
    }

    /// Points from the chart's first x to the series' last value.
    var extent: Int { values.isEmpty ? 0 : offset + values.count }
  }

  /// Title centred over the plot, if any.
  public var title: String?
  /// The series, drawn in order (later ones on top).
  public var series: [Series]
  /// Total width of every line in columns, labels included.
  public var width: Int
  /// Height of the plot area in rows (axis, labels, title and legend extra).
  public var height: Int
  /// Logarithmic y axis (useful for losses).
  public var logY: Bool
  /// The x value of the first point (1 for epochs).
  public var firstX: Int
  /// A point index to mark with a vertical line (the best epoch), with its legend text.
  public var marker: (index: Int, label: String)?
  /// Tick labels placed by the caller instead of the whole numbers from `firstX`: each at a
  /// (fractional) point index, e.g. the decades of a learning rate swept on a log scale.
  /// Labels that would touch an earlier one are left out.
  public var xTicks: [(index: Double, label: String)]?

  /// Creates a chart.
  public init(title: String? = nil, series: [Series], width: Int = 60, height: Int = 15,
              logY: Bool = false, firstX: Int = 1) {
    self.title = title
    self.series = series
    self.width = width
    self.height = height
    self.logY = logY
    self.firstX = firstX
  }

  /// The chart as lines joined by `\n`, no trailing newline.
  public func render(style: RenderStyle = .unicode) -> String {
    let rows = max(1, height)
    let fitted = YScale.fit(series, log: logY)
    let scale = fitted ?? YScale(lo: 0, hi: 1, log: false)
    let ticks = yTicks(scale, rows: rows)
    let labelWidth = ticks.map { displayWidth($0.label) }.max() ?? 0
    let plotWidth = max(2, width - labelWidth - 2)
    let pointCount = max(1, series.map(\.extent).max() ?? 0)
    var canvas = ChartCanvas(columns: plotWidth, rows: rows, unicode: style.unicode)
    if fitted == nil {
      let note = TextLayout.truncate("(no data)", plotWidth, ellipsis: "")
      canvas.write(note, row: rows / 2, column: (plotWidth - displayWidth(note)) / 2)
    } else {
      for (index, s) in series.enumerated() {
        draw(s, index: index, on: &canvas, scale: scale, pointCount: pointCount, style: style)
      }
      if let m = marker, m.index >= 0, m.index < pointCount {
        let column = LineChart.xPoint(m.index, count: pointCount, canvas: canvas) / canvas.subX
        for row in 0..<rows where canvas.isEmpty(row: row, column: column) {
          canvas.write(style.unicode ? "│" : ":", row: row, column: column)
        }
      }
    }
    let layout = Layout(labelWidth: labelWidth, plotWidth: plotWidth)
    var lines: [String] = []
    if let title { lines.append(layout.indent(TextLayout.center(TextLayout.truncate(title, plotWidth), plotWidth))) }
    lines += plotLines(canvas, ticks: ticks, layout: layout, style: style)
    lines += xAxisLines(pointCount: pointCount, canvas: canvas, layout: layout, style: style)
    lines += legendLines(layout: layout, style: style)
    return lines.map { TextLayout.padRight($0, layout.totalWidth) }.joined(separator: "\n")
  }

  // MARK: - Geometry

  /// Column bookkeeping: `labelWidth` label columns, a space, the axis, the plot.
  struct Layout {
    let labelWidth: Int
    let plotWidth: Int
    var totalWidth: Int { labelWidth + 2 + plotWidth }
    /// `text` shifted right so it starts at the plot's first column.
    func indent(_ text: String) -> String { TextLayout.repeated(" ", labelWidth + 2) + text }
  }

  /// Sub-cell x coordinate of point `index` of `count`.
  static func xPoint(_ index: Int, count: Int, canvas: ChartCanvas) -> Int {
    guard count > 1 else { return 0 }
    let span = Double(canvas.pointWidth - 1)
    return Numeric.int(Double(index) / Double(count - 1) * span)
  }

  /// Sub-cell y coordinate (0 = top) of a value at `fraction` of the y range;
  /// the top and bottom of the range fall on the centres of the outer rows
  /// (ties round toward the middle of the plot, keeping the mapping symmetric).
  static func yPoint(_ fraction: Double, canvas: ChartCanvas) -> Int {
    let rowFromTop = Double(canvas.rows - 1) * (1 - fraction)
    let sub = Double(canvas.subY)
    let position = rowFromTop * sub + (sub - 1) / 2
    let upperHalf = position < Double(canvas.pointHeight - 1) / 2
    return Numeric.int(upperHalf ? position + 0.5 : position - 0.5, upperHalf ? .down : .up)
  }

  /// Draws one series: connected segments over runs of plottable values.
  func draw(_ s: Series, index: Int, on canvas: inout ChartCanvas, scale: YScale,
            pointCount: Int, style: RenderStyle) {
    let pen = Pen.forSeries(index, style: style)
    var previous: (Int, Int)?
    var points: [(Int, Int)] = []
    for (i, value) in s.values.enumerated() {
      guard let t = scale.transform(value) else { previous = nil; continue }
      let point = (LineChart.xPoint(s.offset + i, count: pointCount, canvas: canvas),
                   LineChart.yPoint(scale.fraction(t), canvas: canvas))
      if let previous { canvas.line(from: previous, to: point, pen: pen, series: index) }
      points.append(point)
      previous = point
    }
    for (x, y) in points { canvas.plot(x, y, pen: pen, series: index, isPoint: true) }
  }

  // MARK: - Axes and legend

  /// About five y tick labels at evenly spaced rows, each the value at that
  /// row; precision grows until neighbouring labels differ.
  func yTicks(_ scale: YScale, rows: Int) -> [(row: Int, label: String)] {
    let count = min(5, rows)
    var tickRows: [Int] = []
    for k in 0..<count {
      let row = count == 1 ? 0 : Numeric.int(Double(k * (rows - 1)) / Double(count - 1))
      if !tickRows.contains(row) { tickRows.append(row) }
    }
    let values = tickRows.map { scale.value(atFraction: rows == 1 ? 1 : 1 - Double($0) / Double(rows - 1)) }
    var labels = values.map { Format.axisTick($0) }
    for digits in 4...7 where Set(labels).count < labels.count {
      labels = values.map { Format.axisTick($0, significant: digits) }
    }
    return Array(zip(tickRows, labels)).map { (row: $0.0, label: $0.1) }
  }

  /// The plot rows with y labels and the vertical axis.
  func plotLines(_ canvas: ChartCanvas, ticks: [(row: Int, label: String)], layout: Layout,
                 style: RenderStyle) -> [String] {
    (0..<canvas.rows).map { row in
      let tick = ticks.first { $0.row == row }
      let axis = style.unicode ? (tick == nil ? "│" : "┤") : (tick == nil ? "|" : "+")
      let label = TextLayout.padLeft(tick?.label ?? "", layout.labelWidth)
      return label + " " + axis + canvas.renderRow(row, color: style.color)
    }
  }

  /// The x axis line with tick marks and the line of x tick labels.
  func xAxisLines(pointCount: Int, canvas: ChartCanvas, layout: Layout, style: RenderStyle) -> [String] {
    let placed: [XTicks.Tick]
    if let custom = xTicks {
      placed = XTicks.place(custom, plotWidth: layout.plotWidth) { index in
        guard pointCount > 1, index.isFinite else { return 0 }
        let span = Double(canvas.pointWidth - 1)
        return Numeric.int(min(max(index / Double(pointCount - 1), 0), 1) * span) / canvas.subX
      }
    } else {
      placed = XTicks.place(pointCount: pointCount, firstX: firstX, plotWidth: layout.plotWidth) {
        LineChart.xPoint($0, count: pointCount, canvas: canvas) / canvas.subX
      }
    }
    let (corner, fill, mark) = style.unicode ? ("└", "─", "┬") : ("+", "-", "+")
    let tickColumns = Set(placed.map(\.column))
    let axis = (0..<layout.plotWidth).map { tickColumns.contains($0) ? mark : fill }.joined()
    var labelLine = Array(repeating: Character(" "), count: layout.plotWidth)
    for tick in placed {
      for (offset, ch) in tick.label.enumerated() where tick.start + offset < labelLine.count {
        labelLine[tick.start + offset] = ch
      }
    }
    let pad = TextLayout.repeated(" ", layout.labelWidth + 1)
    return [pad + corner + axis, layout.indent(String(labelLine))]
  }

  /// Legend items (`━ loss  • val_loss`), wrapped to the plot width.
  func legendLines(layout: Layout, style: RenderStyle) -> [String] {
    var lines: [String] = []
    var current = ""
    for (index, s) in series.enumerated() {
      let symbol = Pen.forSeries(index, style: style).legendSymbol
      let name = TextLayout.truncate(TextLayout.singleLine(s.name), layout.plotWidth - 2)
      let item = ANSI.wrap(symbol, ANSI.seriesColor(index), enabled: style.color) + (name.isEmpty ? "" : " " + name)
      if !current.isEmpty && displayWidth(current) + 2 + displayWidth(item) > layout.plotWidth {
        lines.append(current)
        current = ""
      }
      current += (current.isEmpty ? "" : "  ") + item
    }
    if !current.isEmpty { lines.append(current) }
    if let m = marker {
      let item = (style.unicode ? "│ " : ": ") + TextLayout.truncate(TextLayout.singleLine(m.label), layout.plotWidth - 2)
      if !lines.isEmpty, displayWidth(lines[lines.count - 1]) + 2 + displayWidth(item) <= layout.plotWidth {
        lines[lines.count - 1] += "  " + item
      } else { lines.append(item) }
    }
    return lines.map(layout.indent)
  }
}

/// Placement of x tick labels: first and last x, then multiples of a nice
/// step, skipping any label that would touch another.
enum XTicks {
  /// A placed tick: plot column of the mark, label and label start column.
  struct Tick {
    let column: Int
    let label: String
    let start: Int
  }

  /// Ticks for `pointCount` points labelled from `firstX`; `column(i)` maps
  /// point index `i` to its plot column.
  static func place(pointCount: Int, firstX: Int, plotWidth: Int, column: (Int) -> Int) -> [Tick] {
    let last = pointCount - 1
    let step = niceStep(span: last, maxTicks: max(1, plotWidth / 8))
    var candidates = [0, last]
    var index = step - ((firstX % step) + step) % step
    while index < last {
      if index > 0 { candidates.append(index) }
      index += step
    }
    var placed: [Tick] = []
    for i in candidates { add(String(firstX + i), column: column(i), plotWidth: plotWidth, to: &placed) }
    return placed
  }

  /// Ticks given by the caller, in order; `column(index)` maps a point index to its column.
  static func place(_ ticks: [(index: Double, label: String)], plotWidth: Int,
                    column: (Double) -> Int) -> [Tick] {
    var placed: [Tick] = []
    for t in ticks where t.index.isFinite {
      add(TextLayout.singleLine(t.label), column: column(t.index), plotWidth: plotWidth, to: &placed)
    }
    return placed
  }

  /// Adds a tick labelled `label` centred at `column` unless it would touch one placed.
  static func add(_ label: String, column: Int, plotWidth: Int, to placed: inout [Tick]) {
    let col = Numeric.clamp(column, 0...max(0, plotWidth - 1))
    let len = label.count
    let start = Numeric.clamp(col - (len - 1) / 2, 0...max(0, plotWidth - len))
    let clear = placed.allSatisfy { start > $0.start + $0.label.count || start + len < $0.start }
    if clear && len <= plotWidth && !placed.contains(where: { $0.column == col }) {
      placed.append(Tick(column: col, label: label, start: start))
    }
  }

  /// Smallest step from 1, 2, 5, 10, 20, 25, 50, 100, … giving at most `maxTicks` intervals.
  static func niceStep(span: Int, maxTicks: Int) -> Int {
    var magnitude = 1
    while magnitude < 1_000_000_000 {
      for factor in [1, 2, 5] where span <= factor * magnitude * maxTicks {
        return factor * magnitude
      }
      magnitude *= 10
    }
    return max(1, span)
  }
}

/// The y range (in log10 space when `log`) and the value ↔ fraction mapping.
struct YScale {
  var lo: Double
  var hi: Double
  var log: Bool

  /// The range of all plottable values, padded when all are equal; `nil`
  /// when nothing is plottable.
  static func fit(_ series: [LineChart.Series], log: Bool) -> YScale? {
    var scale = YScale(lo: .infinity, hi: -.infinity, log: log)
    for s in series {
      for v in s.values {
        guard let t = scale.transform(v) else { continue }
        scale.lo = min(scale.lo, t)
        scale.hi = max(scale.hi, t)
      }
    }
    guard scale.lo <= scale.hi else { return nil }
    if scale.lo == scale.hi {
      let pad = log ? 0.5 : (scale.lo == 0 ? 1 : abs(scale.lo) * 0.1)
      let (lo, hi) = (scale.lo - pad, scale.hi + pad)
      if lo.isFinite && hi.isFinite { (scale.lo, scale.hi) = (lo, hi) }
    }
    return scale
  }

  /// `v` in axis space (log10 when `log`), or `nil` when not plottable.
  func transform(_ v: Double) -> Double? {
    guard v.isFinite else { return nil }
    guard log else { return v }
    return v > 0 ? Numeric.log10(v) : nil
  }

  /// Position of axis-space `t` in the range, 0 (bottom) … 1 (top).
  func fraction(_ t: Double) -> Double {
    let f = (t * 0.5 - lo * 0.5) / (hi * 0.5 - lo * 0.5)
    return f.isFinite ? min(max(f, 0), 1) : 0.5
  }

  /// The data value at `fraction` of the range.
  func value(atFraction f: Double) -> Double {
    let t = lo * (1 - f) + hi * f
    return log ? Numeric.exp10(t) : t
  }
}
