#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A learning-rate schedule, evaluated at the start of every epoch (epochs count from 0 over
/// every `fit` of the model, so a second `fit` or a resumed run continues the schedule).
///
///     step(lr, every=E, factor=f):     lr · f^⌊e/E⌋
///     exponential(lr, rate=r):         lr · r^e
///     cosine(lr, epochs=T, warmup=W):  lr · (e+1)/W while e < W, then
///                                      lr · ½(1 + cos(π·(e−W)/(T−W))), 0 from e = T on
///     plateau(lr, patience=P, factor=f, min_delta=1e-4):  lr, multiplied by f whenever the
///                                      monitored loss has not improved by min_delta for P epochs
///                                      (Keras' ReduceLROnPlateau, cooldown 0)
public final class LearningRateSchedule {
  /// The kinds of schedule.
  public enum Kind: Sendable, Equatable {
    case step(every: Int, factor: Double)
    case exponential(rate: Double)
    case cosine(epochs: Int, warmup: Int)
    case plateau(patience: Int, factor: Double, minDelta: Double)
  }

  /// The rate at epoch 0.
  public let initial: Double
  /// How it changes.
  public let kind: Kind
  /// Plateau state: the current rate, the best monitored value and epochs since it improved.
  public private(set) var plateauRate: Double
  public private(set) var best = Double.infinity
  public private(set) var wait = 0

  /// A schedule; throws a `ModelError` for settings out of range.
  public init(initial: Double, kind: Kind) throws {
    guard initial > 0, initial.isFinite else {
      throw ModelError("the learning rate must be above 0, not \(initial)")
    }
    switch kind {
    case .step(let every, let f):
      guard every >= 1 else { throw ModelError("step: every must be at least 1 epoch") }
      guard f > 0, f.isFinite else { throw ModelError("step: factor must be above 0") }
    case .exponential(let r):
      guard r > 0, r.isFinite else { throw ModelError("exponential: rate must be above 0") }
    case .cosine(let epochs, let warmup):
      guard epochs >= 1 else { throw ModelError("cosine: epochs must be at least 1") }
      guard warmup >= 0, warmup < epochs else {
        throw ModelError("cosine: warmup must be from 0 to epochs − 1 (\(epochs - 1))")
      }
    case .plateau(let patience, let f, let d):
      guard patience >= 0 else { throw ModelError("plateau: patience must be 0 or more") }
      guard f > 0, f < 1 else { throw ModelError("plateau: factor must be between 0 and 1") }
      guard d >= 0 else { throw ModelError("plateau: min_delta must be 0 or more") }
    }
    self.initial = initial
    self.kind = kind
    plateauRate = initial
  }

  /// The rate for epoch `e` (0-based).
  public func rate(epoch e: Int) -> Double {
    switch kind {
    case .step(let every, let f): return initial * pow(f, Double(e / every))
    case .exponential(let r): return initial * pow(r, Double(e))
    case .cosine(let epochs, let warmup):
      if e < warmup { return initial * Double(e + 1) / Double(warmup) }
      if e >= epochs { return 0 }
      return initial * 0.5 * (1 + cos(Double.pi * Double(e - warmup) / Double(epochs - warmup)))
    case .plateau: return plateauRate
    }
  }

  /// Sees an epoch's monitored value (plateau only); returns a note when the rate was reduced.
  public func observe(epoch: Int, monitored value: Double) -> String? {
    guard case .plateau(let patience, let f, let d) = kind, value.isFinite else { return nil }
    if value < best - d {
      best = value
      wait = 0
      return nil
    }
    wait += 1
    guard wait >= patience else { return nil }
    wait = 0
    plateauRate *= f
    return "Epoch \(epoch): ReduceLROnPlateau reducing learning rate to \(Float(plateauRate))."
  }

  /// The mutable state, for checkpoints.
  public var state: [Double] { [plateauRate, best, Double(wait)] }

  /// Restores `state`.
  public func restore(_ s: [Double]) {
    guard s.count == 3 else { return }
    plateauRate = s[0]
    best = s[1]
    wait = Int(s[2])
  }

  /// The schedule as the language writes it, e.g. `cosine(0.003, epochs=200)`.
  public var description: String {
    let lr = "\(initial)"
    switch kind {
    case .step(let every, let f): return "step(\(lr), every=\(every), factor=\(f))"
    case .exponential(let r): return "exponential(\(lr), rate=\(r))"
    case .cosine(let epochs, let warmup):
      return "cosine(\(lr), epochs=\(epochs)" + (warmup > 0 ? ", warmup=\(warmup))" : ")")
    case .plateau(let p, let f, _): return "plateau(\(lr), patience=\(p), factor=\(f))"
    }
  }
}

/// One setting of a learning-rate schedule.
public struct ScheduleSetting: Sendable {
  /// The argument name.
  public let name: String
  /// The default, or nil when the setting must be given.
  public let defaultValue: Double?
  /// Whether it is a whole number of epochs.
  public let isEpochs: Bool
  /// One help line.
  public let help: String
}

/// A schedule the language can create by name.
public struct ScheduleInfo: Sendable {
  public let name: String
  public let help: String
  public let example: String
  public let settings: [ScheduleSetting]
}

extension LearningRateSchedule {
  /// Every schedule, in display order: the only place their names are spelt.
  public static let table: [ScheduleInfo] = [
    ScheduleInfo(name: "step", help: "multiply the rate by FACTOR every E epochs",
                 example: "optimizer=sgd(lr=step(0.1, every=10, factor=0.5))", settings: [
                   .init(name: "every", defaultValue: nil, isEpochs: true, help: "epochs between drops"),
                   .init(name: "factor", defaultValue: 0.5, isEpochs: false, help: "multiplier at each drop"),
                 ]),
    ScheduleInfo(name: "exponential", help: "multiply the rate by RATE every epoch",
                 example: "optimizer=adam(lr=exponential(0.01, rate=0.95))", settings: [
                   .init(name: "rate", defaultValue: nil, isEpochs: false, help: "multiplier per epoch"),
                 ]),
    ScheduleInfo(name: "cosine", help: "half a cosine from the rate down to 0 over EPOCHS epochs, after an optional linear warm-up",
                 example: "optimizer=adam(lr=cosine(0.003, epochs=200, warmup=5))", settings: [
                   .init(name: "epochs", defaultValue: nil, isEpochs: true, help: "epochs until the rate reaches 0"),
                   .init(name: "warmup", defaultValue: 0, isEpochs: true, help: "epochs of linear warm-up first"),
                 ]),
    ScheduleInfo(name: "plateau", help: "multiply the rate by FACTOR when val_loss (loss without validation) stops improving",
                 example: "optimizer=adam(lr=plateau(0.01, patience=3, factor=0.5))", settings: [
                   .init(name: "patience", defaultValue: 10, isEpochs: true, help: "epochs without improvement before a drop"),
                   .init(name: "factor", defaultValue: 0.1, isEpochs: false, help: "multiplier at each drop, in (0, 1)"),
                   .init(name: "min_delta", defaultValue: 1e-4, isEpochs: false, help: "smallest change that counts as an improvement"),
                 ]),
  ]

  /// The schedule `name` starting at `lr` with `settings` (missing ones take their defaults);
  /// throws a `ModelError` for an unknown name or setting, a missing one or a bad value.
  public static func make(_ name: String, lr: Double, settings: [String: Double]) throws -> LearningRateSchedule {
    guard let info = table.first(where: { $0.name == name }) else {
      throw ModelError("unknown schedule '\(name)'; schedules: " + table.map(\.name).joined(separator: ", "))
    }
    var v: [String: Double] = [:]
    for s in info.settings {
      guard let x = settings[s.name] ?? s.defaultValue else {
        throw ModelError("\(name) needs \(s.name)=…: \(s.help)")
      }
      if s.isEpochs && (x != x.rounded() || x < 0 || x > 1e9) {
        throw ModelError("\(name): \(s.name) must be a whole number of epochs, not \(x)")
      }
      v[s.name] = x
    }
    for k in settings.keys where !info.settings.contains(where: { $0.name == k }) {
      throw ModelError("\(name) has no setting '\(k)'; its settings: " + info.settings.map(\.name).joined(separator: ", "))
    }
    func i(_ k: String) -> Int { Int(v[k] ?? 0) }
    switch name {
    case "step": return try LearningRateSchedule(initial: lr, kind: .step(every: i("every"), factor: v["factor"] ?? 0.5))
    case "exponential": return try LearningRateSchedule(initial: lr, kind: .exponential(rate: v["rate"] ?? 1))
    case "cosine": return try LearningRateSchedule(initial: lr, kind: .cosine(epochs: i("epochs"), warmup: i("warmup")))
    default:
      return try LearningRateSchedule(initial: lr, kind: .plateau(patience: i("patience"), factor: v["factor"] ?? 0.1,
                                                                 minDelta: v["min_delta"] ?? 1e-4))
    }
  }
}

extension Optimizers {
  /// The clipping settings every optimizer takes (Keras' names).
  public static let clippingSettings: [(name: String, help: String)] = [
    ("clipnorm", "clip each gradient tensor to this norm"),
    ("clipvalue", "clip each gradient element to [−v, v]"),
    ("global_clipnorm", "clip all gradients together to this norm"),
  ]
}
