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
