import Autograd

/// One weight tensor of a layer.
public struct Parameter {
  /// The weight's name within its layer: `"weights"`, `"bias"`, ….
  public let name: String
  /// The weight itself (its `value` is updated in place by optimizers).
  public let variable: Variable
  /// Whether optimizers update it (counted as trainable in summaries).
  public let trainable: Bool

  /// A parameter.
  public init(name: String, variable: Variable, trainable: Bool = true) {
    self.name = name
    self.variable = variable
    self.trainable = trainable
  }
}

/// A building block of a `Sequential` model, with Keras semantics.
///
/// Shapes exclude the batch axis throughout. A layer is built once, by `Sequential.add`,
/// which passes the previous layer's output shape and the model's random generator.
public protocol Layer: AnyObject {
  /// The layer's name, unique within its model (`dense`, `dense_1`, … when left empty).
  var name: String { get set }
  /// The Keras class name shown in summaries: `"Dense"`, `"Dropout"`, `"Activation"`, ….
  var typeName: String { get }
  /// Creates the weights for inputs of `inputShape` (drawing from `rng`) and returns the
  /// output shape. Throws `ShapeError` when the layer cannot take that shape.
  func build(inputShape: [Int], rng: inout SeededRandom) throws -> [Int]
  /// The layer's weights, in Keras order (weights, then bias); empty before `build`.
  var parameters: [Parameter] { get }
  /// The layer applied to a batch `x` of shape (N, inputShape…). `training` switches
  /// dropout-like behaviour; `rng` drives any randomness.
  func forward(_ x: Variable, training: Bool, rng: inout SeededRandom) -> Variable
  /// Floating-point operations of one forward pass for one sample (2 per multiply-add).
  func flops(inputShape: [Int]) -> Int
  /// The layer's settings for summaries and help, e.g. `["units": "16", "activation": "relu"]`.
  var config: [String: String] { get }

  /// The activation applied last by `forward` (`.linear` when none). The model uses it to fuse
  /// softmax / sigmoid with the matching cross-entropy.
  var activation: Activation { get }
  /// `forward` without its final `activation` (the logits, for fused losses).
  func forwardPreActivation(_ x: Variable, training: Bool, rng: inout SeededRandom) -> Variable
  /// Whether the layer adds a weight penalty to the loss.
  var isRegularized: Bool { get }
  /// The weight-penalty term this layer adds to the loss (Keras: l1·Σ|w| + l2·Σw²).
  var regularizationLoss: Float { get }
  /// Adds the gradient of `regularizationLoss` into the weights' gradients.
  func addRegularizationGradients()
}

extension Layer {
  /// No final activation.
  public var activation: Activation { .linear }
  /// `forward` itself.
  public func forwardPreActivation(_ x: Variable, training: Bool,
                                   rng: inout SeededRandom) -> Variable {
    forward(x, training: training, rng: &rng)
  }
  /// No penalty.
  public var isRegularized: Bool { false }
  /// No penalty.
  public var regularizationLoss: Float { 0 }
  /// No penalty.
  public func addRegularizationGradients() {}
  /// No arithmetic.
  public func flops(inputShape: [Int]) -> Int { 0 }
  /// Total number of weights.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.variable.value.count } }
}

/// The Keras auto-name stem of a layer type: `"Dense"` → `"dense"`, `"InputLayer"` →
/// `"input_layer"`.
func snakeCase(_ s: String) -> String {
  var out = ""
  for (i, ch) in s.enumerated() {
    if ch.isUppercase {
      if i > 0 { out.append("_") }
      out.append(contentsOf: ch.lowercased())
    } else { out.append(ch) }
  }
  return out
}
