import Autograd

/// A fully connected layer: `activation(x · weights + bias)`, weights (in, out), bias (out),
/// as `keras.layers.Dense`. Inputs are flat, (N, in), or sequences (N, T, in): then the same
/// weights apply to every time step (Keras' Dense on a rank-3 input), (N, T, in) → (N, T,
/// units), and a mask passes through unchanged. Images must be flattened first.
///
///     forward:  z = x·W + b   (N·T, in)·(in, units) + (units) → (N·T, units);  y = act(z)
///     backward: dW = xᵀ·dz, db = Σₙ dz, dx = dz·Wᵀ   (by the matmul and add ops)
public final class Dense: UnaryLayer {
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

  /// (units) for a flat input (in,), (T, units) for a sequence (T, in); throws `ShapeError`
  /// for anything else (an image must be flattened first).
  public func outputShape(_ input: [Int]) throws -> [Int] {
    guard units > 0 else {
      throw ShapeError("\(name) needs at least 1 unit but was given \(units)")
    }
    guard input.count == 1 || input.count == 2 else {
      throw ShapeError("\(name) expects a flat input of shape (None, N) but gets "
                       + "\(input.kerasBatchShape); add `flatten` before it")
    }
    return input.count == 1 ? [units] : [input[0], units]
  }

  public func parameterSpecs(input: [Int]) throws -> [ParameterSpec] {
    _ = try outputShape(input)
    let features = input[input.count - 1]
    guard checkedProduct([features, units]) != nil else {
      throw ShapeError("\(name) would have \(features) × \(units) weights, more than fit in memory")
    }
    return [ParameterSpec(name: "weights", shape: [features, units], trainable: trainable),
            ParameterSpec(name: "bias", shape: [units], trainable: trainable)]
  }

  /// Draws weights (in, units) then bias (units) from `rng`.
  public func build(input: [Int], rng: inout SeededRandom) throws {
    let specs = try parameterSpecs(input: input)
    weights = Variable(initializer.make(specs[0].shape, rng: &rng), requiresGrad: true)
    bias = Variable(biasInitializer.make(specs[1].shape, rng: &rng), requiresGrad: true)
  }

  public var isBuilt: Bool { weights != nil }

  public var parameters: [Parameter] {
    guard let w = weights, let b = bias else { return [] }
    return [Parameter(name: "weights", variable: w, trainable: trainable),
            Parameter(name: "bias", variable: b, trainable: trainable)]
  }

  public func forwardLogits(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    guard let w = weights, let b = bias else { preconditionFailure("\(name) is not built") }
    guard x.shape.count == 3 else { return matmul(x, w, bias: b) }  // x·W + b as one op
    // A sequence: every step through the same weights, as one (N·T, in) product.
    let (n, t, f) = (x.shape[0], x.shape[1], x.shape[2])
    return matmul(x.reshaped([n * t, f]), w, bias: b).reshaped([n, t, units])
  }

  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    activation.apply(forwardLogits(x, &context))
  }

  /// 2·in·units per sample, times T for a sequence.
  public func flops(input: [Int]) -> Int { 2 * input.reduce(1, *) * units }

  public var config: [String: String] {
    var c = ["units": String(units), "activation": activation.name,
             "initializer": initializer.name, "bias_initializer": biasInitializer.name]
    if l1 != 0 { c["l1"] = String(l1) }
    if l2 != 0 { c["l2"] = String(l2) }
    return c
  }

  public var isRegularized: Bool { l1 != 0 || l2 != 0 }

  /// l1·Σ|W| + l2·ΣW² on the tape, so its gradient flows with the loss's.
  public func penalty() -> Variable? {
    guard isRegularized, let w = weights else { return nil }
    return weightPenalty(w, l1: l1, l2: l2)
  }
}
