#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd
import COptimizerKernels
import Dispatch

/// Updates parameters from their gradients, Keras-style.
///
/// `step` applies one update to every trainable parameter that has a gradient and then clears
/// all the gradients it was given. State (moments, velocities) is kept per parameter, keyed by
/// the parameter's path (`dense_1.weights`), so it can be saved and restored; updates run in
/// place on the weight buffers.
public protocol Optimizer: AnyObject {
  /// The step size (set each epoch by `schedule` when there is one).
  var learningRate: Float { get set }
  /// The Keras name: `"sgd"`, `"adam"`, `"rmsprop"`.
  var name: String { get }
  /// The settings for summaries, e.g. `["learning_rate": "0.001", "beta1": "0.9", …]`.
  var config: [(String, String)] { get }
  /// Number of `step` calls so far (Keras `optimizer.iterations`).
  var iterations: Int { get set }
  /// Gradient clipping applied before each step (Keras' clipnorm, clipvalue, global_clipnorm).
  var clipping: GradientClipping { get set }
  /// The learning-rate schedule, or nil for a constant rate.
  var schedule: LearningRateSchedule? { get set }
  /// Applies one update to `params` and clears their gradients.
  func step(_ params: [Parameter])
  /// The per-parameter state buffers, named `path/slot` (`dense_1.weights/m`).
  var slotState: [(String, Tensor)] { get }
  /// Restores buffers exported by `slotState`.
  func restoreSlots(_ state: [(String, Tensor)]) throws
}

/// One parameter's optimizer state: up to two buffers of the parameter's size.
final class OptimizerSlot {
  let variable: Variable
  var a: [Float]
  var b: [Float]
  init(_ v: Variable, buffers: Int) {
    variable = v
    a = buffers > 0 ? [Float](repeating: 0, count: v.value.count) : []
    b = buffers > 1 ? [Float](repeating: 0, count: v.value.count) : []
  }
}

/// Per-parameter state keyed by the parameter's path, with a fast path when `step` sees the
/// same parameter list as last time.
struct SlotTable {
  let buffers: Int
  /// The slot names, e.g. ["m", "v"].
  let names: [String]
  private var byPath: [String: OptimizerSlot] = [:]
  /// Restored buffers not yet claimed by a parameter.
  private var pending: [String: [[Float]]] = [:]
  private var cached: [OptimizerSlot] = []

  init(names: [String]) {
    self.names = names
    buffers = names.count
  }

  /// The slots of `params`, in order.
  mutating func slots(_ params: [Parameter]) -> [OptimizerSlot] {
    if cached.count == params.count {
      var same = true
      for i in 0..<params.count where cached[i].variable !== params[i].variable {
        same = false; break
      }
      if same { return cached }
    }
    cached = params.map { p in
      let key = p.path.isEmpty ? "\(ObjectIdentifier(p.variable).hashValue)" : p.path
      let size = buffers > 0 ? p.variable.value.count : 0
      if let s = byPath[key], s.variable === p.variable, s.a.count == size { return s }
      let s = OptimizerSlot(p.variable, buffers: buffers)
      if let saved = pending.removeValue(forKey: key), saved.allSatisfy({ $0.count == size }) {
        if buffers > 0 { s.a = saved[0] }
        if buffers > 1 { s.b = saved[1] }
      }
      byPath[key] = s
      return s
    }
    return cached
  }

  /// Every buffer as `path/name`, sorted by path.
  var state: [(String, Tensor)] {
    var out: [(String, Tensor)] = []
    for key in byPath.keys.sorted() {
      guard let s = byPath[key] else { continue }
      let shape = s.variable.shape
      if buffers > 0 { out.append((key + "/" + names[0], Tensor(shape: shape, data: s.a))) }
      if buffers > 1 { out.append((key + "/" + names[1], Tensor(shape: shape, data: s.b))) }
    }
    return out
  }

  /// Takes buffers exported by `state`; they are given to parameters of those paths.
  mutating func restore(_ state: [(String, Tensor)]) throws {
    var grouped: [String: [[Float]]] = [:]
    for (name, t) in state {
      guard let slash = name.lastIndex(of: "/"),
            let k = names.firstIndex(of: String(name[name.index(after: slash)...])) else {
        throw ModelError("optimizer state '\(name)' is not one of this optimizer's buffers")
      }
      let path = String(name[..<slash])
      var g = grouped[path] ?? Array(repeating: [], count: buffers)
      g[k] = t.data
      grouped[path] = g
    }
    byPath = [:]
    cached = []
    pending = grouped
  }
}

/// Runs `body(weights, grad)` on a trainable parameter that has a gradient, then clears it.
@inline(__always)
func update(_ p: Parameter, _ body: (UnsafeMutableBufferPointer<Float>,
                                     UnsafeBufferPointer<Float>) -> Void) {
  let v = p.variable
  guard let g = v.grad else { return }
  v.grad = nil
  guard p.trainable else { return }
  g.data.withUnsafeBufferPointer { gp in
    v.value.data.withUnsafeMutableBufferPointer { wp in body(wp, gp) }
  }
}

/// Stochastic gradient descent, with optional (Nesterov) momentum, as `keras.optimizers.SGD`:
/// velocity = momentum·velocity − lr·g; w += velocity (Nesterov: w += momentum·velocity − lr·g);
/// without momentum w −= lr·g.
public final class SGD: Optimizer {
  public var learningRate: Float
  /// Momentum factor in [0, 1); 0 is plain SGD.
  public var momentum: Float
  /// Nesterov momentum.
  public var nesterov: Bool
  public var iterations = 0
  public var clipping = GradientClipping()
  public var schedule: LearningRateSchedule?
  private var table = SlotTable(names: ["velocity"])

  /// Keras defaults: lr 0.01, no momentum.
  public init(lr: Float = 0.01, momentum: Float = 0, nesterov: Bool = false) {
    self.learningRate = lr
    self.momentum = momentum
    self.nesterov = nesterov
  }

  public var slotState: [(String, Tensor)] { table.state }
  public func restoreSlots(_ state: [(String, Tensor)]) throws { try table.restore(state) }

  public var name: String { "sgd" }
  public var config: [(String, String)] {
    [("learning_rate", String(learningRate)), ("momentum", String(momentum)),
     ("nesterov", String(nesterov))]
  }

  public func step(_ params: [Parameter]) {
    iterations += 1
    let lr = learningRate, mu = momentum
    if mu == 0 {
      for p in params { update(p) { w, g in for i in 0..<w.count { w[i] -= lr * g[i] } } }
      return
    }
    let slots = table.slots(params)
    for (k, p) in params.enumerated() {
      let s = slots[k]
      update(p) { w, g in
        s.a.withUnsafeMutableBufferPointer { m in
          let mode = FloatMode.flushingSubnormals()
          defer { mode.restore() }
          if nesterov {
            for i in 0..<w.count {
              let v = mu * m[i] - lr * g[i]
              m[i] = v
              w[i] += mu * v - lr * g[i]
            }
          } else {
            for i in 0..<w.count {
              let v = mu * m[i] - lr * g[i]
              m[i] = v
              w[i] += v
            }
          }
        }
      }
    }
  }
}

/// Adam, as `keras.optimizers.Adam`: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
/// α_t = lr·√(1−β2^t)/(1−β1^t); w −= α_t·m/(√v + ε).
public final class Adam: Optimizer {
  public var learningRate: Float
  /// Decay of the first moment.
  public var beta1: Float
  /// Decay of the second moment.
  public var beta2: Float
  /// Added to √v.
  public var epsilon: Float
  public var iterations = 0
  public var clipping = GradientClipping()
  public var schedule: LearningRateSchedule?
  private var table = SlotTable(names: ["m", "v"])

  /// Keras defaults: lr 0.001, β1 0.9, β2 0.999, ε 1e-7.
  public init(lr: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
              epsilon: Float = 1e-7) {
    self.learningRate = lr
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  public var slotState: [(String, Tensor)] { table.state }
  public func restoreSlots(_ state: [(String, Tensor)]) throws { try table.restore(state) }

  public var name: String { "adam" }
  public var config: [(String, String)] {
    [("learning_rate", String(learningRate)), ("beta1", String(beta1)),
     ("beta2", String(beta2)), ("epsilon", String(epsilon))]
  }

  public func step(_ params: [Parameter]) {
    iterations += 1
    let t = Double(iterations)
    let b1 = beta1, b2 = beta2, eps = epsilon
    let alpha = Float(Double(learningRate) * (1 - pow(Double(b2), t)).squareRoot()
                      / (1 - pow(Double(b1), t)))
    let slots = table.slots(params)
    for (k, p) in params.enumerated() {
      let s = slots[k]
      update(p) { w, g in
        s.a.withUnsafeMutableBufferPointer { m in
          s.b.withUnsafeMutableBufferPointer { v in
            guard let wp = w.baseAddress, let gp = g.baseAddress, let mp = m.baseAddress,
                  let vp = v.baseAddress else { return }
            ParallelUpdate.chunks(w.count) { lo, n in
              dl_adam_update(wp + lo, gp + lo, mp + lo, vp + lo, n, alpha, b1, b2, eps)
            }
          }
        }
      }
    }
  }
}

/// RMSprop, as `keras.optimizers.RMSprop` (no momentum, not centred):
/// v = ρ·v + (1−ρ)·g²; w −= lr·g/√(v + ε) (Keras 3 adds ε inside the square root).
public final class RMSprop: Optimizer {
  public var learningRate: Float
  /// Decay of the mean square.
  public var rho: Float
  /// Added to v under the square root.
  public var epsilon: Float
  public var iterations = 0
  public var clipping = GradientClipping()
  public var schedule: LearningRateSchedule?
  private var table = SlotTable(names: ["rms"])

  /// Keras defaults: lr 0.001, ρ 0.9, ε 1e-7.
  public init(lr: Float = 0.001, rho: Float = 0.9, epsilon: Float = 1e-7) {
    self.learningRate = lr
    self.rho = rho
    self.epsilon = epsilon
  }

  public var slotState: [(String, Tensor)] { table.state }
  public func restoreSlots(_ state: [(String, Tensor)]) throws { try table.restore(state) }

  public var name: String { "rmsprop" }
  public var config: [(String, String)] {
    [("learning_rate", String(learningRate)), ("rho", String(rho)), ("epsilon", String(epsilon))]
  }

  public func step(_ params: [Parameter]) {
    iterations += 1
    let lr = learningRate, r = rho, eps = epsilon
    let slots = table.slots(params)
    for (k, p) in params.enumerated() {
      let s = slots[k]
      update(p) { w, g in
        s.a.withUnsafeMutableBufferPointer { v in
          let mode = FloatMode.flushingSubnormals()
          defer { mode.restore() }
          for i in 0..<w.count {
            let gi = g[i]
            let vi = r * v[i] + (1 - r) * gi * gi
            v[i] = vi
            w[i] -= lr * gi / (vi + eps).squareRoot()
          }
        }
      }
    }
  }
}

/// One setting of an optimizer, for the language's argument parsing and help.
public struct OptimizerParameterInfo: Sendable {
  /// The argument name (`"lr"`, `"momentum"`, …).
  public let name: String
  /// Keras' default.
  public let defaultValue: Double
  /// Whether the setting is a flag (given as 0/1, true/false).
  public let isFlag: Bool
  /// One help line.
  public let help: String
}

/// An optimizer the language can create by name.
public struct OptimizerInfo: Sendable {
  /// The Keras name.
  public let name: String
  /// One help line.
  public let help: String
  /// Its settings, in display order.
  public let parameters: [OptimizerParameterInfo]
}

/// The optimizers by name, with their settings and Keras defaults.
public enum Optimizers {
  /// Every optimizer, in display order.
  public static let table: [OptimizerInfo] = [
    OptimizerInfo(name: "adam", help: "adaptive moments (Keras' usual default)", parameters: [
      .init(name: "lr", defaultValue: 0.001, isFlag: false, help: "learning rate"),
      .init(name: "beta1", defaultValue: 0.9, isFlag: false, help: "first-moment decay"),
      .init(name: "beta2", defaultValue: 0.999, isFlag: false, help: "second-moment decay"),
      .init(name: "eps", defaultValue: 1e-7, isFlag: false, help: "numerical stability term"),
    ]),
    OptimizerInfo(name: "sgd", help: "stochastic gradient descent, optional momentum", parameters: [
      .init(name: "lr", defaultValue: 0.01, isFlag: false, help: "learning rate"),
      .init(name: "momentum", defaultValue: 0, isFlag: false, help: "momentum factor in [0, 1)"),
      .init(name: "nesterov", defaultValue: 0, isFlag: true, help: "Nesterov momentum"),
    ]),
    OptimizerInfo(name: "rmsprop", help: "divides by a running RMS of the gradients", parameters: [
      .init(name: "lr", defaultValue: 0.001, isFlag: false, help: "learning rate"),
      .init(name: "rho", defaultValue: 0.9, isFlag: false, help: "mean-square decay"),
      .init(name: "eps", defaultValue: 1e-7, isFlag: false, help: "numerical stability term"),
    ]),
  ]

  /// Every optimizer name.
  public static var allNames: [String] { table.map(\.name) }

  /// The description of the optimizer called `name` (case-insensitive), or nil.
  public static func info(_ name: String) -> OptimizerInfo? {
    let n = name.lowercased()
    return table.first { $0.name == n }
  }

  /// Creates the optimizer `name` with `arguments` (missing ones take Keras' defaults; flags
  /// are nonzero for true; `learning_rate` and `epsilon` are accepted for `lr` and `eps`).
  /// Throws a `ModelError` naming the valid choices for an unknown name or argument.
  public static func make(_ name: String, arguments: [String: Double] = [:]) throws -> Optimizer {
    guard let info = info(name) else {
      throw ModelError("unknown optimizer '\(name)'; choose one of: "
                       + allNames.joined(separator: ", "))
    }
    var args: [String: Double] = [:]
    for (k, v) in arguments {
      let key = k == "learning_rate" ? "lr" : k == "epsilon" ? "eps" : k
      guard info.parameters.contains(where: { $0.name == key }) else {
        throw ModelError("\(info.name) has no setting '\(k)'; its settings are: "
                         + info.parameters.map(\.name).joined(separator: ", "))
      }
      args[key] = v
    }
    func f(_ key: String) -> Float {
      Float(args[key] ?? info.parameters.first { $0.name == key }!.defaultValue)
    }
    if let lr = args["lr"], !(lr > 0) || !lr.isFinite {
      throw ModelError("\(info.name): the learning rate must be positive but is \(lr)")
    }
    switch info.name {
    case "adam": return Adam(lr: f("lr"), beta1: f("beta1"), beta2: f("beta2"), epsilon: f("eps"))
    case "sgd":
      return SGD(lr: f("lr"), momentum: f("momentum"), nesterov: (args["nesterov"] ?? 0) != 0)
    default: return RMSprop(lr: f("lr"), rho: f("rho"), epsilon: f("eps"))
    }
  }
}
