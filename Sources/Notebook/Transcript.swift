import DLang
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TermPlot

/// A notebook-style Markdown record of a run: each statement in a fenced `dl` block followed by
/// its output (results, progress notes, errors) in a plain block; comments written before a
/// statement become prose. Works the same for a script and an interactive session.
public final class TranscriptRecorder: SessionOutput {
  struct Cell {
    var source: String?
    var comments: [String]
    var output: [String] = []
  }

  public let style = RenderStyle.ascii
  public let isInteractive = false
  private var cells: [Cell] = []
  private let title: String
  /// Per-epoch lines of the current `fit`, condensed when written.
  private var epochLines: [String] = []

  public init(title: String) { self.title = title }

  /// Starts the cell of a statement about to run.
  /// Statements with no output in between share one code block, as in a notebook cell.
  public func begin(source: String, comments: [String]) {
    flushEpochs()
    if let last = cells.last, last.output.isEmpty, let previous = last.source,
       comments.allSatisfy({ $0.isEmpty }) {
      cells[cells.count - 1].source = previous + "\n" + source
      return
    }
    cells.append(Cell(source: source, comments: comments))
  }

  public func result(_ text: String) {
    flushEpochs()
    append(text.hasSuffix("\n") ? String(text.dropLast()) : text)
  }

  public func progress(_ event: ProgressEvent) {
    switch event {
    case .epochEnded:
      if let line = ProgressText.plainLine(event) { epochLines.append(line) }
    case .note(let text):
      if text.hasPrefix("Epoch ") { epochLines.append(text) } else { flushEpochs(); append(text) }
    default: break
    }
  }

  public func diagnostic(_ diagnostic: Diagnostic, file: String, source: String) {
    flushEpochs()
    append(diagnostic.render(file: file, source: source))
  }

  /// The Markdown text.
  public var markdown: String {
    flushEpochs()
    var out = "# \(title)\n"
    for cell in cells {
      let prose = cell.comments.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
      if !prose.isEmpty { out += "\n" + prose + "\n" }
      if let src = cell.source { out += "\n```dl\n" + src + "\n```\n" }
      if !cell.output.isEmpty { out += "\n```text\n" + cell.output.joined(separator: "\n") + "\n```\n" }
    }
    return out
  }

  /// Writes the Markdown atomically (a temporary file in the same directory, then rename).
  /// Returns an error message on failure.
  public func write(to path: String) -> String? {
    OutputFile.writeAtomically(Array(markdown.utf8), to: path)
      .map { "cannot write transcript '\(path)': \($0)" }
  }

  private func append(_ text: String) {
    if cells.isEmpty { cells.append(Cell(source: nil, comments: [])) }
    cells[cells.count - 1].output.append(text)
  }

  /// A long fit shows its first three and last two epochs.
  private func flushEpochs() {
    guard !epochLines.isEmpty else { return }
    let lines = epochLines
    epochLines = []
    if lines.count <= 8 { lines.forEach(append) } else {
      lines.prefix(3).forEach(append)
      append("… \(lines.count - 5) more epochs …")
      lines.suffix(2).forEach(append)
    }
  }
}

/// A file dl writes (`--transcript`): checked before anything runs, written atomically.
public enum OutputFile {
  /// Why `path` cannot be written, or nil when it can. It must not be a directory, a read-only
  /// file or one of `inputs` (the script being run), and its directory must exist and accept a
  /// new file (a probe file is created and removed).
  public static func problem(_ path: String, inputs: [String]) -> String? {
    if path.isEmpty { return "the file name is empty" }
    var info = stat()
    if stat(path, &info) == 0 {
      if (info.st_mode & S_IFMT) == S_IFDIR { return "is a directory" }
      for input in inputs {
        var other = stat()
        if stat(input, &other) == 0, other.st_dev == info.st_dev, other.st_ino == info.st_ino {
          return "is the script being run; it would be overwritten"
        }
      }
      if info.st_mode & 0o222 == 0 || access(path, W_OK) != 0 { return "is read-only" }
    }
    let directory = directory(of: path)
    var dir = stat()
    guard stat(directory, &dir) == 0 else { return "directory '\(directory)' does not exist" }
    guard (dir.st_mode & S_IFMT) == S_IFDIR else { return "'\(directory)' is not a directory" }
    let probe = temporaryName(for: path)
    let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { return "cannot create a file in '\(directory)': \(reason(errno))" }
    close(fd)
    unlink(probe)
    return nil
  }

  /// Writes `bytes` to a temporary file next to `path`, then renames it over `path`. Returns
  /// the reason on failure (the temporary file is removed).
  public static func writeAtomically(_ bytes: [UInt8], to path: String) -> String? {
    let temp = temporaryName(for: path)
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { return reason(errno) }
    var rest = bytes[...]
    var failure: Int32?
    while !rest.isEmpty {
      let n = rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { failure = n < 0 ? errno : EIO; break }
      rest = rest.dropFirst(n)
    }
    if failure == nil && fsync(fd) != 0 { failure = errno }
    if close(fd) != 0 && failure == nil { failure = errno }
    if failure == nil && rename(temp, path) != 0 { failure = errno }
    if let failure {
      unlink(temp)
      return reason(failure)
    }
    return nil
  }

  /// The directory part of `path` (`.` for a bare name).
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let dir = String(path[..<slash])
    return dir.isEmpty ? "/" : dir
  }

  /// A hidden temporary sibling of `path`: `dir/.name.tmp.PID`.
  static func temporaryName(for path: String) -> String {
    let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    return directory(of: path) + "/." + name + ".tmp.\(getpid())"
  }

  static func reason(_ code: Int32) -> String { String(cString: strerror(code)).lowercased() }
}
