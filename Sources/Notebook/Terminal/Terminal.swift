import CEditLine
import Foundation

/// Facts about the controlling terminal.
public enum Terminal {
  /// Whether `fd` refers to a terminal.
  public static func isTTY(_ fd: Int32) -> Bool {
    isatty(fd) != 0
  }

  /// Width in columns of the terminal on `fd`: TIOCGWINSZ, else `$COLUMNS`, else 80.
  public static func width(
    fd: Int32 = 1, environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> Int {
    let columns = Int(cel_terminal_width(fd))
    if columns > 0 { return columns }
    if let text = environment["COLUMNS"], let value = Int(text), value > 0 { return value }
    return 80
  }

  /// Whether the locale (`LC_ALL`, then `LC_CTYPE`, then `LANG`) is UTF-8.
  public static var supportsUnicode: Bool {
    supportsUnicode(environment: ProcessInfo.processInfo.environment)
  }

  /// `supportsUnicode` for an explicit environment.
  public static func supportsUnicode(environment: [String: String]) -> Bool {
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
      .lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
    let lower = locale.lowercased()
    return lower.contains("utf-8") || lower.contains("utf8")
  }

  /// Whether the terminal shows colour: `TERM` is set and not `dumb`, and `NO_COLOR` is unset.
  public static var supportsColor: Bool {
    supportsColor(environment: ProcessInfo.processInfo.environment)
  }

  /// `supportsColor` for an explicit environment.
  public static func supportsColor(environment: [String: String]) -> Bool {
    guard environment["NO_COLOR"].map({ $0.isEmpty }) ?? true else { return false }
    guard let term = environment["TERM"], !term.isEmpty else { return false }
    return term != "dumb"
  }

  /// Writes all of `text` to `fd`, retrying on partial writes and EINTR. Returns the `errno`
  /// of a failed write (a full disk, a closed descriptor), or nil when everything was written.
  @discardableResult
  public static func write(_ text: String, to fd: Int32) -> Int32? {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { return written < 0 ? errno : EIO }
      bytes = bytes.dropFirst(written)
    }
    return nil
  }
}

/// A single status line on stderr that rewrites itself (`\r` + text + `ESC[K`),
/// for training progress. Without a terminal, only `finish` prints.
public final class ProgressWriter {
  /// Whether updates are drawn in place.
  public let isLive: Bool
  private let fd: Int32
  private var drawn = false

  /// Creates a writer for `fd` (stderr by default); live only on a terminal.
  public init(fd: Int32 = 2, live: Bool? = nil) {
    self.fd = fd
    self.isLive = live ?? Terminal.isTTY(fd)
  }

  /// Replaces the status line with `line`, cut to the terminal width.
  public func update(_ line: String) {
    guard isLive else { return }
    Terminal.write("\r" + fit(line) + "\u{1B}[K", to: fd)
    drawn = true
  }

  /// Ends the status line with a newline, optionally replacing it by `line` first. The final
  /// line is printed whole (the terminal wraps it if it must): it stays on screen.
  public func finish(_ line: String? = nil) {
    if let line {
      Terminal.write(isLive ? "\r\u{1B}[K" + line + "\n" : line + "\n", to: fd)
    } else if drawn {
      Terminal.write("\n", to: fd)
    }
    drawn = false
  }

  /// Erases the status line without a newline (before printing other output).
  public func clear() {
    guard isLive, drawn else { return }
    Terminal.write("\r\u{1B}[K", to: fd)
    drawn = false
  }

  /// `line` without newlines, shortened to fit one terminal row (a row that wrapped could not
  /// be redrawn in place): cut after the last whole ` - metric: value` that fits, if any.
  func fit(_ line: String) -> String {
    ProgressWriter.fit(line, width: Terminal.width(fd: fd), ellipsis: Terminal.supportsUnicode ? "…" : ">")
  }

  /// `fit` for a given terminal width.
  static func fit(_ line: String, width: Int, ellipsis: String) -> String {
    let flat = line.replacingOccurrences(of: "\n", with: " ")
    let limit = max(width - 1, 1)
    guard flat.count > limit else { return flat }
    let room = max(limit - ellipsis.count, 0)
    // The last ` - ` whose text before it, plus a space, fits in `room`.
    if let separator = String(flat.prefix(room + 2)).range(of: " - ", options: .backwards) {
      return String(flat[..<separator.lowerBound]) + " " + ellipsis
    }
    return String(flat.prefix(room)) + ellipsis
  }
}
