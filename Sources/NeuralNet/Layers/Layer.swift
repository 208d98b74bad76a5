import Autograd

/// One weight tensor of a layer.
public struct Parameter {
  /// The weight's name within its layer: `"weights"`, `"bias"`, `"moving_mean"`, ….
  public let name: String
  /// The weight itself (its `value` is updated in place by optimizers).
  public let variable: Variable
  /// Whether optimizers update it. Non-trainable parameters (batch-norm moving statistics)
  /// are still saved, restored and counted in summaries.
  public let trainable: Bool
  /// The path users see, `layer.parameter` (`dense_1.weights`), set by the model; optimizer
  /// state, model files and checkpoints are keyed by it.
  public internal(set) var path: String = ""

  /// A parameter.
  public init(name: String, variable: Variable, trainable: Bool = true) {
    self.name = name
    self.variable = variable
    self.trainable = trainable
  }

  /// This parameter with its path set.
  func at(_ path: String) -> Parameter {
    var p = self
    p.path = path
    return p
  }
}

/// What a layer will allocate for a given input, known before anything is allocated.
public struct ParameterSpec: Sendable, Equatable {
  /// The parameter's name within its layer.
  public let name: String
  /// Its shape.
  public let shape: [Int]
  /// Whether optimizers update it.
  public let trainable: Bool

  /// A parameter description.
  public init(name: String, shape: [Int], trainable: Bool = true) {
    self.name = name
    self.shape = shape
    self.trainable = trainable
  }

  /// Number of weights (the shape was overflow-checked when the spec was made).
  public var count: Int { shape.reduce(1, *) }
}

/// Named intermediate values a forward pass may record on request ("taps"): a conv layer's
/// feature maps, an LSTM's gates, attention weights. A forward pass with no recorder records
/// nothing and costs nothing.
public final class TapRecorder {
  /// The layers whose taps are wanted (nil: every layer).
  public let layers: Set<String>?
  /// Recorded values in the order they were recorded: (layer, tap name, value).
  public private(set) var values: [(layer: String, name: String, value: Tensor)] = []

  /// A recorder for `layers` (nil: all).
  public init(layers: Set<String>? = nil) { self.layers = layers }

  /// Whether `layer`'s taps are wanted.
  public func wants(_ layer: String) -> Bool { layers?.contains(layer) ?? true }

  /// Records a value.
  public func record(layer: String, name: String, _ value: Tensor) {
    if wants(layer) { values.append((layer, name, value)) }
  }

  /// The value `name` recorded by `layer`, last one wins.
  public func value(layer: String, name: String) -> Tensor? {
    values.last { $0.layer == layer && $0.name == name }?.value
  }
}

/// What a layer's forward pass may use besides its inputs.
public struct ForwardContext {
  /// Training mode: dropout on, batch-norm batch statistics.
  public var training: Bool
  /// The seeded generator for any randomness (dropout masks).
  public var rng: SeededRandom
  /// The mask of the tensor flowing through the model: (N, T), 1 for a real time step, 0 for
  /// padding; nil when there is none. A layer that makes one sets it in its forward (an
  /// `Embedding` with `maskZero`); a layer that keeps the time axis leaves it as it is; a layer
  /// that removes the time axis (flatten, a pooling or last-step reduction over time, a
  /// recurrent layer returning only its final state) consumes it and sets it to nil. The
  /// model carries it from layer to layer and weighs the loss and metrics of a sequence
  /// output (N, T, …) by it.
  public var mask: Tensor?
  /// Where taps are recorded; nil records nothing.
  public var taps: TapRecorder?

  /// A context.
  public init(training: Bool, rng: SeededRandom, mask: Tensor? = nil, taps: TapRecorder? = nil) {
    self.training = training
    self.rng = rng
    self.mask = mask
    self.taps = taps
  }

  /// Records `value` under `layer`/`name` when a recorder wants it (no cost otherwise).
  @inline(__always)
  public func tap(_ layer: String, _ name: String, _ value: @autoclosure () -> Tensor) {
    if let taps, taps.wants(layer) { taps.record(layer: layer, name: name, value()) }
  }
}

/// A building block of a `Model`, with Keras semantics.
///
/// A layer takes one or more tensors and returns one or more. Shapes exclude the batch axis.
/// The life of a layer: `outputShapes` and `parameterSpecs` are pure (they allocate nothing, so
/// a script can be checked and a REPL line echoed without building anything); `build`
/// allocates and initialises the weights once; `forward` runs it.
public protocol Layer: AnyObject {
  /// The layer's name, unique within its model.
  var name: String { get set }
  /// The Keras class name shown in summaries: `"Dense"`, `"Dropout"`, `"Activation"`, ….
  var typeName: String { get }
  /// The output shapes for inputs of `inputs` shapes; throws `ShapeError` when the layer
  /// cannot take them. Pure: allocates nothing.
  func outputShapes(_ inputs: [[Int]]) throws -> [[Int]]
  /// The parameters `build` will create for those inputs, in order. Pure.
  func parameterSpecs(_ inputs: [[Int]]) throws -> [ParameterSpec]
  /// Allocates and draws the weights from `rng` (in `parameterSpecs` order).
  func build(_ inputs: [[Int]], rng: inout SeededRandom) throws
  /// Whether `build` has run.
  var isBuilt: Bool { get }
  /// The layer's weights, in Keras order; empty before `build`.
  var parameters: [Parameter] { get }
  /// The layer applied to a batch.
  func forward(_ inputs: [Variable], _ context: inout ForwardContext) -> [Variable]
  /// The activation applied last by `forward` (`.linear` when none). A model's output head
  /// uses it to fuse softmax / sigmoid with the matching cross-entropy.
  var activation: Activation { get }
  /// `forward` without its final `activation` (the logits, for fused losses).
  func forwardLogits(_ inputs: [Variable], _ context: inout ForwardContext) -> [Variable]
  /// `forward` on a single input with a single output (a chain's fast path: no arrays).
  func forwardSingle(_ x: Variable, _ context: inout ForwardContext) -> Variable
  /// `forwardLogits` on a single input with a single output.
  func forwardLogitsSingle(_ x: Variable, _ context: inout ForwardContext) -> Variable
  /// The weight penalty, as an op on the tape (Keras: l1·Σ|w| + l2·Σw²), or nil for none.
  func penalty() -> Variable?
  /// Whether the layer has a weight penalty.
  var isRegularized: Bool { get }
  /// Floating-point operations of one forward pass for one sample (2 per multiply-add).
  func flops(_ inputs: [[Int]]) -> Int
  /// The layer's settings for summaries and help.
  var config: [String: String] { get }
  /// Checks the values of a batch `x` (N, per-sample shape…) that this layer reads straight
  /// from a model input, before any op runs: the model calls it for fit, evaluate, predict,
  /// train-on-batch and layer outputs. Throws a user-facing error that names the sample and
  /// position (an `Embedding` refuses a token id outside its vocabulary). The default accepts
  /// every value.
  func checkInputValues(_ x: Tensor) throws
}

extension Layer {
  public var activation: Activation { .linear }
  public func forwardSingle(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    forward([x], &context)[0]
  }
  public func forwardLogitsSingle(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    forwardLogits([x], &context)[0]
  }
  public func forwardLogits(_ inputs: [Variable], _ context: inout ForwardContext) -> [Variable] {
    forward(inputs, &context)
  }
  public func penalty() -> Variable? { nil }
  public var isRegularized: Bool { false }
  public func flops(_ inputs: [[Int]]) -> Int { 0 }
  public func checkInputValues(_ x: Tensor) throws {}
  public func parameterSpecs(_ inputs: [[Int]]) throws -> [ParameterSpec] { [] }
  public var isBuilt: Bool { true }
  public func build(_ inputs: [[Int]], rng: inout SeededRandom) throws {}
  public var parameters: [Parameter] { [] }
  /// Total number of weights.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.variable.value.count } }
}

/// A layer with one input and one output: most layers. Implement the single-tensor methods;
/// the multi-tensor contract follows.
public protocol UnaryLayer: Layer {
  /// The output shape for an input of shape `input`. Pure.
  func outputShape(_ input: [Int]) throws -> [Int]
  /// The parameters `build` creates for that input. Pure.
  func parameterSpecs(input: [Int]) throws -> [ParameterSpec]
  /// Allocates the weights.
  func build(input: [Int], rng: inout SeededRandom) throws
  /// The layer on one batch.
  func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable
  /// `forward` without the final activation.
  func forwardLogits(_ x: Variable, _ context: inout ForwardContext) -> Variable
  /// FLOPs per sample.
  func flops(input: [Int]) -> Int
}

extension UnaryLayer {
  public func parameterSpecs(input: [Int]) throws -> [ParameterSpec] { [] }
  public func build(input: [Int], rng: inout SeededRandom) throws {}
  public func forwardLogits(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    forward(x, &context)
  }
  public func flops(input: [Int]) -> Int { 0 }

  public func outputShapes(_ inputs: [[Int]]) throws -> [[Int]] {
    [try outputShape(try single(inputs))]
  }
  public func parameterSpecs(_ inputs: [[Int]]) throws -> [ParameterSpec] {
    try parameterSpecs(input: try single(inputs))
  }
  public func build(_ inputs: [[Int]], rng: inout SeededRandom) throws {
    try build(input: try single(inputs), rng: &rng)
  }
  public func forward(_ inputs: [Variable], _ context: inout ForwardContext) -> [Variable] {
    [forward(inputs[0], &context)]
  }
  public func forwardLogits(_ inputs: [Variable], _ context: inout ForwardContext) -> [Variable] {
    [forwardLogits(inputs[0], &context)]
  }
  public func flops(_ inputs: [[Int]]) -> Int { inputs.count == 1 ? flops(input: inputs[0]) : 0 }
  public func forwardSingle(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    forward(x, &context)
  }
  public func forwardLogitsSingle(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    forwardLogits(x, &context)
  }

  private func single(_ inputs: [[Int]]) throws -> [Int] {
    guard inputs.count == 1 else {
      throw ShapeError("\(name) takes one input but is given \(inputs.count)")
    }
    return inputs[0]
  }
}

/// The Keras auto-name stem of a layer type (Keras' `to_snake_case`): `"Dense"` → `"dense"`,
/// `"InputLayer"` → `"input_layer"`, `"Conv2D"` → `"conv2d"`, `"MaxPooling2D"` →
/// `"max_pooling2d"`. An underscore goes before a capital that follows a lower-case letter or
/// that starts a capitalised word.
func snakeCase(_ s: String) -> String {
  let chars = Array(s)
  var out = ""
  for (i, ch) in chars.enumerated() {
    if ch.isUppercase {
      let afterLower = i > 0 && chars[i - 1].isLowercase
      let startsWord = i > 0 && i + 1 < chars.count && chars[i + 1].isLowercase
      if afterLower || startsWord { out.append("_") }
      out.append(contentsOf: ch.lowercased())
    } else { out.append(ch) }
  }
  return out
}

/// l1·Σ|W| + l2·ΣW² on the tape (Keras' `kernel_regularizer`), so its gradient flows with the
/// loss's; nil when both factors are 0. Every layer with a kernel calls this.
func weightPenalty(_ w: Variable, l1: Float, l2: Float) -> Variable? {
  var p: Variable?
  if l1 != 0 { p = w.abs().sum() * l1 }
  if l2 != 0 {
    let q = (w * w).sum() * l2
    p = p.map { $0 + q } ?? q
  }
  return p
}
