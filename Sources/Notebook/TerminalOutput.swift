import DLang
import TermPlot

/// A session's output on the real stdout/stderr: results on stdout; progress on stderr —
/// a live Keras progress bar on a terminal, one plain line per epoch otherwise; diagnostics on
/// stderr, in colour on a terminal. Unicode tables and charts only on a UTF-8 terminal.
public final class TerminalOutput: SessionOutput {
  public let style: RenderStyle
  public let isInteractive: Bool
  private let colorDiagnostics: Bool
  private let progressLine: ProgressWriter
  /// Whether stdout is a terminal that shows colour: `show` then draws 256-colour cells.
  private let colorPictures: Bool
  private let stdoutTTY: Bool
  /// Every output also goes here (a transcript), when set.
  public var tee: SessionOutput?
  /// The `errno` of the first failed write of a result to stdout (e.g. ENOSPC for
  /// `> /dev/full`); the launcher turns it into an error and a non-zero exit.
  public private(set) var stdoutError: Int32?

  /// Output for this process's stdout and stderr.
  public init() {
    let stdoutTTY = Terminal.isTTY(1)
    let stderrTTY = Terminal.isTTY(2)
    style = RenderStyle(unicode: stdoutTTY && Terminal.supportsUnicode, color: false)
    isInteractive = stderrTTY
    colorDiagnostics = stderrTTY
    progressLine = ProgressWriter(fd: 2, live: stderrTTY)
    self.stdoutTTY = stdoutTTY
    colorPictures = stdoutTTY && Terminal.supportsColor
  }

  public func result(_ text: String) {
    write(text)
    tee?.result(text)
  }

  /// On a colour terminal in 256 colours, wrapped to its width; in a pipe plain, 80 columns.
  /// A transcript renders its own (plain) copy.
  public func picture(_ render: (_ style: RenderStyle, _ width: Int) -> String) {
    write(render(style.withColor(colorPictures), stdoutTTY ? Terminal.width(fd: 1) : 80))
    tee?.picture(render)
  }

  private func write(_ text: String) {
    progressLine.clear()
    if let failure = Terminal.write(text.hasSuffix("\n") ? text : text + "\n", to: 1), stdoutError == nil {
      stdoutError = failure
    }
  }

  public func progress(_ event: ProgressEvent) {
    tee?.progress(event)
    guard isInteractive else {
      if let line = ProgressText.plainLine(event) { Terminal.write(line + "\n", to: 2) }
      return
    }
    let liveStyle = RenderStyle(unicode: Terminal.supportsUnicode, color: true)
    switch event {
    case .epochBegan(let epoch, let epochs):
      progressLine.finish(ProgressLine.epochHeader(epoch: epoch, epochs: epochs))
    case .batch(let step, let steps, let logs, let elapsed):
      let line = ProgressLine(step: step, total: steps, elapsed: elapsed,
                              secondsPerStep: step > 0 ? elapsed / Double(step) : 0, metrics: logs)
      progressLine.update(line.render(style: liveStyle))
    case .epochEnded(_, _, let steps, let total, let logs, let elapsed):
      let line = ProgressLine(step: steps, total: total, elapsed: elapsed,
                              secondsPerStep: steps > 0 ? elapsed / Double(steps) : 0, metrics: logs)
      progressLine.finish(line.render(style: liveStyle))
    case .note(let text):
      progressLine.clear()
      Terminal.write(text + "\n", to: 2)
    }
  }

  public func diagnostic(_ diagnostic: Diagnostic, file: String, source: String) {
    progressLine.clear()
    Terminal.write(diagnostic.render(file: file, source: source, useColor: colorDiagnostics) + "\n", to: 2)
    tee?.diagnostic(diagnostic, file: file, source: source)
  }
}
