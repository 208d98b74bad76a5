import CEditLine
import DLang
import Foundation

/// The interactive session: `dl> ` prompt, `...> ` while a block or bracket is open, layer lines
/// checked and echoed as they are typed, errors as `<cell N>:line:col`, Ctrl-C to clear a line
/// or stop a `fit` (keeping the weights), Ctrl-D or `exit` to leave.
public final class REPL {
  let session: Session
  let output: TerminalOutput
  let transcript: TranscriptRecorder?
  let editor: LineEditor
  let interrupts = InterruptController(exitAfter: 0)
  private var cellNumber = 1

  public init(session: Session, output: TerminalOutput, transcript: TranscriptRecorder?) {
    self.session = session
    self.output = output
    self.transcript = transcript
    editor = LineEditor(programName: "dl", historyFile: HistoryFile.defaultPath(), historySize: 2000)
    let completer = Completer(session: session)
    editor.completer = { line, cursor in completer.complete(line: line, cursor: cursor) }
    let interrupts = self.interrupts
    session.interruptLevel = { interrupts.pressCount }
    session.echoModelLayers = false
  }

  /// Reads and runs cells until Ctrl-D or `exit`; saves the history after each cell and on
  /// the way out.
  public func run() {
    if editor.isInteractive {
      Terminal.write("dl \(Launcher.version) — type help for statements, Ctrl-D to leave\n", to: 1)
    }
    // The counting SIGINT handler stays installed for the whole session (the prompt reads ^C
    // as a key), so a Ctrl-C that lands between a cell and the next prompt never kills dl.
    interrupts.begin()
    defer { interrupts.end() }
    while !session.exitRequested, let cell = readCell() {
      runCell(cell)
      if editor.isInteractive { _ = editor.saveHistory() }
    }
    _ = editor.saveHistory()
  }

  /// One complete cell (a statement, or a block spanning lines), or nil at end of input.
  func readCell() -> String? {
    var lines: [String] = []
    var block: LiveModelBlock?
    while true {
      let prompt = lines.isEmpty ? "dl> " : "...> "
      switch editor.readLine(prompt: prompt) {
      case .eof:
        // On a terminal Ctrl-D leaves, dropping an unfinished block; from a pipe the
        // unfinished text still runs, so its error is reported.
        session.isTypingModelBlock = false
        return lines.isEmpty || editor.isInteractive ? nil : lines.joined(separator: "\n")
      case .interrupted:
        lines = []
        block = nil
        session.isTypingModelBlock = false
        continue
      case .line(let line):
        editor.addHistory(line)
        if lines.isEmpty && line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
        if let b = block, b.takes(line) {
          switch b.add(line: line, lineNumber: lines.count + 1) {
          case .success(let echo):
            if let echo { Terminal.write("      " + echo + "\n", to: 1) }
            lines.append(line)
          case .failure(let d):
            output.diagnostic(d, file: "<cell \(cellNumber)>", source: (lines + [line]).joined(separator: "\n"))
            Terminal.write("      (line not added; retype it, or close the block with })\n", to: 2)
          }
          continue
        }
        lines.append(line)
        if lines.count == 1 { block = LiveModelBlock(header: line, session: session) }
        session.isTypingModelBlock = block != nil
        let text = lines.joined(separator: "\n")
        if InputStatus.of(text) == .complete { session.isTypingModelBlock = false; return text }
      }
    }
  }

  /// Runs one cell against the session; errors leave every name and model in place.
  func runCell(_ text: String) {
    session.inputHistory.append(text)
    interrupts.reset()
    // Ctrl-C must not discard progress lines still on their way to the terminal.
    let noflsh = cel_tty_noflsh(0, 1)
    session.run(text, file: "<cell \(cellNumber)>")
    if noflsh == 0 { _ = cel_tty_noflsh(0, 0) }
    interrupts.reset()
    cellNumber += 1
  }
}
