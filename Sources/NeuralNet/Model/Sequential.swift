import Autograd

/// A linear stack of layers with Keras' `Sequential` semantics: declare it layer by layer
/// (each layer is built immediately, so its output shape is known), then `compile`, `fit`,
/// `evaluate`, `predict`, `summary`.
public final class Sequential {
  /// The model's name (Keras default `"sequential"`).
  public var name: String
  /// The layers in order (an `InputLayer` is not listed, as in Keras 3).
  public private(set) var layers: [Layer] = []
  /// The declared input layer, if the input shape came from one.
  public private(set) var inputLayer: InputLayer?
  /// The per-sample input shape (no batch axis); nil until declared.
  public private(set) var inputShape: [Int]?
  /// Input shape of each layer, parallel to `layers`.
  public private(set) var layerInputShapes: [[Int]] = []
  /// Output shape of each layer, parallel to `layers`.
  public private(set) var layerOutputShapes: [[Int]] = []
  /// Every epoch of every `fit` call so far, appended in order (unlike Keras, whose
  /// `model.history` holds only the last fit); `stopped` is the last fit's.
  public internal(set) var history = History()

  /// The compiled loss, nil before `compile`.
  public internal(set) var loss: Loss?
  /// The compiled optimizer, nil before `compile`.
  public internal(set) var optimizer: Optimizer?
  /// Whether `compile` has been called.
  public var isCompiled: Bool { loss != nil && optimizer != nil }
  /// The compiled metrics, in compile order.
  public internal(set) var metrics: [Metric] = []

  /// The resolved loss/metric plan for `trainOnBatch` (reset by `add` and `compile`).
  var cachedPlan: Plan?
  /// The metric accumulator of `trainOnBatch`.
  var batchEvaluator: MetricEvaluator?

  /// An empty model, optionally with its per-sample input shape.
  public init(name: String = "sequential", inputShape: [Int]? = nil) {
    self.name = name
    self.inputShape = inputShape
  }

  /// The per-sample output shape (the input shape when there are no layers yet).
  public var outputShape: [Int]? { layerOutputShapes.last ?? inputShape }

  /// Adds `layer` on top, builds it right away on the current output shape (drawing its
  /// weights from `rng`) and returns its output shape. An unnamed layer gets Keras' automatic
  /// name (`dense`, `dense_1`, … per type). An `InputLayer` must come first and sets the input
  /// shape. Throws `ShapeError` when the layer cannot take the current shape, `ModelError` for
  /// a duplicate name or a missing input shape; the model is unchanged on error.
  @discardableResult
  public func add(_ layer: Layer, rng: inout SeededRandom) throws -> [Int] {
    cachedPlan = nil
    batchEvaluator = nil
    let stem = snakeCase(layer.typeName)
    let userName = layer.name
    let taken = Set(layers.map(\.name) + (inputLayer.map { [$0.name] } ?? []))
    if !userName.isEmpty {
      guard !taken.contains(userName) else {
        throw ModelError("the model already has a layer named '\(userName)'; "
                         + "layer names must be unique")
      }
    }
    let newName = userName.isEmpty ? Sequential.autoName(stem, taken: taken) : userName
    layer.name = newName
    if let input = layer as? InputLayer {
      guard layers.isEmpty, inputShape == nil else {
        layer.name = userName
        throw ModelError(layers.isEmpty
          ? "the model already has the input shape \(inputShape!.kerasBatchShape)"
          : "the input shape must be declared before the first layer")
      }
      do {
        let s = try input.build(inputShape: input.shape, rng: &rng)
        inputLayer = input
        inputShape = s
        return s
      } catch { layer.name = userName; throw error }
    }
    guard let current = outputShape else {
      layer.name = userName
      throw ModelError("\(newName) needs to know its input shape: declare the model's input "
                       + "(an InputLayer) before the first layer")
    }
    do {
      let out = try layer.build(inputShape: current, rng: &rng)
      layers.append(layer)
      layerInputShapes.append(current)
      layerOutputShapes.append(out)
      return out
    } catch {
      layer.name = userName
      throw error
    }
  }

  /// `stem`, then `stem_1`, `stem_2`, … : the first not in `taken`.
  static func autoName(_ stem: String, taken: Set<String>) -> String {
    if !taken.contains(stem) { return stem }
    var i = 1
    while taken.contains("\(stem)_\(i)") { i += 1 }
    return "\(stem)_\(i)"
  }

  /// The layer called `name`, or nil.
  public func layer(named name: String) -> Layer? { layers.first { $0.name == name } }

  /// Every parameter with its layer's name, in layer order.
  public var parameters: [(layer: String, parameter: Parameter)] {
    layers.flatMap { l in l.parameters.map { (l.name, $0) } }
  }

  /// The trainable parameters, in layer order.
  public var trainableParameters: [Parameter] {
    layers.flatMap { $0.parameters.filter(\.trainable) }
  }

  /// The parameter `name` (`"weights"`, `"bias"`, …) of layer `layer`, or nil.
  public func parameter(layer: String, name: String) -> Parameter? {
    self.layer(named: layer)?.parameters.first { $0.name == name }
  }

  /// Replaces the value of parameter `name` of layer `layer`. Throws a `ModelError` for an
  /// unknown layer or parameter and a `ShapeError` when `value`'s shape differs.
  public func setParameter(layer: String, name: String, value: Tensor) throws {
    guard let l = self.layer(named: layer) else {
      throw ModelError("the model has no layer '\(layer)'; its layers are: "
                       + layers.map(\.name).joined(separator: ", "))
    }
    guard let p = l.parameters.first(where: { $0.name == name }) else {
      let names = l.parameters.map(\.name)
      throw ModelError("\(layer) has no parameter '\(name)'"
                       + (names.isEmpty ? " (it has no parameters)"
                          : "; its parameters are: " + names.joined(separator: ", ")))
    }
    guard p.variable.shape == value.shape else {
      throw ShapeError("\(layer).\(name) has shape \(p.variable.shape.kerasShape) but the new "
                       + "value has shape \(value.shape.kerasShape)")
    }
    p.variable.value = value
  }

  /// The model's layer table and parameter counts, as Keras' `model.summary()`.
  public func summary() -> ModelSummary {
    var rows: [ModelSummary.Row] = []
    for (i, l) in layers.enumerated() {
      let ps = l.parameters
      let total = ps.reduce(0) { $0 + $1.variable.value.count }
      let trainable = ps.filter(\.trainable).reduce(0) { $0 + $1.variable.value.count }
      rows.append(.init(name: l.name, typeName: l.typeName, outputShape: layerOutputShapes[i],
                        params: total, trainableParams: trainable,
                        flops: l.flops(inputShape: layerInputShapes[i]), config: l.config))
    }
    return ModelSummary(modelName: name, inputShape: inputShape, rows: rows)
  }
}

/// What `Sequential.summary()` reports; the language formats it Keras-style.
public struct ModelSummary: Sendable {
  /// One layer.
  public struct Row: Sendable {
    /// The layer's name.
    public let name: String
    /// The Keras class name (`"Dense"`, …).
    public let typeName: String
    /// Per-sample output shape (print with `kerasBatchShape`).
    public let outputShape: [Int]
    /// Number of weights.
    public let params: Int
    /// Number of trainable weights.
    public let trainableParams: Int
    /// Forward FLOPs per sample (2 per multiply-add).
    public let flops: Int
    /// The layer's settings.
    public let config: [String: String]
  }

  /// The model's name.
  public let modelName: String
  /// The per-sample input shape, if declared.
  public let inputShape: [Int]?
  /// The layers, in order.
  public let rows: [Row]

  /// Bytes per parameter (float32).
  public static let bytesPerParameter = 4

  /// All weights.
  public var totalParams: Int { rows.reduce(0) { $0 + $1.params } }
  /// Weights updated by training.
  public var trainableParams: Int { rows.reduce(0) { $0 + $1.trainableParams } }
  /// Frozen weights.
  public var nonTrainableParams: Int { totalParams - trainableParams }
  /// Memory of all weights.
  public var totalBytes: Int { totalParams * ModelSummary.bytesPerParameter }
  /// Memory of the trainable weights.
  public var trainableBytes: Int { trainableParams * ModelSummary.bytesPerParameter }
  /// Memory of the frozen weights.
  public var nonTrainableBytes: Int { nonTrainableParams * ModelSummary.bytesPerParameter }
  /// Forward FLOPs per sample of the whole model.
  public var totalFlops: Int { rows.reduce(0) { $0 + $1.flops } }
}
