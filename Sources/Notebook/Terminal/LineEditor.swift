@preconcurrency import CLibEdit
import CEditLine
import Foundation

/// Outcome of one `LineEditor.readLine(prompt:)`.
public enum ReadResult: Sendable, Equatable {
  /// A line, without its trailing newline.
  case line(String)
  /// End of input (Ctrl-D on an empty line, or end of a piped stdin).
  case eof
  /// Ctrl-C at the prompt: the line was abandoned; show a fresh prompt.
  case interrupted
}

/// Interactive line input on stdin/stdout through libedit: emacs key bindings,
/// history (arrows, Ctrl-R), TAB completion and IPython-style Ctrl-C.
///
/// When stdin is not a terminal, lines are read without editing or prompt.
/// Use from one thread at a time.
public final class LineEditor {
  /// Called on TAB with the whole line and the cursor as a UTF-8 offset.
  public var completer: (@Sendable (_ line: String, _ cursor: Int) -> Completion)?

  /// The history file given at init (nil: history lives only in memory).
  public let historyFile: String?
  /// The most entries kept in memory and in the history file.
  public let historySize: Int

  private let editor: OpaquePointer?

  /// Creates an editor and loads `historyFile` if it exists.
  /// - Parameters:
  ///   - programName: name used for `~/.editrc` lines (`dl:bind ...`).
  ///   - historyFile: where `saveHistory()` writes; nil for none.
  ///   - historySize: the cap on remembered lines.
  public init(programName: String, historyFile: String?, historySize: Int = 1000) {
    self.historyFile = historyFile
    self.historySize = max(historySize, 1)
    LineEditor.useUTF8CharacterType()
    self.editor = cel_create(programName, Int32(clamping: self.historySize))
    guard let editor else { return }
    cel_set_completer(editor, lineEditorComplete, Unmanaged.passUnretained(self).toOpaque())
    if let historyFile, FileManager.default.fileExists(atPath: historyFile) {
      _ = cel_history_load(editor, historyFile)
    }
  }

  deinit {
    cel_destroy(editor)
  }

  /// Whether stdin is a terminal (editing, prompt and completion are active).
  public var isInteractive: Bool {
    editor.map { cel_is_tty($0) != 0 } ?? false
  }

  /// Shows `prompt` and reads a line. Bytes between two `\u{1}` in the prompt
  /// are zero-width (wrap ANSI colour codes in them).
  public func readLine(prompt: String) -> ReadResult {
    guard let editor else { return fallbackReadLine(prompt: prompt) }
    cel_set_prompt(editor, prompt)
    var length: Int32 = 0
    var status: Int32 = 0
    guard let text = cel_gets(editor, &length, &status) else {
      return status == Int32(CEL_INTERRUPTED) ? .interrupted : .eof
    }
    let bytes = UnsafeRawBufferPointer(start: text, count: Int(length))
    return .line(String(decoding: bytes, as: UTF8.self))
  }

  /// Appends `line` to history unless it is blank or repeats the last entry.
  /// Trailing newlines are dropped; inner ones (multi-line statements) are kept
  /// and survive `saveHistory()`.
  public func addHistory(_ line: String) {
    guard let editor else { return }
    var entry = line
    while entry.hasSuffix("\n") || entry.hasSuffix("\r") { entry.removeLast() }
    guard !entry.allSatisfy(\.isWhitespace) else { return }
    guard historyEntries.last != entry else { return }
    _ = cel_history_add(editor, entry)
  }

  /// Writes history to `historyFile` atomically (temp file + rename), at most
  /// `historySize` entries, mode 0600. Returns false (and changes nothing on
  /// disk) if there is no history file or writing failed.
  @discardableResult
  public func saveHistory() -> Bool {
    guard let editor, let historyFile else { return false }
    return HistoryFile.writeAtomically(to: historyFile) { temp in
      cel_history_save(editor, temp) >= 0
    }
  }

  /// History, oldest first.
  public var historyEntries: [String] {
    guard let editor else { return [] }
    var entries: [String] = []
    var next = cel_history_oldest(editor)
    while let entry = next {
      entries.append(String(cString: entry))
      next = cel_history_newer(editor)
    }
    return entries
  }

  /// Forgets all history in memory (the file is untouched until saved).
  public func clearHistory() {
    guard let editor else { return }
    cel_history_clear(editor)
  }

  /// Completion plan for the current line, via `completer`.
  func completionAction(line: String, cursor: Int) -> CompletionAction {
    let completion = completer?(line, cursor) ?? .none
    return CompletionPlanner.plan(
      line: line, cursor: cursor, completion: completion, width: Terminal.width(fd: 1))
  }

  /// libedit decodes input with the C library's LC_CTYPE; Swift strings are
  /// UTF-8. Adopt the environment's locale for LC_CTYPE only, and C.UTF-8 if
  /// that is not UTF-8, so non-ASCII input is not dropped.
  private static func useUTF8CharacterType() {
    setlocale(LC_CTYPE, "")
    let codeset = nl_langinfo(nl_item(CODESET)).map { String(cString: $0) }
    if codeset != "UTF-8" { setlocale(LC_CTYPE, "C.UTF-8") }
  }

  /// Used only if libedit could not be initialised.
  private func fallbackReadLine(prompt: String) -> ReadResult {
    FileHandle.standardOutput.write(Data(prompt.utf8))
    guard let line = Swift.readLine(strippingNewline: true) else { return .eof }
    return .line(line)
  }
}

/// Where the REPL keeps its history, and atomic file replacement.
public enum HistoryFile {
  /// `$XDG_STATE_HOME/dl/history`, else `~/.local/state/dl/history`.
  /// Creates the directory; returns nil if it cannot be created or written.
  public static func defaultPath(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String? {
    guard let directory = stateDirectory(environment: environment) else { return nil }
    let dir = directory + "/dl"
    do {
      try FileManager.default.createDirectory(
        atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
      return nil
    }
    guard access(dir, W_OK | X_OK) == 0 else { return nil }
    return dir + "/history"
  }

  /// The base state directory from the environment, without creating it.
  static func stateDirectory(environment: [String: String]) -> String? {
    if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg }
    guard let home = environment["HOME"], !home.isEmpty else { return nil }
    return home + "/.local/state"
  }

  /// Replaces `path` by what `write` puts in a temporary sibling file, via rename.
  /// The temporary file is removed on failure; the result is mode 0600.
  public static func writeAtomically(to path: String, _ write: (String) -> Bool) -> Bool {
    let temp = path + ".tmp.\(getpid())"
    unlink(temp)
    guard write(temp), chmod(temp, 0o600) == 0, rename(temp, path) == 0 else {
      unlink(temp)
      return false
    }
    return true
  }
}

/// C entry point for TAB: forwards to the LineEditor in `ctx`.
private func lineEditorComplete(
  _ line: UnsafePointer<CChar>?, _ cursor: Int32, _ ctx: UnsafeMutableRawPointer?
) -> cel_completion {
  var result = cel_completion(delete_chars: 0, insert: nil, listing: nil)
  guard let line, let ctx else { return result }
  let editor = Unmanaged<LineEditor>.fromOpaque(ctx).takeUnretainedValue()
  let action = editor.completionAction(line: String(cString: line), cursor: Int(cursor))
  result.delete_chars = Int32(clamping: action.deleteCount)
  if !action.insert.isEmpty { result.insert = strdup(action.insert) }
  if let listing = action.listing { result.listing = strdup(listing) }
  return result
}
