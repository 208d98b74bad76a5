/// Heat strips over time: what a recurrent layer does to one sequence. Each block is one
/// quantity (the input, a gate, the cell state, the hidden state) drawn as rows (one per
/// feature or unit) of cells, one cell per time step, time running left to right:
///
///     lstm_1 on test[0]: 20 steps
///     step          0         10       19
///     input         ░▒▓██▓▒░  …            -1.42 … 1.57
///     forget gate                          0 … 1 (fixed)
///       unit 0      ████▓▓▓▒▒░░ …
///
/// Gates are drawn on their fixed range 0…1, so a closing and opening gate reads the same in
/// every block and every sample; other blocks use their own finite min … max (or a range the
/// caller gives). Long sequences wrap into several bands of steps, each with its own step
/// axis, to fit the width.
public struct TimeStrips: Sendable {
  /// One quantity: rows of values over the same time steps.
  public struct Block: Sendable, Equatable {
    /// `forget gate`, `hidden state`, `input`.
    public var label: String
    /// One row per unit or feature; every row has one value per time step.
    public var rows: [[Double]]
    /// Row labels (`unit 0`, …); nil: `unit i` for several rows, none for a single row.
    public var rowLabels: [String]?
    /// A fixed range (gates: 0…1); nil: the block's own finite min … max.
    public var range: ClosedRange<Double>?
    /// A note after the range (`first 8 of 32 units`).
    public var note: String?

    /// A block.
    public init(label: String, rows: [[Double]], rowLabels: [String]? = nil,
                range: ClosedRange<Double>? = nil, note: String? = nil) {
      self.label = label
      self.rows = rows
      self.rowLabels = rowLabels
      self.range = range
      self.note = note
    }
  }

  /// The line above everything.
  public var title: String?
  /// The blocks, top to bottom.
  public var blocks: [Block]
  /// Characters per time step (1 or 2).
  public var cellWidth: Int

  /// Strips for `blocks` under `title`.
  public init(title: String? = nil, blocks: [Block], cellWidth: Int = 1) {
    self.title = title
    self.blocks = blocks
    self.cellWidth = max(1, min(cellWidth, 2))
  }

  /// The number of time steps (the longest row).
  public var steps: Int { blocks.flatMap(\.rows).map(\.count).max() ?? 0 }

  /// The strips as text at most `width` columns wide (wrapping into bands of steps).
  public func render(style: RenderStyle = .unicode, width: Int = 80) -> String {
    var lines: [String] = []
    if let title { lines.append(title) }
    let t = steps
    guard t > 0 else { return (lines + ["(no time steps)"]).joined(separator: "\n") }
    let labelWidth = min(24, max(6, labelColumn()))
    let painter = CellPainter(style: style, cellWidth: cellWidth)
    let perBand = max(1, (width - labelWidth - 2) / cellWidth)
    var start = 0
    while start < t {
      let end = min(t, start + perBand)
      if start > 0 { lines.append("") }
      lines.append(pad("step", labelWidth) + "  " + axis(start, end))
      for block in blocks { lines += render(block, start, end, labelWidth, painter, width: width) }
      start = end
    }
    lines.append(pad("", labelWidth) + "  " + "low " + painter.ramp() + " high, within each block's range")
    return lines.joined(separator: "\n")
  }

  /// The rows of one block for steps start..<end: a heading line with the range, then the
  /// rows (a single unlabelled row sits on the heading line).
  func render(_ b: Block, _ start: Int, _ end: Int, _ labelWidth: Int, _ painter: CellPainter,
              width: Int) -> [String] {
    let range = b.range.map { (lo: $0.lowerBound, hi: $0.upperBound) } ?? Shades.finiteRange(b.rows.joined())
    var caption = range.map { rangeText($0, fixed: b.range != nil) } ?? "no finite values"
    if let note = b.note { caption += ", " + note }
    func cells(_ row: [Double]) -> String {
      let slice = (start..<end).map { $0 < row.count ? row[$0] : Double.nan }
      return painter.row(slice, range)
    }
    if b.rows.count == 1 && b.rowLabels == nil {
      let line = pad(b.label, labelWidth) + "  " + cells(b.rows[0])
      let room = width - labelWidth - 2 - (end - start) * cellWidth - 2
      if displayWidth(caption) <= room { return [line + "  " + caption] }
      return [line, pad("", labelWidth) + "  " + caption]
    }
    var out = [pad(b.label, labelWidth) + "  " + caption]
    for (i, row) in b.rows.enumerated() {
      let name = b.rowLabels.flatMap { i < $0.count ? $0[i] : nil } ?? "unit \(i)"
      out.append(pad("  " + name, labelWidth) + "  " + cells(row))
    }
    return out
  }

  /// `step` axis: tick labels at 0, every 10 steps and the last step of the band.
  func axis(_ start: Int, _ end: Int) -> String {
    var chars = Array(repeating: Character(" "), count: (end - start) * cellWidth)
    var ticks = Array(stride(from: (start + 9) / 10 * 10, to: end, by: 10))
    if ticks.first != start { ticks.insert(start, at: 0) }
    if let lastTick = ticks.last, end - 1 - lastTick >= 4 { ticks.append(end - 1) }
    var free = 0
    for tick in ticks {
      let text = Array(String(tick))
      let at = (tick - start) * cellWidth
      guard at >= free, at + text.count <= chars.count || tick == ticks.first else { continue }
      for (k, ch) in text.enumerated() where at + k < chars.count { chars[at + k] = ch }
      free = at + text.count + 1
    }
    return String(chars)
  }

  func rangeText(_ r: (lo: Double, hi: Double), fixed: Bool) -> String {
    Format.axisTick(r.lo) + " … " + Format.axisTick(r.hi) + (fixed ? " (fixed)" : "")
  }

  func labelColumn() -> Int {
    blocks.map { b in
      max(displayWidth(b.label), (b.rowLabels ?? (b.rows.count > 1 ? ["unit \(b.rows.count - 1)"] : []))
        .map { displayWidth($0) + 2 }.max() ?? 0)
    }.max() ?? 0
  }

  func pad(_ s: String, _ width: Int) -> String {
    let w = displayWidth(s)
    if w > width { return String(s.prefix(width)) }
    return s + TextLayout.repeated(" ", width - w)
  }
}
