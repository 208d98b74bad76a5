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
  /// Set when the NaN guard stopped training: what happened, where, and which weights remain.
  public var halted: String?
  /// The best epoch (1-based, over the whole history) an early stop restored, for charts.
  public var bestEpoch: Int?

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


extension Model {
  /// Records the epoch (1-based over the whole history) whose weights an early stop restored.
  public func markBestEpoch(_ epoch: Int) { history.bestEpoch = epoch }
}
