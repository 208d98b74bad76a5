/// One small map of an `ImageGrid`: rows of values and an optional label (`ch 3`, `f 0`).
public struct ImageMap: Sendable, Equatable {
  /// The values, row by row (ragged rows are padded with NaN, drawn `?`).
  public var values: [[Double]]
  /// The map's name, shown above it with its minimum and maximum; nil shows no label.
  public var label: String?

  /// A map.
  public init(values: [[Double]], label: String? = nil) {
    self.values = values
    self.label = label
  }

  /// Rows of `height` × `width` values read from `data` at `index(y, x)` (missing values are
  /// NaN, so a short array never traps).
  public init<T: BinaryFloatingPoint>(height: Int, width: Int, label: String? = nil,
                                      data: [T], index: (Int, Int) -> Int) {
    self.values = (0..<max(0, height)).map { y in
      (0..<max(0, width)).map { x in
        let i = index(y, x)
        return i >= 0 && i < data.count ? Double(data[i]) : .nan
      }
    }
    self.label = label
  }

  /// The finite minimum and maximum, or nil.
  var range: (lo: Double, hi: Double)? { Shades.finiteRange(values.joined()) }
}

/// Several small labelled maps side by side, wrapped to a width: feature maps of a conv layer
/// (H×W×C → C maps), the filters of a conv kernel (kh×kw×C×F → F maps) or an image's channels.
///
/// Each value is one cell of `cellWidth` characters (2: roughly square cells), drawn as a shade
/// (` .:-=+*#%@` in ASCII, ` ░▒▓█` in Unicode, light = low when printed on a light page, i.e.
/// blank for the minimum and densest for the maximum) or, when the style has colour, as a
/// 256-colour grey background (black for the minimum, white for the maximum). Above each map
/// its label and its own minimum and maximum (`ch 3  min -0.12 max 1.4`, split over two or
/// three lines when the map is narrower); maps are separated by `gap` spaces and as many go
/// on a line as fit in `width` columns (at least one: a wider map is drawn whole). Sections
/// (e.g. one per input channel of a kernel) start on a new line under their heading.
///
/// Scale: by default every map is scaled from its own minimum to its own maximum, so edges
/// show in weak channels too (the labels give the actual values); `.shared` scales all maps
/// alike, to compare their strengths. The legend line under the grid says which.
/// A constant map is blank when it is 0 and densest otherwise.
///
///     ImageGrid.featureMaps(output.data, height: 26, width: 26, channels: 8,
///                           title: "conv2d_1 (26, 26, 8)").render(style: .ascii, width: 80)
public struct ImageGrid: Sendable {
  /// How values map to shades.
  public enum Scale: Sendable, Equatable {
    /// Each map from its own minimum to its own maximum.
    case perMap
    /// One range over all maps.
    case shared
  }

  /// A run of maps under an optional heading.
  public struct Section: Sendable, Equatable {
    /// A line above the section's maps (`input channel 0`), or nil.
    public var heading: String?
    /// The maps.
    public var maps: [ImageMap]

    /// A section.
    public init(heading: String? = nil, maps: [ImageMap]) {
      self.heading = heading
      self.maps = maps
    }
  }

  /// The first line, or nil.
  public var title: String?
  /// The sections, in order.
  public var sections: [Section]
  /// Per-map or shared scale.
  public var scale: Scale
  /// Characters per value (clamped to 1…4).
  public var cellWidth: Int
  /// Spaces between maps on a line.
  public var gap: Int
  /// Print the legend line under the grid.
  public var showLegend: Bool

  /// A grid of sections.
  public init(title: String? = nil, sections: [Section], scale: Scale = .perMap, cellWidth: Int = 2,
              gap: Int = 2, showLegend: Bool = true) {
    self.title = title
    self.sections = sections
    self.scale = scale
    self.cellWidth = cellWidth
    self.gap = gap
    self.showLegend = showLegend
  }

  /// A grid of one section of `maps`.
  public init(title: String? = nil, maps: [ImageMap], scale: Scale = .perMap, cellWidth: Int = 2,
              gap: Int = 2, showLegend: Bool = true) {
    self.init(title: title, sections: [Section(maps: maps)], scale: scale, cellWidth: cellWidth,
              gap: gap, showLegend: showLegend)
  }

  /// The grid as lines joined by `\n` (no trailing newline), maps wrapped to `width` columns.
  /// Every line has the same display width.
  public func render(style: RenderStyle = .unicode, width: Int = 80) -> String {
    let painter = CellPainter(style: style, cellWidth: Numeric.clamp(cellWidth, 1...4))
    let shared = Shades.finiteRange(sections.flatMap { $0.maps.flatMap { $0.values.joined() } })
    let allMaps = sections.flatMap(\.maps)
    let labelMode = MapLabel.mode(for: allMaps, cellWidth: painter.cellWidth)
    var lines: [String] = []
    if let title { lines.append(TextLayout.singleLine(title)) }
    for section in sections {
      if let heading = section.heading { lines.append(TextLayout.singleLine(heading)) }
      let blocks = section.maps.map { map in
        block(map, range: scale == .shared ? shared : map.range, labelMode: labelMode, painter: painter)
      }
      lines += GridPacker.pack(blocks, width: width, gap: max(1, gap))
    }
    if allMaps.isEmpty { lines.append("(no data)") }
    if showLegend && !allMaps.isEmpty { lines.append(legend(shared, single: allMaps.count == 1, painter)) }
    let widest = lines.map(displayWidth).max() ?? 0
    return lines.map { TextLayout.padRight($0, widest) }.joined(separator: "\n")
  }

  /// One map with its label lines, every line padded to the block's width.
  func block(_ map: ImageMap, range: (lo: Double, hi: Double)?, labelMode: Int,
             painter: CellPainter) -> [String] {
    let columns = map.values.map(\.count).max() ?? 0
    let rows = map.values.map { row in painter.row((0..<columns).map { $0 < row.count ? row[$0] : .nan }, range) }
    let label = map.label.map { MapLabel.lines(TextLayout.singleLine($0), map.range, mode: labelMode) } ?? []
    let all = label + rows
    let width = max(columns * painter.cellWidth, label.map(displayWidth).max() ?? 0)
    return all.map { TextLayout.padRight($0, width) }
  }

  /// `scale per map: min [ramp] max`, or the values of a shared (or single) scale.
  func legend(_ shared: (lo: Double, hi: Double)?, single: Bool, _ painter: CellPainter) -> String {
    let ramp = painter.ramp()
    guard let shared else { return "(no finite values)" }
    if scale == .perMap && !single { return "scale per map: min \(ramp) max" }
    let text = "\(Format.axisTick(shared.lo)) \(ramp) \(Format.axisTick(shared.hi))"
    return single ? text : "shared scale: " + text
  }
}

/// A map's label: `name  min X max Y` on one line, or split over two or three lines.
enum MapLabel {
  /// The least split (0: one line, 1: name / min max, 2: name / min / max) at which every
  /// labelled map's label fits its width.
  static func mode(for maps: [ImageMap], cellWidth: Int) -> Int {
    for mode in 0..<2 {
      let fits = maps.allSatisfy { map in
        guard let label = map.label else { return true }
        let width = (map.values.map(\.count).max() ?? 0) * cellWidth
        return lines(TextLayout.singleLine(label), map.range, mode: mode).allSatisfy { displayWidth($0) <= width }
      }
      if fits { return mode }
    }
    return 2
  }

  /// The label lines of `name` with range `range` in `mode`.
  static func lines(_ name: String, _ range: (lo: Double, hi: Double)?, mode: Int) -> [String] {
    guard let range else { return mode == 0 ? [name + "  no data"] : [name, "no data"] + (mode == 2 ? [""] : []) }
    let lo = "min " + Format.axisTick(range.lo), hi = "max " + Format.axisTick(range.hi)
    switch mode {
    case 0: return [name + "  " + lo + " " + hi]
    case 1: return [name, lo + " " + hi]
    default: return [name, lo, hi]
    }
  }
}

/// Lays blocks (lists of equal-width lines) side by side in rows that fit a width.
enum GridPacker {
  /// The lines of `blocks` packed greedily into rows of at most `width` columns.
  static func pack(_ blocks: [[String]], width: Int, gap: Int) -> [String] {
    var lines: [String] = []
    var row: [[String]] = []
    var used = 0
    func flush() {
      guard !row.isEmpty else { return }
      let height = row.map(\.count).max() ?? 0
      for i in 0..<height {
        lines.append(row.map { block in
          let w = block.first.map(displayWidth) ?? 0
          return i < block.count ? block[i] : TextLayout.repeated(" ", w)
        }.joined(separator: TextLayout.repeated(" ", gap)))
      }
      row = []
      used = 0
    }
    for block in blocks {
      let w = block.first.map(displayWidth) ?? 0
      if !row.isEmpty && used + gap + w > width { flush() }
      used += (row.isEmpty ? 0 : gap) + w
      row.append(block)
    }
    flush()
    return lines
  }
}
