import Autograd
import NeuralNet

/// The layer lines of an encoder–decoder block:
///
///     model rev {
///       encoder {
///         input 10
///         embedding 16 32 mask_zero=true
///         lstm 64 return_sequences=true
///       }
///       decoder {
///         embedding 16 32
///         lstm 64
///         attention
///         dense 16 softmax
///       }
///     }
///
/// The encoder starts with `input T` (source ids); the decoder may start with `input T` (target
/// ids, the end token included), else it reads sources' length + 1. Each line is echoed with
/// its shape as it is declared (`Seq2SeqGraph` builds the graph).
extension ModelBuilder {
  /// Whether the block is an encoder–decoder.
  var isSeq2Seq: Bool { seq2seq != nil }

  /// Adds one line of an `encoder { }` or `decoder { }` block.
  mutating func addSectionLine(_ decl: LayerDecl, _ spec: LayerSpec) throws -> LayerEcho? {
    let kind = decl.kind.text
    guard let section = decl.section else {
      throw Diagnostic.error("in an encoder–decoder model every layer line is inside encoder { } or decoder { }",
                             at: decl.kind.range)
    }
    // A line before could not be built (a value known only when running): the shapes from
    // here on are unknown too.
    if incomplete { return nil }
    if network != nil && seq2seq == nil {
      throw Diagnostic.error("a model is either a plain list of layers or an encoder { } and a decoder { }, not both",
                             at: decl.kind.range)
    }
    if section == "encoder" {
      if kind == "input" {
        guard seq2seq == nil else {
          throw Diagnostic.error("the encoder has one input line, at the top", at: decl.kind.range)
        }
        let shape = try sequenceShape(decl, what: "the encoder")
        let graph = try located(decl) { try Seq2SeqGraph(name: name, sourceLength: shape) }
        seq2seq = graph
        network = graph.model
        return LayerEcho(name: Seq2SeqGraph.sourceInput, typeName: "InputLayer", outputShape: [shape], parameters: 0)
      }
      guard let graph = seq2seq else {
        throw Diagnostic.error("the first line of the encoder must be its input: the number of source tokens",
                               at: decl.kind.range, hint: "e.g. input 10")
      }
      if graph.inDecoder {
        throw Diagnostic.error("the encoder block comes before the decoder block", at: decl.kind.range)
      }
      guard let layer = try makeLayer(decl, spec) else { return nil }
      return try echo(layer, graph, decl) { try graph.addEncoder(layer) }
    }
    guard let graph = seq2seq else {
      throw Diagnostic.error("the encoder block comes first, starting with its input", at: decl.kind.range,
                             hint: "encoder { input 10; embedding 16 32 mask_zero=true; lstm 64 return_sequences=true }")
    }
    if !graph.inDecoder {
      if kind == "input" {
        let t = try sequenceShape(decl, what: "the decoder")
        guard t >= 2 else {
          throw Diagnostic.error("a target needs at least 2 tokens (its end token included)", at: decl.range)
        }
        try located(decl) { try graph.startDecoder(targetLength: t) }
        return LayerEcho(name: Seq2SeqGraph.decoderInput, typeName: "InputLayer", outputShape: [t], parameters: 0)
      }
      try located(decl) { try graph.startDecoder(targetLength: graph.sourceLength + 1) }
    } else if kind == "input" {
      throw Diagnostic.error("the decoder's input line comes first", at: decl.kind.range)
    }
    guard let layer = try makeLayer(decl, spec) else { return nil }
    return try echo(layer, graph, decl) { try graph.addDecoder(layer) }
  }

  /// Checks the finished encoder–decoder block.
  func finishSeq2Seq(at range: SourceRange) throws {
    guard let graph = seq2seq, !incomplete else { return }
    do { try graph.finish() } catch let e as ModelError {
      throw Diagnostic.error(e.message, at: range)
    }
  }

  /// One positive length of an `input` line in a section.
  private func sequenceShape(_ decl: LayerDecl, what: String) throws -> Int {
    let shape = try inputShape(decl)
    guard shape.count == 1 else {
      throw Diagnostic.error("\(what) reads token ids: its input is a number of tokens such as 10, not "
                             + ValueFormat.shape(shape), at: decl.range)
    }
    return shape[0]
  }

  /// The layer of a line, named as in a plain block (`lstm_1`, `lstm_2`, … across both halves).
  private mutating func makeLayer(_ decl: LayerDecl, _ spec: LayerSpec) throws -> Layer? {
    let kind = decl.kind.text
    guard let net = network else { return nil }
    var args = Arguments(owner: kind, args: decl.args, options: decl.options, range: decl.range, evaluate: evaluate)
    let userName = try args.option("name").map { try layerName($0.value, net) }
    guard let layer = try spec.build(&args), !incomplete else { incomplete = true; return nil }
    if layer is MultiHeadAttention {
      throw Diagnostic.error("heads= and key_dim= make self-attention, for a plain model block; a decoder's attention looks at the encoder",
                             at: decl.kind.range, hint: "attention, or attention kind=additive")
    }
    if layer is Attention && decl.section != "decoder" {
      throw Diagnostic.error("attention belongs in the decoder block: it attends over the encoder's outputs",
                             at: decl.kind.range)
    }
    let count = (counts[kind] ?? 0) + 1
    // The decoder's one attention layer is called `attention`, so `show MODEL.attention` names it.
    layer.name = userName ?? (layer is Attention ? "attention" : "\(kind)_\(count)")
    return layer
  }

  private mutating func echo(_ layer: Layer, _ graph: Seq2SeqGraph, _ decl: LayerDecl,
                    _ add: () throws -> [Int]) throws -> LayerEcho {
    let shape = try located(decl, add)
    // Counted once added, so a wrong line retyped in the REPL keeps the name it would have had.
    counts[decl.kind.text] = (counts[decl.kind.text] ?? 0) + 1
    let specs = graph.model.nodes.last?.parameterSpecs ?? []
    return LayerEcho(name: graph.model.nodes.last?.layer.name ?? layer.name, typeName: layer.typeName,
                     outputShape: shape, parameters: specs.reduce(0) { $0 + $1.count })
  }

  @discardableResult
  private func located<T>(_ decl: LayerDecl, _ f: () throws -> T) throws -> T {
    do { return try f() } catch let e as ModelError {
      throw Diagnostic.error(e.message, at: decl.range)
    } catch let e as ShapeError {
      throw Diagnostic.error(e.message, at: decl.range)
    }
  }
}
