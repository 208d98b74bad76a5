/// Draws values as cells: shade characters, or 256-colour grey backgrounds when the style
/// has colour.
struct CellPainter {
  let style: RenderStyle
  let cellWidth: Int

  /// xterm-256 greys from black to white: 16, the 24-step ramp 232…255, 231.
  static let greys: [Int] = [16] + Array(232...255) + [231]

  /// Number of distinct levels.
  var levels: Int { style.color ? CellPainter.greys.count : Shades.blocks(style).count }

  /// The level of `v` (nil for NaN/infinity) in `range`; a constant range is level 0 when
  /// it is 0 and the top level otherwise.
  func level(_ v: Double, _ range: (lo: Double, hi: Double)?) -> Int? {
    guard v.isFinite, let range else { return nil }
    let constant = range.lo == 0 ? 0 : levels - 1
    return Shades.level(v, lo: range.lo, hi: range.hi, levels: levels, constantLevel: constant)
  }

  /// One row of cells. With colour, one SGR per run of equal levels and a reset at the end.
  func row(_ values: [Double], _ range: (lo: Double, hi: Double)?) -> String {
    let levels = values.map { level($0, range) }
    guard style.color else {
      let ramp = Shades.blocks(style)
      return levels.map { l in
        TextLayout.repeated(l.map { String(ramp[Numeric.clamp($0, 0...(ramp.count - 1))]) } ?? "?", cellWidth)
      }.joined()
    }
    var out = ""
    var current: Int?? = .none
    for l in levels {
      if current != .some(l) {
        out += l.map { "\(ANSI.escape)[48;5;\(CellPainter.greys[$0])m" } ?? ANSI.reset
        current = .some(l)
      }
      out += TextLayout.repeated(l == nil ? "?" : " ", cellWidth)
    }
    return levels.isEmpty ? out : out + ANSI.reset
  }

  /// The ramp for legends: `[ .:-=+*#%@]`, or coloured cells from black to white.
  func ramp() -> String {
    guard style.color else { return "[" + String(Shades.blocks(style)) + "]" }
    let steps = [0, 3, 6, 8, 11, 14, 17, 19, 22, 25]
    return "[" + steps.map { "\(ANSI.escape)[48;5;\(CellPainter.greys[$0])m " }.joined() + ANSI.reset + "]"
  }
}

/// How `ImageGrid.kernels` lays out the filters of a kernel with several input channels.
public enum KernelLayout: Sendable, Equatable {
  /// One section per input channel (`input channel c`), each with the F filters' slices
  /// (exact: nothing is averaged away; C×F maps).
  case perInputChannel
  /// One section of F maps, each the mean over the input channels (compact; weights of
  /// opposite signs in different channels cancel).
  case meanOverInputs
}

extension ImageGrid {
  /// The feature maps of one sample's layer output, NHWC: `data` holds H×W×C values with the
  /// channel fastest (`data[(y·W + x)·C + c]`, as a (H, W, C) tensor's storage). One map per
  /// channel, labelled `ch c`.
  public static func featureMaps<T: BinaryFloatingPoint>(
    _ data: [T], height: Int, width: Int, channels: Int, title: String? = nil,
    scale: Scale = .perMap
  ) -> ImageGrid {
    let c = max(0, channels)
    let maps = (0..<c).map { ch in
      ImageMap(height: height, width: width, label: "ch \(ch)", data: data) { y, x in (y * width + x) * c + ch }
    }
    return ImageGrid(title: title, maps: maps, scale: scale)
  }

  /// An image sample (H×W×C, channel fastest) as `show SAMPLE` draws it: one unlabelled map
  /// for C = 1 (the legend gives its range), else one map per channel (`ch 0`, `ch 1`, …).
  public static func image<T: BinaryFloatingPoint>(
    _ data: [T], height: Int, width: Int, channels: Int = 1, title: String? = nil
  ) -> ImageGrid {
    guard channels > 1 else {
      let map = ImageMap(height: height, width: width, data: data) { y, x in y * width + x }
      return ImageGrid(title: title, maps: [map])
    }
    return featureMaps(data, height: height, width: width, channels: channels, title: title)
  }

  /// The filters of a conv kernel (kh, kw, C, F), Keras' layout: `data[((i·kw + j)·C + c)·F + f]`.
  /// One map per filter, labelled `f k`; with several input channels, `layout` chooses one
  /// section per input channel (the default) or the mean over them.
  public static func kernels<T: BinaryFloatingPoint>(
    _ data: [T], kernelHeight kh: Int, kernelWidth kw: Int, inputChannels: Int, filters: Int,
    layout: KernelLayout = .perInputChannel, title: String? = nil, scale: Scale = .perMap
  ) -> ImageGrid {
    let (c, f) = (max(0, inputChannels), max(0, filters))
    func index(_ i: Int, _ j: Int, _ ch: Int, _ k: Int) -> Int { ((i * kw + j) * c + ch) * f + k }
    if c <= 1 || layout == .perInputChannel {
      let sections = (0..<max(c, 1)).map { ch in
        Section(heading: c > 1 ? "input channel \(ch)" : nil, maps: (0..<f).map { k in
          ImageMap(height: kh, width: kw, label: "f \(k)", data: data) { i, j in index(i, j, ch, k) }
        })
      }
      return ImageGrid(title: title, sections: sections, scale: scale)
    }
    let maps = (0..<f).map { k in
      ImageMap(values: (0..<max(0, kh)).map { i in
        (0..<max(0, kw)).map { j in
          let cells = (0..<c).map { ch in index(i, j, ch, k) }
          guard cells.allSatisfy({ $0 >= 0 && $0 < data.count }) else { return Double.nan }
          return cells.reduce(0.0) { $0 + Double(data[$1]) } / Double(c)
        }
      }, label: "f \(k)")
    }
    return ImageGrid(title: title, sections: [Section(heading: "mean over \(c) input channels", maps: maps)],
                     scale: scale)
  }
}

/// A 1-D vector (a dense layer's output) as a strip of cells, wrapped to a width, each line
/// starting with the index of its first value.
///
///     dense_1 (20)  min 0 max 1.8
///      0   ::--++**%%@@  ::--++**%%
///     13 @@  ::--++**%%
///     0 [ .:-=+*#%@] 1.8
public struct VectorStrip: Sendable {
  /// The values.
  public var values: [Double]
  /// The first line (the range is appended), or nil for just the range.
  public var title: String?
  /// Characters per value (clamped to 1…4).
  public var cellWidth: Int

  /// A strip.
  public init<T: BinaryFloatingPoint>(_ values: [T], title: String? = nil, cellWidth: Int = 2) {
    self.values = values.map(Double.init)
    self.title = title
    self.cellWidth = cellWidth
  }

  /// The strip as lines joined by `\n`, at most `width` columns wide (at least 8 values per
  /// line). Every line has the same display width.
  public func render(style: RenderStyle = .unicode, width: Int = 80) -> String {
    let painter = CellPainter(style: style, cellWidth: Numeric.clamp(cellWidth, 1...4))
    let range = Shades.finiteRange(values)
    let gutter = String(max(0, values.count - 1)).count
    let perLine = max(8, (width - gutter - 1) / painter.cellWidth)
    var lines: [String] = []
    let rangeText = range.map { "min \(Format.axisTick($0.lo)) max \(Format.axisTick($0.hi))" } ?? "no data"
    lines.append((title.map { TextLayout.singleLine($0) + "  " } ?? "") + rangeText)
    var start = 0
    while start < values.count {
      let end = min(values.count, start + perLine)
      lines.append(TextLayout.padLeft(String(start), gutter) + " " + painter.row(Array(values[start..<end]), range))
      start = end
    }
    if let range {
      lines.append("\(Format.axisTick(range.lo)) \(painter.ramp()) \(Format.axisTick(range.hi))")
    }
    let widest = lines.map(displayWidth).max() ?? 0
    return lines.map { TextLayout.padRight($0, widest) }.joined(separator: "\n")
  }
}
