import DLang
import Foundation
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

  /// Writes the Markdown atomically (temp file + rename). Returns an error message on failure.
  public func write(to path: String) -> String? {
    do {
      try Data(markdown.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
      return nil
    } catch {
      return "cannot write transcript '\(path)': \(error.localizedDescription)"
    }
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
