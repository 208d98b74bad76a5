import NeuralNet
import TermPlot

/// Bridges the training loop's callbacks to progress events: a live line on a terminal
/// (redrawn at most every 50 ms), one line per epoch otherwise, nothing with `verbose=0`.
final class FitObserver: TrainingObserver {
  let output: SessionOutput
  let epochs: Int
  let verbose: Int
  let interrupt: () -> Int
  private var lastDraw = 0.0
  /// Batches per epoch, as last reported.
  private(set) var batches = 0
  /// The last batch finished (less than `batches` when Ctrl-C stopped the epoch).
  private var lastBatch = 0

  init(output: SessionOutput, epochs: Int, verbose: Int, interrupt: @escaping () -> Int) {
    self.output = output
    self.epochs = epochs
    self.verbose = verbose
    self.interrupt = interrupt
  }

  /// Ctrl-C was pressed: stop at the end of this batch.
  var shouldStop: Bool { interrupt() > 0 }

  /// A second Ctrl-C: skip the stopped epoch's validation pass too.
  var shouldAbort: Bool { interrupt() > 1 }

  func epochBegan(epoch: Int, of total: Int) {
    if verbose == 1 && output.isInteractive { output.progress(.epochBegan(epoch: epoch, epochs: total)) }
  }

  func batchEnded(batch: Int, of total: Int, logs: [(String, Double)], elapsed: Double) {
    batches = total
    lastBatch = batch
    guard verbose == 1 && output.isInteractive else { return }
    let now = Clock.now()
    if batch < total && now - lastDraw < 0.05 { return }
    lastDraw = now
    output.progress(.batch(step: batch, steps: total, logs: logs, elapsed: elapsed))
  }

  func epochEnded(epoch: Int, logs: [(String, Double)], elapsed: Double) {
    guard verbose > 0 else { return }
    let event = ProgressEvent.epochEnded(epoch: epoch, epochs: epochs, steps: lastBatch, of: batches,
                                         logs: logs, elapsed: elapsed)
    if verbose == 2, let line = ProgressText.plainLine(event) { output.progress(.note(line)) } else { output.progress(event) }
  }
}

/// Plain-text forms of progress events (pipes, logs, transcripts).
public enum ProgressText {
  /// One line for an event, or nil for events that only matter on a live terminal.
  public static func plainLine(_ e: ProgressEvent) -> String? {
    switch e {
    case .epochBegan, .batch: return nil
    case .epochEnded(let epoch, let epochs, let steps, let total, let logs, let elapsed):
      let line = ProgressLine(step: steps, total: total, elapsed: elapsed,
                              secondsPerStep: steps > 0 ? elapsed / Double(steps) : 0, metrics: logs)
      return line.renderPlain(epoch: epoch, epochs: epochs)
    case .note(let s): return s
    }
  }
}
