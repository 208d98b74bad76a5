import TermPlot

/// Where a session's output goes. Nothing in DLang writes to the terminal: statements emit
/// results (stdout), progress (stderr) and diagnostics through this protocol, so the REPL, the
/// script runner and the tests each decide how to show them.
public protocol SessionOutput: AnyObject {
  /// How tables and charts are drawn (Unicode or ASCII, colour or not).
  var style: RenderStyle { get }
  /// Whether progress may redraw a live line (a terminal) or must print one line per epoch.
  var isInteractive: Bool { get }
  /// A result: printed on stdout, ends with a newline.
  func result(_ text: String)
  /// A picture (the heatmaps of `show`), rendered by `render(style, width)` for this
  /// receiver: a terminal draws it in colour (256-colour cells) wrapped to its width; a pipe,
  /// a transcript or a test gets plain characters at 80 columns (the default).
  func picture(_ render: (_ style: RenderStyle, _ width: Int) -> String)
  /// Training progress and other transient notes: stderr.
  func progress(_ event: ProgressEvent)
  /// An error or warning, already located; rendered by the receiver.
  func diagnostic(_ diagnostic: Diagnostic, file: String, source: String)
}

extension SessionOutput {
  /// Plain pictures: the output's style without colour, 80 columns.
  public func picture(_ render: (_ style: RenderStyle, _ width: Int) -> String) {
    result(render(style.withColor(false), 80))
  }
}

/// Training progress, in Keras' vocabulary.
public enum ProgressEvent: Sendable {
  /// `Epoch 3/60` is starting.
  case epochBegan(epoch: Int, epochs: Int)
  /// A batch finished: running means of the epoch so far.
  case batch(step: Int, steps: Int, logs: [(String, Double)], elapsed: Double)
  /// An epoch finished (after `steps` of its `of` batches: fewer when Ctrl-C stopped it), with
  /// validation values when there are any.
  case epochEnded(epoch: Int, epochs: Int, steps: Int, of: Int, logs: [(String, Double)], elapsed: Double)
  /// A free-form note for stderr (e.g. "stopped by Ctrl-C …").
  case note(String)
}

/// An output that collects everything in memory: tests, and transcripts.
public final class RecordingOutput: SessionOutput, @unchecked Sendable {
  public let style: RenderStyle
  public let isInteractive = false
  /// Results, in order, each with its trailing newline.
  public private(set) var stdout = ""
  /// Progress lines and rendered diagnostics.
  public private(set) var stderr = ""
  /// The diagnostics, unrendered.
  public private(set) var diagnostics: [Diagnostic] = []

  public init(style: RenderStyle = .ascii) { self.style = style }

  public func result(_ text: String) { stdout += text.hasSuffix("\n") ? text : text + "\n" }

  public func progress(_ event: ProgressEvent) {
    if let line = ProgressText.plainLine(event) { stderr += line + "\n" }
  }

  public func diagnostic(_ diagnostic: Diagnostic, file: String, source: String) {
    diagnostics.append(diagnostic)
    stderr += diagnostic.render(file: file, source: source) + "\n"
  }

  /// Forgets what was recorded.
  public func clear() { stdout = ""; stderr = ""; diagnostics = [] }
}
