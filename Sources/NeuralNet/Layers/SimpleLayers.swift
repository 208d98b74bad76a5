import Autograd

/// Randomly zeroes a fraction `rate` of its inputs during training and scales the rest by
/// 1 / (1 − rate) (inverted dropout, as `keras.layers.Dropout`); the identity at inference.
public final class Dropout: UnaryLayer {
  public var name: String
  public var typeName: String { "Dropout" }
  /// Fraction of inputs dropped, in [0, 1).
  public let rate: Float

  /// A dropout layer; `name` empty means auto-named by the model.
  public init(rate: Float, name: String = "") {
    self.rate = rate
    self.name = name
  }

  public func outputShape(_ input: [Int]) throws -> [Int] {
    guard rate >= 0 && rate < 1 else {
      throw ModelError("\(name): the dropout rate must be in [0, 1) but is \(rate)")
    }
    return input
  }

  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    dropout(x, rate: rate, training: context.training, rng: &context.rng)
  }

  public var config: [String: String] { ["rate": String(rate)] }
}

/// Applies an activation function (as `keras.layers.Activation`).
public final class ActivationLayer: UnaryLayer {
  public var name: String
  public var typeName: String { "Activation" }
  /// The function applied.
  public let activation: Activation

  /// An activation layer; `name` empty means auto-named by the model.
  public init(_ activation: Activation, name: String = "") {
    self.activation = activation
    self.name = name
  }

  public func outputShape(_ input: [Int]) throws -> [Int] { input }

  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    activation.apply(x)
  }

  public func forwardLogits(_ x: Variable, _ context: inout ForwardContext) -> Variable { x }

  public var config: [String: String] { ["activation": activation.name] }
}

/// Declares a model input's per-sample shape (as `keras.Input`). Like Keras 3, it is not
/// listed among a model's layers.
public final class InputLayer: UnaryLayer {
  public var name: String
  public var typeName: String { "InputLayer" }
  /// The per-sample input shape (no batch axis).
  public let shape: [Int]

  /// An input declaration; `name` empty means auto-named by the model.
  public init(shape: [Int], name: String = "") {
    self.shape = shape
    self.name = name
  }

  /// Returns `shape` (the argument is ignored: an input layer starts the model).
  public func outputShape(_ input: [Int]) throws -> [Int] {
    guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
      throw ShapeError("\(name): an input shape needs positive sizes but is \(shape.kerasShape)")
    }
    guard checkedProduct(shape) != nil else {
      throw ShapeError("\(name): an input of shape \(shape.kerasShape) has more values than fit in memory")
    }
    return shape
  }

  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable { x }

  public var config: [String: String] { ["shape": shape.kerasShape] }
}
