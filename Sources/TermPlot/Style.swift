/// How a renderer draws: which character repertoire to use and whether to
/// emit ANSI colour escape sequences.
///
/// Every renderer in this module is a pure function of its input and a
/// `RenderStyle`; none of them writes to a terminal.
public struct RenderStyle: Sendable, Hashable {
  /// Use Unicode box-drawing, block and Braille characters (`true`) or
  /// plain 7-bit ASCII (`false`).
  public var unicode: Bool
  /// Emit ANSI SGR colour/bold/dim escape sequences. Renderers that have no
  /// use for colour ignore it.
  public var color: Bool

  /// Creates a style; colour is off unless asked for.
  public init(unicode: Bool = true, color: Bool = false) {
    self.unicode = unicode
    self.color = color
  }

  /// Plain ASCII, no colour: safe for logs, files and dumb terminals.
  public static let ascii = RenderStyle(unicode: false, color: false)
  /// Unicode characters, no colour.
  public static let unicode = RenderStyle(unicode: true, color: false)

  /// A copy of this style with colour switched on or off.
  public func withColor(_ on: Bool = true) -> RenderStyle {
    RenderStyle(unicode: unicode, color: on)
  }
}

/// ANSI SGR helpers; only ever used when `RenderStyle.color` is on.
enum ANSI {
  static let escape = "\u{1B}"
  static let reset = "\u{1B}[0m"
  static let bold = "1"
  static let dim = "2"
  static let red = "31"
  static let green = "32"
  static let yellow = "33"
  static let blue = "34"
  static let magenta = "35"
  static let cyan = "36"

  /// Colours assigned to chart series, in order.
  static let seriesColors = [blue, yellow, green, red, magenta, cyan]

  /// `text` wrapped in the SGR `code` when `enabled`, else `text` unchanged.
  static func wrap(_ text: String, _ code: String, enabled: Bool) -> String {
    guard enabled, !text.isEmpty else { return text }
    return "\u{1B}[\(code)m\(text)\(reset)"
  }

  /// The colour for series number `index` (cycling).
  static func seriesColor(_ index: Int) -> String {
    seriesColors[((index % seriesColors.count) + seriesColors.count) % seriesColors.count]
  }
}

/// The number of terminal columns `text` occupies.
///
/// Counts Unicode scalars, skipping ANSI escape sequences (CSI such as
/// `ESC[1;32m`, OSC terminated by BEL or `ESC \`, and two-character
/// escapes), control characters, combining marks, zero-width characters and
/// variation selectors. Every box-drawing, block and Braille character used by
/// this module counts as one column. East Asian wide characters are *not*
/// special-cased (they count as one).
public func displayWidth(_ text: String) -> Int {
  var width = 0
  var state = EscapeState.text
  for scalar in text.unicodeScalars {
    let (next, visible) = state.advance(scalar)
    state = next
    if visible && !isZeroWidth(scalar) { width += 1 }
  }
  return width
}

/// Scanner state for skipping ANSI escape sequences.
enum EscapeState {
  case text, escape, csi, osc

  /// The next state after `scalar`, and whether `scalar` is visible text.
  func advance(_ scalar: Unicode.Scalar) -> (EscapeState, Bool) {
    let v = scalar.value
    switch self {
    case .text:
      return v == 0x1B ? (.escape, false) : (.text, true)
    case .escape:
      if scalar == "[" { return (.csi, false) }
      if scalar == "]" { return (.osc, false) }
      return (.text, false)
    case .csi:
      return (0x40...0x7E).contains(v) ? (.text, false) : (.csi, false)
    case .osc:
      if v == 0x07 { return (.text, false) }
      return v == 0x1B ? (.escape, false) : (.osc, false)
    }
  }
}

/// Scalars that take no column: C0/C1 controls, combining marks,
/// zero-width spaces/joiners and variation selectors.
func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
  switch scalar.value {
  case 0x00..<0x20, 0x7F..<0xA0: return true
  case 0x0300...0x036F, 0x1AB0...0x1AFF, 0x20D0...0x20FF: return true
  case 0x200B...0x200F, 0x2060...0x2064, 0xFEFF: return true
  case 0xFE00...0xFE0F: return true
  default: return false
  }
}

/// Padding, alignment and truncation by display width.
enum TextLayout {
  /// `count` copies of `piece` (empty for `count <= 0`).
  static func repeated(_ piece: String, _ count: Int) -> String {
    String(repeating: piece, count: max(0, count))
  }

  /// `text` followed by spaces up to `width` columns.
  static func padRight(_ text: String, _ width: Int) -> String {
    text + repeated(" ", width - displayWidth(text))
  }

  /// Spaces followed by `text` up to `width` columns.
  static func padLeft(_ text: String, _ width: Int) -> String {
    repeated(" ", width - displayWidth(text)) + text
  }

  /// `text` centred in `width` columns (extra space goes right).
  static func center(_ text: String, _ width: Int) -> String {
    let free = max(0, width - displayWidth(text))
    return repeated(" ", free / 2) + text + repeated(" ", free - free / 2)
  }

  /// Plain `text` cut to at most `width` columns, ending in `ellipsis` when cut.
  /// Not for strings containing escape sequences.
  static func truncate(_ text: String, _ width: Int, ellipsis: String = "…") -> String {
    guard width > 0 else { return "" }
    guard displayWidth(text) > width else { return text }
    let keep = max(0, width - displayWidth(ellipsis))
    var out = ""
    for ch in text {
      if displayWidth(out + String(ch)) > keep { break }
      out.append(ch)
    }
    return displayWidth(out + ellipsis) <= width ? out + ellipsis : out
  }

  /// `text` with newlines and tabs turned into spaces, for single-line cells.
  static func singleLine(_ text: String) -> String {
    String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\r\n" ? " " : $0 })
  }
}
