import Autograd

/// A fully connected layer: `activation(x · weights + bias)`, weights (in, out), bias (out),
/// as `keras.layers.Dense`. Inputs must be flat, (N, in).
public final class Dense: Layer {
  public var name: String
  public var typeName: String { "Dense" }
  /// Output size.
  public let units: Int
  /// Applied after the affine map.
  public let activation: Activation
  /// Draws the weights (Keras default: glorot_uniform).
  public let initializer: Initializer
  /// Draws the bias (Keras default: zeros).
  public let biasInitializer: Initializer
  /// L1 penalty factor on the weights (Keras `kernel_regularizer`), 0 for none.
  public let l1: Float
  /// L2 penalty factor on the weights, 0 for none.
  public let l2: Float
  /// Whether optimizers update this layer's weights.
  public var trainable: Bool = true
  /// The weight matrix (in, units); nil before `build`.
  public private(set) var weights: Variable?
  /// The bias (units); nil before `build`.
  public private(set) var bias: Variable?

  /// A dense layer; `name` empty means auto-named by the model.
  public init(units: Int, activation: Activation = .linear,
              initializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
              l1: Float = 0, l2: Float = 0, name: String = "") {
    self.units = units
    self.activation = activation
    self.initializer = initializer
    self.biasInitializer = biasInitializer
    self.l1 = l1
    self.l2 = l2
    self.name = name
  }

  /// Draws weights (in, units) then bias (units) from `rng`; throws `ShapeError` unless the
  /// input is flat (in,).
  public func build(inputShape: [Int], rng: inout SeededRandom) throws -> [Int] {
    guard units > 0 else {
      throw ShapeError("\(name) needs at least 1 unit but was given \(units)")
    }
    guard inputShape.count == 1 else {
      throw ShapeError("\(name) expects a flat input of shape (None, N) but gets "
                       + "\(inputShape.kerasBatchShape); add `flatten` before it")
    }
    weights = Variable(initializer.make([inputShape[0], units], rng: &rng), requiresGrad: true)
    bias = Variable(biasInitializer.make([units], rng: &rng), requiresGrad: true)
    return [units]
  }

  public var parameters: [Parameter] {
    guard let w = weights, let b = bias else { return [] }
    return [Parameter(name: "weights", variable: w, trainable: trainable),
            Parameter(name: "bias", variable: b, trainable: trainable)]
  }

  public func forwardPreActivation(_ x: Variable, training: Bool,
                                   rng: inout SeededRandom) -> Variable {
    guard let w = weights, let b = bias else { preconditionFailure("\(name) is not built") }
    return matmul(x, w) + b
  }

  public func forward(_ x: Variable, training: Bool, rng: inout SeededRandom) -> Variable {
    activation.apply(forwardPreActivation(x, training: training, rng: &rng))
  }

  public func flops(inputShape: [Int]) -> Int { 2 * inputShape.reduce(1, *) * units }

  public var config: [String: String] {
    var c = ["units": String(units), "activation": activation.name,
             "initializer": initializer.name, "bias_initializer": biasInitializer.name]
    if l1 != 0 { c["l1"] = String(l1) }
    if l2 != 0 { c["l2"] = String(l2) }
    return c
  }

  public var isRegularized: Bool { l1 != 0 || l2 != 0 }

  public var regularizationLoss: Float {
    guard let w = weights, l1 != 0 || l2 != 0 else { return 0 }
    var s1: Float = 0, s2: Float = 0
    w.value.data.withUnsafeBufferPointer { p in
      for v in p { s1 += Swift.abs(v); s2 += v * v }
    }
    return l1 * s1 + l2 * s2
  }

  public func addRegularizationGradients() {
    guard let w = weights, l1 != 0 || l2 != 0, trainable else { return }
    var g = w.grad ?? Tensor.zeros(w.shape)
    w.grad = nil
    let a = l1, b = 2 * l2
    g.data.withUnsafeMutableBufferPointer { gp in
      w.value.data.withUnsafeBufferPointer { wp in
        for i in 0..<gp.count {
          let v = wp[i]
          gp[i] += b * v + (v > 0 ? a : v < 0 ? -a : 0)
        }
      }
    }
    w.grad = g
  }
}
