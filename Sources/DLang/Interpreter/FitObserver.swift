import NeuralNet
import TermPlot

/// The progress callback of `fit`: a live line on a terminal (redrawn at most every 50 ms),
/// one line per epoch otherwise, nothing with `verbose=0`. It also turns Ctrl-C into a stop at
/// the end of the batch (a second Ctrl-C skips the stopped epoch's validation).
final class FitObserver: Callback {
  let output: SessionOutput
  let epochs: Int
  let verbose: Int
  let interrupt: () -> Int
  private var lastDraw = 0.0
  /// Batches per epoch, as last reported.
  private(set) var batches = 0
  /// The last batch finished (less than `batches` when Ctrl-C stopped the epoch).
  private var lastBatch = 0
  /// Whether a second Ctrl-C skipped the stopped epoch's validation.
  private(set) var aborted = false

  init(output: SessionOutput, epochs: Int, verbose: Int, interrupt: @escaping () -> Int) {
    self.output = output
    self.epochs = epochs
    self.verbose = verbose
    self.interrupt = interrupt
  }

  func epochBegan(_ c: TrainingContext) {
    if verbose == 1 && output.isInteractive { output.progress(.epochBegan(epoch: c.epoch, epochs: c.epochs)) }
  }

  func batchEnded(_ c: TrainingContext) {
    batches = c.batches
    lastBatch = c.batch
    let level = interrupt()
    if level > 0 {
      c.stopNow = true
      c.skipValidation = level > 1
      aborted = level > 1
    }
    guard verbose == 1 && output.isInteractive else { return }
    let now = Clock.now()
    if c.batch < c.batches && now - lastDraw < 0.05 { return }
    lastDraw = now
    output.progress(.batch(step: c.batch, steps: c.batches, logs: c.logs, elapsed: c.elapsed))
  }

  func epochEnded(_ c: TrainingContext) {
    if interrupt() > 1 { aborted = true }
    guard verbose > 0 else { return }
    let event = ProgressEvent.epochEnded(epoch: c.epoch, epochs: epochs, steps: lastBatch, of: batches,
                                         logs: c.logs, elapsed: c.elapsed)
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
