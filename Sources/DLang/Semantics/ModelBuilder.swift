import Autograd
import NeuralNet
import TermPlot

/// What a declared layer turned into: echoed after each layer line (`→ (None, 16)  272 params`).
public struct LayerEcho: Sendable {
  public var name: String
  public var typeName: String
  public var outputShape: [Int]
  public var parameters: Int
}

/// Turns the layer lines of a `model` block into a network, one line at a time, so that each
/// line's shape can be echoed (and a wrong line reported) as soon as it is declared. The checker
/// and the interpreter both use it; the REPL uses it line by line. Declaring only infers
/// shapes and parameter counts: nothing is allocated until the interpreter builds the network
/// once (`Model.build`), so checking a script with a 90M-parameter layer is instant.
struct ModelBuilder {
  let name: String
  /// Evaluates argument expressions; nil when a value is not known (checking).
  let evaluate: (Expr) throws -> Value?
  /// The network so far (nil until `input`).
  var network: Model?
  /// Set once a layer could not be built because an argument is unknown before running.
  var incomplete = false
  /// Layers declared so far per kind (for the automatic names `dense_1`, `dense_2`, …).
  var counts: [String: Int] = [:]
  /// The encoder–decoder graph, when the block has `encoder { }` and `decoder { }`.
  var seq2seq: Seq2SeqGraph?

  init(name: String, evaluate: @escaping (Expr) throws -> Value?) {
    self.name = name
    self.evaluate = evaluate
  }

  /// The declared input shape.
  var inputShape: [Int]? { network?.inputShape }
  /// The output shape of the last layer (nil when unknown).
  var outputShape: [Int]? { incomplete ? nil : network?.outputShape }

  /// Adds one layer line; returns its echo (nil when it could not be built before running).
  @discardableResult
  mutating func add(_ decl: LayerDecl) throws -> LayerEcho? {
    let kind = decl.kind.text
    guard let spec = LayerTable.spec(kind) else {
      throw Diagnostic.unknown("unknown layer '\(kind)'", kind, in: LayerTable.names, at: decl.kind.range,
                               fallbackHint: "layers: " + LayerTable.names.joined(separator: ", "))
    }
    if decl.section != nil || seq2seq != nil { return try addSectionLine(decl, spec) }
    if kind == "input" { return try addInput(decl) }
    guard let net = network else {
      throw Diagnostic.error("the first line of a model must be its input shape", at: decl.kind.range,
                             hint: "e.g. input 4, or input 8x8x1 for images")
    }
    var args = Arguments(owner: kind, args: decl.args, options: decl.options, range: decl.range,
                         evaluate: evaluate)
    let userName = try args.option("name").map { try layerName($0.value, net) }
    guard var layer = try spec.build(&args), !incomplete else { incomplete = true; return nil }
    layer = try Self.selfAttention(layer, decl)
    let count = (counts[kind] ?? 0) + 1
    layer.name = userName ?? "\(kind)_\(count)"
    if let dense = layer as? Dense, let current = net.outputShape {
      try checkDense(dense, input: current, decl)
    }
    do {
      let shape = try net.add(layer)
      counts[kind] = count
      let specs = net.nodes.last?.parameterSpecs ?? []
      return LayerEcho(name: layer.name, typeName: layer.typeName, outputShape: shape,
                       parameters: specs.reduce(0) { $0 + $1.count })
    } catch let e as ModelError {
      throw Diagnostic.error(e.message, at: decl.range)
    } catch let e as ShapeError {
      throw Diagnostic.error(e.message, at: decl.range)
    }
  }

  /// In a plain model, `attention` (without heads=) is single-head self-attention; additive
  /// attention needs an encoder to attend over.
  static func selfAttention(_ layer: Layer, _ decl: LayerDecl) throws -> Layer {
    guard let a = layer as? Attention else { return layer }
    guard a.kind == .dot else {
      throw Diagnostic.error("kind=additive attention attends over an encoder's outputs: it belongs in a decoder block",
                             at: decl.kind.range, hint: "in a plain model, self-attention: attention heads=4")
    }
    return MultiHeadAttention(heads: 1)
  }

  /// Checks a layer line's kind, arguments and options without adding it: for the lines after
  /// a missing or wrong `input` line, whose shapes cannot be known.
  func checkAlone(_ decl: LayerDecl) throws {
    let kind = decl.kind.text
    guard let spec = LayerTable.spec(kind) else {
      throw Diagnostic.unknown("unknown layer '\(kind)'", kind, in: LayerTable.names, at: decl.kind.range,
                               fallbackHint: "layers: " + LayerTable.names.joined(separator: ", "))
    }
    if kind == "input" {
      throw Diagnostic.error("a model has one input line, at the top", at: decl.kind.range)
    }
    var args = Arguments(owner: kind, args: decl.args, options: decl.options, range: decl.range,
                         evaluate: evaluate)
    _ = args.option("name")
    _ = try spec.build(&args)
  }

  /// A dense layer needs a flat input, or a sequence (T, F) (it then applies to every step).
  private func checkDense(_ dense: Dense, input: [Int], _ decl: LayerDecl) throws {
    guard input.count <= 2 else {
      let flat = input.reduce(1, *)
      throw Diagnostic.error(
        "\(decl.kind.text) needs a flat input (None, N), but the layer before it gives \(ValueFormat.batchShape(input))",
        at: decl.kind.range, hint: "add a `flatten` line before it, or declare the input flat: input \(flat)")
    }
  }

  mutating func addInput(_ decl: LayerDecl) throws -> LayerEcho? {
    if network != nil {
      throw Diagnostic.error("a model has one input line, at the top", at: decl.kind.range)
    }
    let shape = try inputShape(decl)
    network = Model(name: name, inputShape: shape)
    return LayerEcho(name: "input", typeName: "InputLayer", outputShape: shape, parameters: 0)
  }

  /// The shape an `input` line declares.
  func inputShape(_ decl: LayerDecl) throws -> [Int] {
    guard decl.args.count == 1, let e = decl.args.first, decl.options.isEmpty else {
      throw Diagnostic.error("input needs the shape of one sample", at: decl.range,
                             hint: "e.g. input 4 (features), or input 8x8x1 (height×width×channels)")
    }
    let shape: [Int]
    switch e.kind {
    case .shape(let dims): shape = dims
    case .number(let x, _) where x == x.rounded() && abs(x) < 1e15: shape = [Int(x)]
    case .unary(.negate, let inner):
      if case .number(let x, _) = inner.kind, x == x.rounded() {
        throw Diagnostic.error("an input size must be at least 1, not -\(ValueFormat.number(x))", at: e.range)
      }
      throw Diagnostic.error("input needs a shape such as 4 or 8x8x1", at: e.range)
    default:
      throw Diagnostic.error("input needs a shape such as 4 or 8x8x1", at: e.range)
    }
    if let bad = shape.first(where: { $0 < 1 || $0 > 1 << 24 }) {
      throw Diagnostic.error(bad < 1 ? "an input size must be at least 1, not \(bad)"
                               : "an input size must be at most \(1 << 24), not \(bad)", at: e.range)
    }
    guard let total = checkedProduct(shape), total <= Model.maxValuesPerSample else {
      throw Diagnostic.error("an input of shape \(ValueFormat.shape(shape)) has more values per sample than fit in memory",
                             at: e.range)
    }
    return shape
  }

  func layerName(_ e: Expr, _ net: Model) throws -> String {
    let text: String
    switch e.kind {
    case .identifier(let s), .string(let s): text = s
    default: throw Diagnostic.error("a layer name is a word such as name=hidden", at: e.range)
    }
    if net.layers.contains(where: { $0.name == text }) {
      throw Diagnostic.error("model '\(name)' already has a layer named '\(text)'", at: e.range)
    }
    return text
  }
}
