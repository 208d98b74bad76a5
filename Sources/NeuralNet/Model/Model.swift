import Autograd

/// Where a tensor of a model's graph comes from: a graph input, or output `output` of node
/// `node`.
public enum TensorSource: Hashable, Sendable {
  /// The model's input number `index`.
  case input(Int)
  /// Output `output` of node `node`.
  case node(Int, output: Int)
}

/// One layer in a model's graph: the layer, the tensors it reads and the shapes it sees.
public struct Node {
  /// The layer.
  public let layer: Layer
  /// Its inputs, in order.
  public let inputs: [TensorSource]
  /// Per-sample shapes of its inputs.
  public let inputShapes: [[Int]]
  /// Per-sample shapes of its outputs.
  public let outputShapes: [[Int]]
  /// The parameters it will have (known before `build`).
  public let parameterSpecs: [ParameterSpec]
}

/// A named model input.
public struct GraphInput: Sendable {
  /// The name batches are keyed by.
  public let name: String
  /// The per-sample shape.
  public let shape: [Int]
}

/// A network: layers are nodes of a graph with named inputs and outputs, run in the order
/// they were added (which is a topological order, since a node only reads earlier tensors).
/// A `model NAME { … }` block builds a chain on it with `add`. The model owns the training
/// step (`fit`, `trainOnBatch`), `evaluate` and `predict`; its output head fuses a final
/// softmax or sigmoid with the matching cross-entropy.
///
/// Declaring (`addInput`, `addNode`, `add`) only infers shapes and parameter counts: nothing
/// is allocated until `build`, which initialises every weight once, in node order.
public final class Model {
  /// The model's name.
  public var name: String
  /// The inputs, in order.
  public private(set) var inputs: [GraphInput] = [] { didSet { isChain = computeIsChain() } }
  /// The nodes, in run order.
  public private(set) var nodes: [Node] = [] { didSet { isChain = computeIsChain() } }
  /// The model's outputs (a chain's output is its last node's).
  public private(set) var outputs: [TensorSource] = [] { didSet { isChain = computeIsChain() } }
  /// Whether the graph is a single-input, single-output chain (kept up to date).
  public private(set) var isChain = false
  /// Every epoch of every `fit` call so far, appended in order (unlike Keras, whose
  /// `model.history` holds only the last fit).
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
  /// Total declared weights.
  public private(set) var declaredParameterCount = 0

  /// Most weights a model may have: 250 million (1 GB of float32, about 4 GB while training
  /// with Adam). More does not fit this machine's training loop and is almost always a typo.
  public static let maxParameters = 250_000_000
  /// Most values one sample of one tensor may have (2³¹).
  public static let maxValuesPerSample = 1 << 31

  /// An empty model, optionally with a single input of per-sample shape `inputShape`.
  public init(name: String = "sequential", inputShape: [Int]? = nil) {
    self.name = name
    if let s = inputShape {
      inputs = [GraphInput(name: "input", shape: s)]
      outputs = [.input(0)]
    }
  }

  // MARK: shapes

  /// The per-sample shape of `source`.
  public func shape(of source: TensorSource) -> [Int] {
    switch source {
    case .input(let i): return inputs[i].shape
    case .node(let n, let o): return nodes[n].outputShapes[o]
    }
  }

  /// The first input's per-sample shape; nil until declared.
  public var inputShape: [Int]? { inputs.first?.shape }
  /// The first output's per-sample shape (the input's when there are no layers yet).
  public var outputShape: [Int]? { outputs.first.map(shape(of:)) }
  /// The layers in node order (an input is not a layer, as in Keras 3).
  public var layers: [Layer] { nodes.map(\.layer) }
  /// Input shape of each layer (its first input), parallel to `layers`.
  public var layerInputShapes: [[Int]] { nodes.map { $0.inputShapes.first ?? [] } }
  /// Output shape of each layer (its first output), parallel to `layers`.
  public var layerOutputShapes: [[Int]] { nodes.map { $0.outputShapes.first ?? [] } }
  /// Whether every layer has its weights.
  public var isBuilt: Bool { nodes.allSatisfy(\.layer.isBuilt) }

  // MARK: declaring

  /// Adds a named input. Throws for a duplicate name or an impossible shape.
  @discardableResult
  public func addInput(name: String, shape: [Int]) throws -> TensorSource {
    guard !inputs.contains(where: { $0.name == name }) else {
      throw ModelError("the model already has an input named '\(name)'")
    }
    guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }),
          let n = checkedProduct(shape), n <= Model.maxValuesPerSample else {
      throw ShapeError("an input shape needs positive sizes whose product fits in memory, "
                       + "not \(shape.kerasShape)")
    }
    inputs.append(GraphInput(name: name, shape: shape))
    return .input(inputs.count - 1)
  }

  /// Adds `layer` reading `sources`: infers its output shapes and parameters (nothing is
  /// allocated) and checks them against the model's budget. An unnamed layer gets Keras'
  /// automatic name. The model is unchanged on error.
  @discardableResult
  public func addNode(_ layer: Layer, inputs sources: [TensorSource]) throws -> [TensorSource] {
    let userName = layer.name
    let taken = Set(nodes.map(\.layer.name))
    if !userName.isEmpty, taken.contains(userName) {
      throw ModelError("the model already has a layer named '\(userName)'; "
                       + "layer names must be unique")
    }
    for s in sources {
      switch s {
      case .input(let i) where i < 0 || i >= inputs.count: throw ModelError("no input \(i)")
      case .node(let n, let o) where n < 0 || n >= nodes.count || o < 0
        || o >= nodes[n].outputShapes.count: throw ModelError("no tensor \(n).\(o)")
      default: break
      }
    }
    if userName.isEmpty { layer.name = Model.autoName(snakeCase(layer.typeName), taken: taken) }
    do {
      let inShapes = sources.map(shape(of:))
      let outShapes = try layer.outputShapes(inShapes)
      for s in outShapes {
        guard let n = checkedProduct(s), n <= Model.maxValuesPerSample else {
          throw ShapeError("\(layer.name) would output \(s.kerasBatchShape): more values per "
                           + "sample than fit in memory")
        }
      }
      let specs = try layer.parameterSpecs(inShapes)
      var total = declaredParameterCount
      for p in specs {
        let (t, o) = total.addingReportingOverflow(p.count)
        guard !o, t <= Model.maxParameters else {
          throw ShapeError("\(layer.name) would bring the model to more than "
                           + "\(Model.maxParameters / 1_000_000) million weights, the most a model "
                           + "may have (\(Model.maxParameters * 4 / 1_000_000_000) GB of float32)")
        }
        total = t
      }
      nodes.append(Node(layer: layer, inputs: sources, inputShapes: inShapes,
                        outputShapes: outShapes, parameterSpecs: specs))
      declaredParameterCount = total
      cachedPlan = nil
      batchEvaluator = nil
      return outShapes.indices.map { .node(nodes.count - 1, output: $0) }
    } catch {
      layer.name = userName
      throw error
    }
  }

  /// Sets the model's outputs.
  public func setOutputs(_ sources: [TensorSource]) {
    outputs = sources
    cachedPlan = nil
  }

  /// Chain building, as Keras' `Sequential.add`: an `InputLayer` first declares the input;
  /// every other layer reads the current output and becomes the new output. Returns the new
  /// output shape. Shapes only: call `build` before running the model.
  @discardableResult
  public func add(_ layer: Layer) throws -> [Int] {
    if let input = layer as? InputLayer {
      guard nodes.isEmpty, inputs.isEmpty else {
        throw ModelError(nodes.isEmpty
          ? "the model already has the input shape \(inputShape?.kerasBatchShape ?? "")"
          : "the input shape must be declared before the first layer")
      }
      let s = try input.outputShape(input.shape)
      if input.name.isEmpty { input.name = "input_layer" }
      let src = try addInput(name: input.name, shape: s)
      outputs = [src]
      return s
    }
    guard let current = outputs.first else {
      throw ModelError("\(layer.name.isEmpty ? snakeCase(layer.typeName) : layer.name) needs to "
                       + "know its input shape: declare the model's input (an InputLayer) "
                       + "before the first layer")
    }
    let out = try addNode(layer, inputs: [current])
    outputs = [out[0]]
    return shape(of: out[0])
  }

  /// `add`, then builds the new layer right away (drawing from `rng`), for programs that
  /// assemble and run a model in one go.
  @discardableResult
  public func add(_ layer: Layer, rng: inout SeededRandom) throws -> [Int] {
    let s = try add(layer)
    try build(rng: &rng)
    return s
  }

  /// Allocates and initialises the weights of every layer not built yet, in node order,
  /// drawing from `rng`.
  public func build(rng: inout SeededRandom) throws {
    for n in nodes where !n.layer.isBuilt { try n.layer.build(n.inputShapes, rng: &rng) }
  }

  /// `stem`, then `stem_1`, `stem_2`, … : the first not in `taken`.
  static func autoName(_ stem: String, taken: Set<String>) -> String {
    if !taken.contains(stem) { return stem }
    var i = 1
    while taken.contains("\(stem)_\(i)") { i += 1 }
    return "\(stem)_\(i)"
  }

  // MARK: parameters

  /// The layer called `name`, or nil.
  public func layer(named name: String) -> Layer? { nodes.first { $0.layer.name == name }?.layer }

  /// Every parameter with its layer's name, in layer order.
  public var parameters: [(layer: String, parameter: Parameter)] {
    nodes.flatMap { n in n.layer.parameters.map { (n.layer.name, $0) } }
  }

  /// Every parameter by its path, `layer.parameter` (`dense_1.weights`): the names users see,
  /// that model files, checkpoints and optimizer state use.
  public var namedParameters: [(path: String, parameter: Parameter)] {
    nodes.flatMap { n in
      n.layer.parameters.map { p in let path = n.layer.name + "." + p.name; return (path, p.at(path)) }
    }
  }

  /// The trainable parameters, in layer order.
  public var trainableParameters: [Parameter] {
    namedParameters.map(\.parameter).filter(\.trainable)
  }

  /// The parameter `name` (`"weights"`, `"bias"`, …) of layer `layer`, or nil.
  public func parameter(layer: String, name: String) -> Parameter? {
    self.layer(named: layer)?.parameters.first { $0.name == name }
  }

  /// A copy of every parameter's value, by path.
  public func weightsSnapshot() -> [(String, Tensor)] {
    namedParameters.map { ($0.path, $0.parameter.variable.value) }
  }

  /// Puts back values taken by `weightsSnapshot` (or read from a file); throws for a missing
  /// path or a shape that differs, before changing anything.
  public func restoreWeights(_ values: [(String, Tensor)]) throws {
    let byPath = Dictionary(values, uniquingKeysWith: { a, _ in a })
    let params = namedParameters
    for (path, p) in params {
      guard let v = byPath[path] else { throw ModelError("no value for \(path)") }
      guard v.shape == p.variable.shape else {
        throw ShapeError("\(path) has shape \(p.variable.shape.kerasShape) but the saved value "
                         + "has shape \(v.shape.kerasShape)")
      }
    }
    for (path, p) in params { if let v = byPath[path] { p.variable.value = v } }
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
    if let filters = Model.kernelFromFilters(value, kernelShape: p.variable.shape) {
      p.variable.value = filters
      return
    }
    guard p.variable.shape == value.shape else {
      throw ShapeError("\(layer).\(name) has shape \(p.variable.shape.kerasShape) but the new "
                       + "value has shape \(value.shape.kerasShape)"
                       + (p.variable.shape.count == 4
                          ? " (a convolution kernel may also be given filter by filter: (filters, height, width) or (filters, height, width, channels))"
                          : ""))
    }
    p.variable.value = value
  }

  /// A convolution kernel (kh, kw, C, F) given filter by filter — `value` of shape
  /// (F, kh, kw) when C = 1, or (F, kh, kw, C) — laid out as the kernel; nil when `value`
  /// is not such a list (including when it already has the kernel's shape).
  static func kernelFromFilters(_ value: Tensor, kernelShape k: [Int]) -> Tensor? {
    guard k.count == 4, value.shape != k else { return nil }
    let (kh, kw, c, f) = (k[0], k[1], k[2], k[3])
    let v = value.shape
    guard v == [f, kh, kw, c] || (c == 1 && v == [f, kh, kw]) else { return nil }
    var out = [Float](repeating: 0, count: value.count)
    for fi in 0..<f { for y in 0..<kh { for x in 0..<kw { for ci in 0..<c {
      out[((y * kw + x) * c + ci) * f + fi] = value.data[((fi * kh + y) * kw + x) * c + ci]
    } } } }
    return Tensor(shape: k, data: out)
  }

  // MARK: forward

  /// The model on one batch per input: every node in order; the nodes producing `logits`
  /// outputs are run without their final activation (a fused output head). Each node's
  /// outputs are recorded as taps named "output" when the context has a recorder.
  ///
  /// Masks flow with the tensors: each node sees the mask of its first input that has one
  /// (the context's mask on entry belongs to input 0), and its outputs carry the mask it
  /// leaves in the context (see `carried`). On return the context holds the mask of the
  /// first output.
  func forwardGraph(_ xs: [Variable], logits: Bool, _ context: inout ForwardContext) -> [Variable] {
    if isChain { return [forwardChain(xs[0], logits: logits, &context)] }
    let lastNode: Int? = { if case .node(let n, _) = outputs.first { return n }; return nil }()
    var values: [[Variable]] = []
    var masks: [Tensor?] = []
    values.reserveCapacity(nodes.count)
    masks.reserveCapacity(nodes.count)
    let inputMask = context.mask
    func value(_ s: TensorSource) -> Variable {
      switch s {
      case .input(let i): return xs[i]
      case .node(let n, let o): return values[n][o]
      }
    }
    func mask(_ s: TensorSource) -> Tensor? {
      switch s {
      case .input(let i): return i == 0 ? inputMask : nil
      case .node(let n, _): return masks[n]
      }
    }
    for (i, n) in nodes.enumerated() {
      let ins = n.inputs.map(value)
      context.mask = n.inputs.lazy.compactMap(mask).first
      let outs = logits && i == lastNode ? n.layer.forwardLogits(ins, &context)
        : n.layer.forward(ins, &context)
      if context.taps != nil { context.tap(n.layer.name, "output", outs[0].value) }
      values.append(outs)
      masks.append(Model.carried(context.mask, by: n.outputShapes.first))
    }
    context.mask = outputs.first.flatMap(mask)
    return outputs.map(value)
  }

  /// A chain (every node reads the one before) needs no table of values and no arrays. The
  /// mask flows in the context from layer to layer; on return it is the output's.
  @inline(__always)
  func forwardChain(_ x: Variable, logits: Bool, _ context: inout ForwardContext) -> Variable {
    var h = x
    let last = nodes.count - 1
    for i in 0..<nodes.count {
      let layer = nodes[i].layer
      h = logits && i == last ? layer.forwardLogitsSingle(h, &context) : layer.forwardSingle(h, &context)
      if context.mask != nil { context.mask = Model.carried(context.mask, by: nodes[i].outputShapes.first) }
      if context.taps != nil { context.tap(layer.name, "output", h.value) }
    }
    return h
  }

  /// `mask` if a tensor of per-sample shape `shape` still has its time axis first (the
  /// mask's T), else nil: a layer that reduced or reshaped the time axis away ends the mask
  /// even if it does not clear it itself.
  static func carried(_ mask: Tensor?, by shape: [Int]?) -> Tensor? {
    guard let m = mask, m.rank == 2, let t = shape?.first, t == m.shape[1] else { return nil }
    return m
  }

  /// Checks the values of a batch per input (in input order) with every layer that reads a
  /// model input (an embedding's token ids), before any op runs.
  func checkInputValues(_ xs: [Tensor]) throws {
    for n in nodes {
      for case .input(let i) in n.inputs where i < xs.count { try n.layer.checkInputValues(xs[i]) }
    }
  }

  private func computeIsChain() -> Bool {
    guard inputs.count == 1, outputs.count == 1 else { return false }
    for (i, n) in nodes.enumerated() {
      let expected: TensorSource = i == 0 ? .input(0) : .node(i - 1, output: 0)
      guard n.inputs.count == 1, n.inputs[0] == expected else { return false }
    }
    return nodes.isEmpty ? outputs[0] == .input(0) : outputs[0] == .node(nodes.count - 1, output: 0)
  }

  /// Every layer's output on a batch `x` (inference mode), for diagnostics and visualisation.
  public func taps(_ x: Tensor, layers: Set<String>? = nil) -> TapRecorder {
    let recorder = TapRecorder(layers: layers)
    guard isBuilt, inputs.count == 1 else { return recorder }  // nothing to run (taps take one input)
    var ctx = ForwardContext(training: false, rng: SeededRandom(seed: 0), taps: recorder)
    withoutGrad { _ = forwardGraph([Variable(x)], logits: false, &ctx) }
    return recorder
  }

  // MARK: summary

  /// The model's layer table and parameter counts, as Keras' `model.summary()`.
  public func summary() -> ModelSummary {
    var rows: [ModelSummary.Row] = []
    for n in nodes {
      // Built layers report what they hold (a layer frozen since it was declared counts as
      // frozen); declared ones what they will hold.
      let sizes: [(Int, Bool)] = n.layer.isBuilt && !n.parameterSpecs.isEmpty
        ? n.layer.parameters.map { ($0.variable.value.count, $0.trainable) }
        : n.parameterSpecs.map { ($0.count, $0.trainable) }
      let total = sizes.reduce(0) { $0 + $1.0 }
      let trainable = sizes.filter(\.1).reduce(0) { $0 + $1.0 }
      rows.append(.init(name: n.layer.name, typeName: n.layer.typeName,
                        outputShape: n.outputShapes.first ?? [], params: total,
                        trainableParams: trainable, flops: n.layer.flops(n.inputShapes),
                        config: n.layer.config))
    }
    return ModelSummary(modelName: name, inputShape: inputShape, rows: rows)
  }
}

/// What `Model.summary()` reports; the language formats it Keras-style.
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
