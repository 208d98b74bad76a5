import Autograd

/// Batch normalisation over the last axis (features, or channels of NHWC images), as
/// `keras.layers.BatchNormalization`: in training, each feature is normalised with the batch's
/// mean and (biased) variance and the moving statistics are updated
/// (moving ← moving·momentum + batch·(1 − momentum)); at inference the moving statistics are
/// used. `gamma` and `beta` are trained; `moving_mean` and `moving_variance` are
/// non-trainable parameters, so they are counted, saved, checkpointed and restored with the
/// weights. The arithmetic and its derivatives are the `batchNorm` op's. After a masking
/// embedding, a sequence input (N, T, F) takes its batch statistics from the real time steps
/// only (Keras 3 passes the mask to BatchNormalization the same way); padded steps are
/// normalised with them and stay masked downstream.
public final class BatchNormalization: UnaryLayer {
  public var name: String
  public var typeName: String { "BatchNormalization" }
  /// Weight of the old moving value in each update (Keras default 0.99).
  public let momentum: Float
  /// Added to the variance (Keras default 1e-3).
  public let epsilon: Float
  public private(set) var gamma: Variable?
  public private(set) var beta: Variable?
  public private(set) var movingMean: Variable?
  public private(set) var movingVariance: Variable?
  private var state: BatchNormState?

  /// A batch-normalisation layer; `name` empty means auto-named by the model.
  public init(momentum: Float = 0.99, epsilon: Float = 1e-3, name: String = "") {
    self.momentum = momentum
    self.epsilon = epsilon
    self.name = name
  }

  public func outputShape(_ input: [Int]) throws -> [Int] {
    guard momentum >= 0 && momentum < 1 else {
      throw ShapeError("\(name): momentum must be in [0, 1), not \(momentum)")
    }
    guard epsilon > 0 && epsilon.isFinite else {
      throw ShapeError("\(name): epsilon must be above 0, not \(epsilon)")
    }
    guard (input.last ?? 0) > 0 else {
      throw ShapeError("\(name) needs an input with a feature axis, not \(input.kerasBatchShape)")
    }
    return input
  }

  public func parameterSpecs(input: [Int]) throws -> [ParameterSpec] {
    let f = try outputShape(input).last ?? 1
    return [ParameterSpec(name: "gamma", shape: [f]), ParameterSpec(name: "beta", shape: [f]),
            ParameterSpec(name: "moving_mean", shape: [f], trainable: false),
            ParameterSpec(name: "moving_variance", shape: [f], trainable: false)]
  }

  /// gamma 1, beta 0, moving mean 0, moving variance 1 (Keras' initialisers; no randomness).
  public func build(input: [Int], rng: inout SeededRandom) throws {
    let f = try outputShape(input).last ?? 1
    gamma = Variable(Tensor(repeating: 1, shape: [f]), requiresGrad: true)
    beta = Variable(Tensor.zeros([f]), requiresGrad: true)
    movingMean = Variable(Tensor.zeros([f]))
    movingVariance = Variable(Tensor(repeating: 1, shape: [f]))
    state = BatchNormState(features: f, momentum: momentum, epsilon: epsilon)
  }

  public var isBuilt: Bool { gamma != nil }

  public var parameters: [Parameter] {
    guard let g = gamma, let b = beta, let m = movingMean, let v = movingVariance else { return [] }
    return [Parameter(name: "gamma", variable: g), Parameter(name: "beta", variable: b),
            Parameter(name: "moving_mean", variable: m, trainable: false),
            Parameter(name: "moving_variance", variable: v, trainable: false)]
  }

  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    guard let g = gamma, let b = beta, let m = movingMean, let v = movingVariance, let state else {
      preconditionFailure("\(name) is not built")
    }
    // The parameters are the source of truth (they may have been loaded or restored).
    state.runningMean = m.value
    state.runningVariance = v.value
    let y = batchNorm(x, gamma: g, beta: b, state: state, training: context.training,
                      rowWeights: BatchNormalization.rowWeights(context.mask, for: x.shape))
    if context.training {
      m.value = state.runningMean
      v.value = state.runningVariance
    }
    return y
  }

  /// The sequence mask (N, T) as one weight per (N·T) row of a (N, T, F) input; nil when
  /// there is no mask or it does not fit the input.
  static func rowWeights(_ mask: Tensor?, for shape: [Int]) -> [Float]? {
    guard let mask, shape.count == 3, mask.shape == [shape[0], shape[1]] else { return nil }
    return mask.data
  }

  public func flops(input: [Int]) -> Int { 4 * input.reduce(1, *) }

  public var config: [String: String] { ["momentum": String(momentum), "epsilon": String(epsilon)] }
}
