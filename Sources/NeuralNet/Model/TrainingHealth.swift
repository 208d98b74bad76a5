import Autograd

/// When a layer's gradient counts as vanishing or exploding.
public struct HealthThresholds: Sendable, Equatable {
  /// A layer whose mean gradient norm over an epoch is below this vanishes (1e-6).
  public var vanishing: Double
  /// A layer whose mean gradient norm over an epoch is above this (or is not finite)
  /// explodes (1e3: a step of lr·‖g‖ then moves the weights by far more than their scale).
  public var exploding: Double

  /// The thresholds `fit … health=true` uses.
  public init(vanishing: Double = 1e-6, exploding: Double = 1e3) {
    self.vanishing = vanishing
    self.exploding = exploding
  }
}

/// One epoch of training health: each layer's gradient norm, the dead ReLU units, and what
/// vanished or exploded.
public struct EpochHealth: Sendable, Equatable {
  /// A layer's dead ReLU units: those whose output is 0 for every probe sample (and every
  /// position of a feature map).
  public struct DeadUnits: Sendable, Equatable {
    public var layer: String
    public var dead: Int
    public var units: Int
  }

  /// The epoch, 1-based over the model's whole history.
  public var epoch: Int
  /// Per layer with trainable weights, in layer order: ‖∂loss/∂W‖₂ over all the layer's
  /// trainable parameters together, averaged over the epoch's batches.
  public var norms: [(layer: String, norm: Double)]
  /// The layers with a ReLU activation.
  public var dead: [DeadUnits]
  /// The layers whose norm is below `HealthThresholds.vanishing`, in layer order.
  public var vanishing: [String]
  /// The layers whose norm is above `HealthThresholds.exploding` or not finite.
  public var exploding: [String]

  /// Dead units over all ReLU layers and their units, or nil without ReLU layers.
  public var deadShare: (dead: Int, units: Int)? {
    dead.isEmpty ? nil : (dead.reduce(0) { $0 + $1.dead }, dead.reduce(0) { $0 + $1.units })
  }

  public static func == (a: EpochHealth, b: EpochHealth) -> Bool {
    a.epoch == b.epoch && a.dead == b.dead && a.vanishing == b.vanishing && a.exploding == b.exploding
      && a.norms.map(\.layer) == b.norms.map(\.layer) && a.norms.map(\.norm) == b.norms.map(\.norm)
  }
}

/// A callback that measures training health every epoch (`fit … health=true`): in
/// `gradientsReady` (after clipping, so the gradients the optimizer applies) it adds up each
/// layer's gradient norm; at the epoch's end it runs the probe samples through the model in
/// inference mode to count the ReLU units that never fire, and hands an `EpochHealth` to
/// `report`. It changes nothing in training.
public final class HealthMonitor: Callback {
  public let thresholds: HealthThresholds
  /// The samples the dead-unit count runs on (at most `probeLimit` rows of the data).
  public let probe: Tensor?
  /// The epochs measured so far, in order.
  public private(set) var epochs: [EpochHealth] = []
  private let report: (EpochHealth) -> Void
  private var layerOrder: [String] = []
  private var normSums: [String: Double] = [:]
  private var batches = 0

  /// Most probe samples.
  public static let probeLimit = 256

  /// A monitor; `data` (N, input…) gives the probe (its first `probeLimit` samples).
  public init(data: Tensor?, thresholds: HealthThresholds = HealthThresholds(),
              report: @escaping (EpochHealth) -> Void = { _ in }) {
    self.thresholds = thresholds
    if let data, data.rank >= 1, data.shape[0] > 0 {
      probe = Model.rows(data, 0..<Swift.min(data.shape[0], HealthMonitor.probeLimit))
    } else {
      probe = nil
    }
    self.report = report
  }

  public func epochBegan(_ c: TrainingContext) {
    normSums = [:]
    batches = 0
  }

  public func gradientsReady(_ c: TrainingContext) {
    var squares: [String: Double] = [:]
    for p in c.parameters {
      guard let g = p.variable.grad else { continue }
      let layer = HealthMonitor.layerName(p)
      if squares[layer] == nil && !layerOrder.contains(layer) { layerOrder.append(layer) }
      squares[layer, default: 0] += HealthMonitor.sumOfSquares(g)
    }
    for (layer, s) in squares { normSums[layer, default: 0] += s.squareRoot() }
    batches += 1
  }

  public func epochEnded(_ c: TrainingContext) {
    guard batches > 0 else { return }
    let norms = layerOrder.compactMap { l in normSums[l].map { (layer: l, norm: $0 / Double(batches)) } }
    let health = EpochHealth(
      epoch: c.model.history.epochs, norms: norms, dead: deadUnits(c.model),
      vanishing: norms.filter { $0.norm < thresholds.vanishing }.map(\.layer),
      exploding: norms.filter { !$0.norm.isFinite || $0.norm > thresholds.exploding }.map(\.layer))
    epochs.append(health)
    report(health)
  }

  /// The layer of a parameter: its path up to the last dot (`dense_1.weights` → `dense_1`).
  static func layerName(_ p: Parameter) -> String {
    guard let dot = p.path.lastIndex(of: ".") else { return p.path.isEmpty ? p.name : p.path }
    return String(p.path[..<dot])
  }

  /// Σ x² in double precision.
  static func sumOfSquares(_ t: Tensor) -> Double {
    t.data.withUnsafeBufferPointer { b in
      var s = 0.0
      for x in b { s += Double(x) * Double(x) }
      return s
    }
  }

  /// The ReLU layers' units that output 0 for every probe sample.
  func deadUnits(_ model: Model) -> [EpochHealth.DeadUnits] {
    let relu = model.layers.filter(HealthMonitor.isReLU).map(\.name)
    guard let probe, !relu.isEmpty else { return [] }
    let recorder = model.taps(probe, layers: Set(relu))
    return relu.compactMap { name in
      guard let out = recorder.value(layer: name, name: "output"), out.rank >= 2 else { return nil }
      let units = out.shape[out.rank - 1]
      guard units > 0 else { return nil }
      var fired = [Bool](repeating: false, count: units)
      out.data.withUnsafeBufferPointer { b in
        for i in 0..<b.count where b[i] > 0 { fired[i % units] = true }
      }
      return EpochHealth.DeadUnits(layer: name, dead: fired.filter { !$0 }.count, units: units)
    }
  }

  /// Whether a layer ends in a ReLU (a dense or conv layer with `relu`, or a `relu` layer).
  static func isReLU(_ layer: Layer) -> Bool {
    switch layer {
    case let d as Dense: return d.activation == .relu
    case let c as Conv2D: return c.activation == .relu
    case let a as ActivationLayer: return a.activation == .relu
    default: return false
    }
  }
}
