/// Per-epoch results of training, by name (`loss`, `accuracy`, `val_loss`, `val_accuracy`, …),
/// as Keras' `History.history`.
///
/// Every name's array has one value per epoch (`epochs` values); a name missing from an epoch
/// (e.g. `val_loss` in a fit without validation appended after one with it) holds NaN there.
public struct History: Sendable {
  /// Names in first-seen order (Keras log order: alphabetical, then the `val_` names).
  public private(set) var names: [String] = []
  /// Per-epoch values of each name.
  public private(set) var values: [String: [Double]] = [:]
  /// Number of epochs recorded.
  public private(set) var epochs = 0
  /// Where training was interrupted by `TrainingObserver.shouldStop` (1-based epoch and batch),
  /// or nil when it ran to the end. The interrupted epoch is recorded with its running means.
  public var stopped: (epoch: Int, batch: Int)?

  /// An empty history.
  public init() {}

  /// The per-epoch values of `name`, or nil.
  public subscript(name: String) -> [Double]? { values[name] }

  /// The last epoch's value of `name`, or nil.
  public func last(_ name: String) -> Double? { values[name]?.last }

  /// Records one epoch.
  public mutating func append(_ logs: [(String, Double)]) {
    for (name, _) in logs where values[name] == nil {
      names.append(name)
      values[name] = [Double](repeating: .nan, count: epochs)
    }
    for name in names { values[name]!.append(.nan) }
    for (name, v) in logs { values[name]![epochs] = v }
    epochs += 1
  }

  /// Appends every epoch of `other` (used by `Sequential.history` across `fit` calls);
  /// `stopped` becomes `other.stopped`.
  public mutating func append(contentsOf other: History) {
    for e in 0..<other.epochs {
      append(other.names.map { ($0, other.values[$0]![e]) })
    }
    stopped = other.stopped
  }
}

/// Receives training progress from `Sequential.fit` (the language draws Keras-style progress
/// bars from it). Epochs and batches are 1-based. Log entries are in Keras 3 order:
/// training names alphabetically (`accuracy`, `loss`, …), then `val_` names alphabetically.
public protocol TrainingObserver: AnyObject {
  /// Epoch `epoch` of `total` starts.
  func epochBegan(epoch: Int, of total: Int)
  /// Batch `batch` of `total` in the current epoch ended; `logs` are running means over the
  /// epoch so far; `elapsed` is seconds since the epoch began.
  func batchEnded(batch: Int, of total: Int, logs: [(String, Double)], elapsed: Double)
  /// The epoch ended; `logs` hold its results including validation; `elapsed` in seconds.
  func epochEnded(epoch: Int, logs: [(String, Double)], elapsed: Double)
  /// Polled after every batch: true stops training at the end of that batch (weights and the
  /// history so far are kept; `History.stopped` records where).
  var shouldStop: Bool { get }
  /// Polled once training has stopped: true skips the rest of the work of the stopped epoch
  /// (its validation pass), for a second Ctrl-C.
  var shouldAbort: Bool { get }
}

extension TrainingObserver {
  public func epochBegan(epoch: Int, of total: Int) {}
  public func batchEnded(batch: Int, of total: Int, logs: [(String, Double)], elapsed: Double) {}
  public func epochEnded(epoch: Int, logs: [(String, Double)], elapsed: Double) {}
  public var shouldStop: Bool { false }
  public var shouldAbort: Bool { false }
}
