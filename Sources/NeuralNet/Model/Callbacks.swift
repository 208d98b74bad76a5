import Autograd

/// What a callback sees while a model trains, and how it steers training.
public final class TrainingContext {
  /// The model being trained.
  public unowned let model: Model
  /// Its optimizer.
  public let optimizer: Optimizer
  /// Epochs of this `fit` (1-based `epoch` runs to `epochs`).
  public let epochs: Int
  /// The current epoch (1-based, within this fit).
  public internal(set) var epoch = 0
  /// Epochs recorded in the model's history before this one (0-based global epoch index).
  public internal(set) var globalEpoch = 0
  /// The batch just finished (1-based) and the number per epoch.
  public internal(set) var batch = 0
  public internal(set) var batches = 0
  /// After a batch: running means over the epoch so far; after an epoch: its results,
  /// validation included. Keras 3 order: training names alphabetically, then `val_` names.
  public internal(set) var logs: [(String, Double)] = []
  /// The loss of the batch just finished alone (not a running mean), penalties included.
  public internal(set) var batchLoss = 0.0
  /// Seconds since the epoch began.
  public internal(set) var elapsed = 0.0
  /// The trainable parameters (their gradients are set in `gradientsReady`).
  public internal(set) var parameters: [Parameter] = []
  /// The generator's state after the epoch (for checkpoints).
  public internal(set) var generatorState: [UInt64] = []
  /// Set in `epochEnded`: training ends after this epoch (the epoch is recorded whole).
  public var stopTraining = false
  /// Set in `batchEnded`: training ends after this batch (Ctrl-C).
  public var stopNow = false
  /// Set together with `stopNow`: the stopped epoch's validation pass is skipped too.
  public var skipValidation = false
  /// Messages for the user (`Epoch 23: early stopping`): NeuralNet never prints.
  public let note: (String) -> Void

  init(model: Model, optimizer: Optimizer, epochs: Int, note: @escaping (String) -> Void) {
    self.model = model
    self.optimizer = optimizer
    self.epochs = epochs
    self.note = note
  }

  /// The value of `name` in `logs`.
  public func log(_ name: String) -> Double? { logs.first { $0.0 == name }?.1 }
}

/// A hook into `Model.fit`, as Keras' callbacks. Every method has an empty default.
/// Order within an epoch: `epochBegan`; per batch `gradientsReady` (between backward and the
/// optimizer step: clipping, gradient statistics) then `batchEnded`; `epochEnded`; at the end
/// `trainEnded`.
public protocol Callback: AnyObject {
  func trainBegan(_ c: TrainingContext)
  func epochBegan(_ c: TrainingContext)
  func gradientsReady(_ c: TrainingContext)
  func batchEnded(_ c: TrainingContext)
  func epochEnded(_ c: TrainingContext)
  func trainEnded(_ c: TrainingContext)
}

extension Callback {
  public func trainBegan(_ c: TrainingContext) {}
  public func epochBegan(_ c: TrainingContext) {}
  public func gradientsReady(_ c: TrainingContext) {}
  public func batchEnded(_ c: TrainingContext) {}
  public func epochEnded(_ c: TrainingContext) {}
  public func trainEnded(_ c: TrainingContext) {}
}

/// A callback whose state must survive a checkpoint for a resumed run to match an
/// uninterrupted one.
public protocol StatefulCallback: Callback {
  /// A name unique among the callbacks of a fit.
  var stateKey: String { get }
  /// Numbers and tensors that make up the state.
  func saveState() -> (numbers: [Double], tensors: [(String, Tensor)])
  /// Puts back what `saveState` returned.
  func restoreState(numbers: [Double], tensors: [(String, Tensor)]) throws
}

/// Applies the optimizer's clipping settings to the gradients before each step.
final class ClipGradients: Callback {
  let clipping: GradientClipping
  init(_ clipping: GradientClipping) { self.clipping = clipping }
  func gradientsReady(_ c: TrainingContext) { clipping.apply(c.parameters) }
}

/// Sets the learning rate from the optimizer's schedule at each epoch's start; feeds the
/// monitored value to a plateau schedule; adds `lr` to the epoch's logs.
final class ScheduleLearningRate: Callback {
  let schedule: LearningRateSchedule
  let monitor: String
  init(_ schedule: LearningRateSchedule, monitor: String) {
    self.schedule = schedule
    self.monitor = monitor
  }
  func epochBegan(_ c: TrainingContext) {
    c.optimizer.learningRate = Float(schedule.rate(epoch: c.globalEpoch))
  }
  func epochEnded(_ c: TrainingContext) {
    if let v = c.log(monitor), let msg = schedule.observe(epoch: c.epoch, monitored: v) {
      c.note(msg)
    }
  }
}

/// Stops training when a monitored value stops improving, as `keras.callbacks.EarlyStopping`
/// (mode auto: accuracies, precision, recall, f1 and auc must rise, other values fall): after
/// `patience` epochs without an improvement larger than `minDelta`, from epoch `startFrom` on;
/// with `restoreBest` the weights of the best epoch are put back when training ends. Prints
/// Keras' lines.
public final class EarlyStopping: StatefulCallback {
  /// The log name watched (`val_loss`, or `loss` without validation).
  public let monitor: String
  public let patience: Int
  public let minDelta: Double
  public let restoreBest: Bool
  /// Epochs (1-based) before which nothing is monitored.
  public let startFrom: Int
  /// The best value so far and its epoch (1-based, within the fit).
  public private(set) var best = Double.infinity
  public private(set) var bestEpoch = 0
  /// The epoch at which training was stopped, 0 if it was not.
  public private(set) var stoppedEpoch = 0
  private var wait = 0
  private var bestWeights: [(String, Tensor)]?

  /// Keras' defaults except the monitor.
  public init(monitor: String = "val_loss", patience: Int = 0, minDelta: Double = 0,
              restoreBest: Bool = true, startFrom: Int = 0) {
    self.monitor = monitor
    self.patience = patience
    self.minDelta = minDelta
    self.restoreBest = restoreBest
    self.startFrom = startFrom
  }

  public var stateKey: String { "early_stopping" }

  /// Whether the monitored value improves upwards, as Keras' mode "auto" decides from the
  /// name: accuracies (`accuracy`, `val_accuracy`, `…_acc`) and the metrics that are better
  /// higher (`precision`, `recall`, `f1`, `auc`, with or without `val_`).
  public var maximizes: Bool {
    let base = monitor.hasPrefix("val_") ? String(monitor.dropFirst(4)) : monitor
    if let metric = Metric.named(base) { return metric.higherIsBetter }
    return monitor.hasSuffix("accuracy") || monitor.hasSuffix("acc")
  }

  public func epochEnded(_ c: TrainingContext) {
    guard c.epoch > startFrom, let logged = c.log(monitor) else { return }
    // Keras' mode "auto": `maximizes` values are kept negated here, everything else minimised.
    let v = maximizes ? -logged : logged
    if restoreBest && bestWeights == nil { bestWeights = c.model.weightsSnapshot(); bestEpoch = c.epoch }
    wait += 1
    if v < best - minDelta {
      best = v
      bestEpoch = c.epoch
      if restoreBest { bestWeights = c.model.weightsSnapshot() }
      wait = 0
      return
    }
    if wait >= patience && c.epoch > 1 {
      stoppedEpoch = c.epoch
      c.stopTraining = true
    }
  }

  public func trainEnded(_ c: TrainingContext) {
    if stoppedEpoch > 0 { c.note("Epoch \(stoppedEpoch): early stopping") }
    if restoreBest, let w = bestWeights {
      c.note("Restoring model weights from the end of the best epoch: \(bestEpoch).")
      try? c.model.restoreWeights(w)
    }
  }

  public func saveState() -> (numbers: [Double], tensors: [(String, Tensor)]) {
    ([best, Double(bestEpoch), Double(wait), Double(stoppedEpoch)], bestWeights ?? [])
  }

  public func restoreState(numbers: [Double], tensors: [(String, Tensor)]) throws {
    guard numbers.count == 4 else { throw ModelError("early stopping state is incomplete") }
    best = numbers[0]
    bestEpoch = Int(numbers[1])
    wait = Int(numbers[2])
    stoppedEpoch = Int(numbers[3])
    bestWeights = tensors.isEmpty ? nil : tensors
  }
}
