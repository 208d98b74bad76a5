// Diagnostics: a located message, rendered compiler-style with the source line and a caret.

/// How serious a diagnostic is.
public enum Severity: String, Sendable, Equatable {
  case error, warning, note
}

/// A problem found in source text, with an optional hint on how to fix it.
public struct Diagnostic: Sendable, Equatable, Error, CustomStringConvertible {
  public var range: SourceRange
  public var severity: Severity
  public var message: String
  public var hint: String?

  /// Creates a diagnostic.
  public init(range: SourceRange, severity: Severity = .error, message: String, hint: String? = nil) {
    self.range = range
    self.severity = severity
    self.message = message
    self.hint = hint
  }

  /// An error at `range`.
  public static func error(_ message: String, at range: SourceRange, hint: String? = nil) -> Diagnostic {
    Diagnostic(range: range, severity: .error, message: message, hint: hint)
  }

  /// `line:column: severity: message`.
  public var description: String {
    "\(range.start): \(severity.rawValue): \(message)"
  }

  /// Renders the diagnostic as
  /// ```
  /// file:line:col: error: message
  ///   source line
  ///   ^~~~
  ///   hint: ...
  /// ```
  /// with the source line verbatim, a caret at the start column and `~` to the end of the
  /// range on that line. Control characters (other than a tab in the source line) are shown
  /// as their Unicode pictures (`␛`, `␇`), never written raw. No trailing newline.
  public func render(file: String, source: String, useColor: Bool = false) -> String {
    let style = DiagnosticStyle(useColor: useColor)
    let v = Diagnostic.visible
    var lines = [
      style.bold("\(v(file, false)):\(range.start.line):\(range.start.column):") + " "
        + style.severity(severity) + " " + style.bold(v(message, false))
    ]
    if let text = Diagnostic.line(range.start.line, of: source) {
      lines.append(v(text, true))
      lines.append(style.caret(caretLine(under: text)))
    }
    if let hint {
      lines.append("  " + style.hintLabel("hint:") + " " + v(hint, false))
    }
    return lines.joined(separator: "\n")
  }

  /// `text` with each control character replaced by its one-column picture (U+2400…).
  static func visible(_ text: String, _ keepTabs: Bool) -> String {
    guard text.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) else { return text }
    var out = String.UnicodeScalarView()
    for c in text.unicodeScalars {
      if c == "\t" && keepTabs || (c.value >= 32 && c.value != 127) {
        out.append(c)
      } else {
        out.append(Unicode.Scalar(c.value == 127 ? 0x2421 : 0x2400 + c.value) ?? "?")
      }
    }
    return String(out)
  }

  /// The caret and tildes, indented to the start column (tabs copied so they line up).
  func caretLine(under text: String) -> String {
    let chars = Array(text)
    let startIndex = max(0, range.start.column - 1)
    var pad = ""
    for i in 0..<startIndex {
      pad.append(i < chars.count && chars[i] == "\t" ? "\t" : " ")
    }
    let lastColumn: Int
    if range.end.line > range.start.line {
      lastColumn = chars.count + 1
    } else {
      lastColumn = range.end.column
    }
    let tildes = max(0, lastColumn - range.start.column - 1)
    return pad + "^" + String(repeating: "~", count: tildes)
  }

  /// The text of 1-based line `number`, without its line break.
  static func line(_ number: Int, of source: String) -> String? {
    guard number >= 1 else { return nil }
    var current = 1
    var text = ""
    for c in source {
      if c.isNewline {
        if current == number { return text }
        current += 1
        text = ""
      } else if current == number {
        text.append(c)
      }
    }
    return current == number ? text : nil
  }
}

/// ANSI styling for rendered diagnostics, or none.
struct DiagnosticStyle {
  let useColor: Bool

  private func wrap(_ code: String, _ text: String) -> String {
    useColor ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }

  func bold(_ text: String) -> String { wrap("1", text) }
  func caret(_ text: String) -> String { wrap("1;32", text) }
  func hintLabel(_ text: String) -> String { wrap("1;36", text) }

  func severity(_ severity: Severity) -> String {
    let label = severity.rawValue + ":"
    switch severity {
    case .error: return wrap("1;31", label)
    case .warning: return wrap("1;35", label)
    case .note: return wrap("1;36", label)
    }
  }
}
