/// How a chart series is drawn on the canvas.
enum Pen: Sendable, Equatable {
  /// Braille dots (2×4 per cell), connected by lines.
  case braille
  /// Whole-cell characters: `point` at data points, `line` in between.
  case glyph(point: Character, line: Character)

  /// The pen for series `index`: ASCII markers `* + o x # @ % & = $` (ten, so
  /// a nine-layer network's legend names each series once); with colour every
  /// series is Braille; without colour the first series is Braille and the
  /// others use `•`/`·`, `+`, `×`, `o`, then the ASCII `# @ % & =` markers.
  static func forSeries(_ index: Int, style: RenderStyle) -> Pen {
    if !style.unicode {
      let markers: [Character] = ["*", "+", "o", "x", "#", "@", "%", "&", "=", "$"]
      let mark = markers[index % markers.count]
      return .glyph(point: mark, line: mark)
    }
    if style.color || index == 0 { return .braille }
    let markers: [(Character, Character)] = [
      ("•", "·"), ("+", "+"), ("×", "×"), ("o", "o"), ("#", "#"), ("@", "@"), ("%", "%"), ("&", "&"),
      ("=", "="),
    ]
    let (point, line) = markers[(index - 1) % markers.count]
    return .glyph(point: point, line: line)
  }

  /// The symbol shown for this pen in a legend.
  var legendSymbol: String {
    switch self {
    case .braille: return "━"
    case let .glyph(point, _): return String(point)
    }
  }
}

/// A character grid with sub-cell resolution: Braille dots (2 across, 4
/// down per cell) when `unicode`, or one point per cell otherwise. Overlay
/// glyphs win over Braille dots in the same cell. Out-of-range writes are
/// ignored.
struct ChartCanvas {
  let columns: Int
  let rows: Int
  /// Sub-cell points per cell across and down.
  let subX: Int, subY: Int
  private var bits: [UInt8]
  private var bitOwner: [Int]
  private var glyphs: [Character?]
  private var glyphOwner: [Int]

  init(columns: Int, rows: Int, unicode: Bool) {
    self.columns = max(1, columns)
    self.rows = max(1, rows)
    subX = unicode ? 2 : 1
    subY = unicode ? 4 : 1
    let count = self.columns * self.rows
    bits = Array(repeating: 0, count: count)
    bitOwner = Array(repeating: -1, count: count)
    glyphs = Array(repeating: nil, count: count)
    glyphOwner = Array(repeating: -1, count: count)
  }

  /// Width and height in sub-cell points.
  var pointWidth: Int { columns * subX }
  var pointHeight: Int { rows * subY }

  /// Cell index of sub-cell point (x, y), or `nil` when outside.
  private func cellIndex(_ x: Int, _ y: Int) -> Int? {
    guard x >= 0, y >= 0, x < pointWidth, y < pointHeight else { return nil }
    return (y / subY) * columns + x / subX
  }

  /// Sets the Braille dot at sub-cell point (x, y) for `series`.
  mutating func setDot(_ x: Int, _ y: Int, series: Int) {
    guard let index = cellIndex(x, y) else { return }
    let dx = x % subX, dy = y % subY
    let table: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
    bits[index] |= subX == 2 && subY == 4 ? table[dx][dy] : 0xFF
    bitOwner[index] = series
  }

  /// Puts `glyph` in the cell containing sub-cell point (x, y).
  mutating func setGlyph(_ x: Int, _ y: Int, _ glyph: Character, series: Int) {
    guard let index = cellIndex(x, y) else { return }
    glyphs[index] = glyph
    glyphOwner[index] = series
  }

  /// Whether the cell at (row, column) holds nothing yet.
  func isEmpty(row: Int, column: Int) -> Bool {
    guard row >= 0, column >= 0, row < rows, column < columns else { return false }
    let i = row * columns + column
    return glyphs[i] == nil && bits[i] == 0
  }

  /// Writes `text` into cell row `row` starting at cell `column` (no colour).
  mutating func write(_ text: String, row: Int, column: Int) {
    for (offset, ch) in text.enumerated() {
      setGlyph((column + offset) * subX, row * subY, ch, series: -1)
    }
  }

  /// Draws a line between sub-cell points with `pen`'s line character/dots.
  mutating func line(from a: (Int, Int), to b: (Int, Int), pen: Pen, series: Int) {
    for (x, y) in bresenham(a, b) { plot(x, y, pen: pen, series: series, isPoint: false) }
  }

  /// Marks one sub-cell point with `pen`.
  mutating func plot(_ x: Int, _ y: Int, pen: Pen, series: Int, isPoint: Bool) {
    switch pen {
    case .braille: setDot(x, y, series: series)
    case let .glyph(point, line):
      if !isPoint, let index = cellIndex(x, y), glyphs[index] == point, glyphOwner[index] == series {
        return
      }
      setGlyph(x, y, isPoint ? point : line, series: series)
    }
  }

  /// Cell row `row` as text; with `color`, series cells get their colour.
  func renderRow(_ row: Int, color: Bool) -> String {
    var out = ""
    var current = -1
    for column in 0..<columns {
      let index = row * columns + column
      let (text, owner) = cell(index)
      let wanted = color ? owner : -1
      if wanted != current {
        if current >= 0 { out += ANSI.reset }
        if wanted >= 0 { out += "\u{1B}[\(ANSI.seriesColor(wanted))m" }
        current = wanted
      }
      out += text
    }
    if current >= 0 { out += ANSI.reset }
    return out
  }

  /// Text and owning series (-1 for none) of cell `index`.
  private func cell(_ index: Int) -> (String, Int) {
    if let glyph = glyphs[index] { return (String(glyph), glyphOwner[index]) }
    guard bits[index] != 0 else { return (" ", -1) }
    guard subX == 2 && subY == 4 else { return ("*", bitOwner[index]) }
    let scalar = Unicode.Scalar(0x2800 + UInt32(bits[index])) ?? " "
    return (String(Character(scalar)), bitOwner[index])
  }
}

/// Integer points on the line from `a` to `b`, both ends included.
func bresenham(_ a: (Int, Int), _ b: (Int, Int)) -> [(Int, Int)] {
  var (x, y) = a
  let dx = abs(b.0 - x), dy = -abs(b.1 - y)
  let sx = x < b.0 ? 1 : -1, sy = y < b.1 ? 1 : -1
  var err = dx + dy
  var points: [(Int, Int)] = []
  while true {
    points.append((x, y))
    if (x == b.0 && y == b.1) || points.count > 100_000 { break }
    let e2 = 2 * err
    if e2 >= dy { err += dy; x += sx }
    if e2 <= dx { err += dx; y += sy }
  }
  return points
}
