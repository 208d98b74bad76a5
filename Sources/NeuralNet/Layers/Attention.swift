import Autograd

/// How an `Attention` layer scores a query against a key.
public enum AttentionKind: String, Sendable, CaseIterable {
  /// Luong's dot product q · k.
  case dot
  /// Bahdanau's additive score v · tanh(q·Wq + k·Wk).
  case additive
}

/// Encoder–decoder attention (Luong et al. 2015, "global attention"): each decoder step's
/// output h (the query) scores every encoder output (the keys, which are also the values),
/// the scores become weights by a softmax over the source steps (padded source steps left
/// out), the context is the weighted sum of the encoder outputs, and the layer outputs
/// Luong's attentional vector tanh([context; h]·Wc):
///
///     inputs   h (N, Tt, U), encoder outputs (N, Ts, Ue) [, source ids (N, Ts)]
///     scores   dot: h · e (needs U = Ue)   additive: v · tanh(h·Wq + e·Wk), A = U
///     output   tanh([c; h]·Wc)  (N, Tt, U),  Wc (Ue + U, U), no bias
///
/// The optional third input, the source token ids, gives the source mask (id 0 = padding).
/// The mask of the first input (the decoder's) flows on. Tap `weights` (N, Tt, Ts).
/// Weights: `combine_kernel` (glorot_uniform); additive also `query_kernel`, `key_kernel`
/// (glorot_uniform) and `score_vector` (uniform ±0.05).
public final class Attention: Layer {
  public var name: String
  public var typeName: String { kind == .dot ? "LuongAttention" : "BahdanauAttention" }
  /// The score.
  public let kind: AttentionKind
  /// Whether optimizers update the weights.
  public var trainable = true
  public private(set) var combineKernel: Variable?
  public private(set) var queryKernel: Variable?
  public private(set) var keyKernel: Variable?
  public private(set) var scoreVector: Variable?

  /// An attention layer; `name` empty means auto-named by the model.
  public init(kind: AttentionKind = .dot, name: String = "") {
    self.kind = kind
    self.name = name
  }

  /// (Tt, U, Ts, Ue) of valid inputs.
  func sizes(_ inputs: [[Int]]) throws -> (tq: Int, u: Int, tk: Int, ue: Int) {
    guard inputs.count == 2 || inputs.count == 3 else {
      throw ShapeError("\(name) takes the decoder's outputs and the encoder's outputs, not \(inputs.count) inputs")
    }
    let (q, k) = (inputs[0], inputs[1])
    guard q.count == 2 else {
      throw ShapeError("\(name) needs the decoder's outputs at every step (None, T, units), but gets "
                       + q.kerasBatchShape)
    }
    guard k.count == 2 else {
      throw ShapeError("\(name) needs the encoder's outputs at every step (None, T, units), but gets "
                       + k.kerasBatchShape + "; add return_sequences=true to the encoder's last recurrent layer")
    }
    if inputs.count == 3, inputs[2] != [k[0]] {
      throw ShapeError("\(name): the source ids \(inputs[2].kerasBatchShape) do not match the encoder's "
                       + "\(k[0]) steps")
    }
    if kind == .dot, q[1] != k[1] {
      throw ShapeError("\(name) (dot) needs decoder and encoder outputs of the same size, not \(q[1]) and "
                       + "\(k[1]); use kind=additive or give both recurrent layers the same units")
    }
    for d in [[k[1] + q[1], q[1]], [q[0], k[0]]] {
      guard let p = checkedProduct(d), p <= Int(Int32.max) else {
        throw ShapeError("\(name) would be too large: \(d.kerasShape)")
      }
    }
    return (q[0], q[1], k[0], k[1])
  }

  public func outputShapes(_ inputs: [[Int]]) throws -> [[Int]] {
    let s = try sizes(inputs)
    return [[s.tq, s.u]]
  }

  public func parameterSpecs(_ inputs: [[Int]]) throws -> [ParameterSpec] {
    let s = try sizes(inputs)
    var specs = [ParameterSpec(name: "combine_kernel", shape: [s.ue + s.u, s.u], trainable: trainable)]
    if kind == .additive {
      specs += [ParameterSpec(name: "query_kernel", shape: [s.u, s.u], trainable: trainable),
                ParameterSpec(name: "key_kernel", shape: [s.ue, s.u], trainable: trainable),
                ParameterSpec(name: "score_vector", shape: [s.u], trainable: trainable)]
    }
    return specs
  }

  public func build(_ inputs: [[Int]], rng: inout SeededRandom) throws {
    let specs = try parameterSpecs(inputs)
    combineKernel = Variable(Initializer.glorotUniform.make(specs[0].shape, rng: &rng), requiresGrad: true)
    if kind == .additive {
      queryKernel = Variable(Initializer.glorotUniform.make(specs[1].shape, rng: &rng), requiresGrad: true)
      keyKernel = Variable(Initializer.glorotUniform.make(specs[2].shape, rng: &rng), requiresGrad: true)
      scoreVector = Variable(Initializer.randomUniform.make(specs[3].shape, rng: &rng), requiresGrad: true)
    }
  }

  public var isBuilt: Bool { combineKernel != nil }

  public var parameters: [Parameter] {
    guard let wc = combineKernel else { return [] }
    var p = [Parameter(name: "combine_kernel", variable: wc, trainable: trainable)]
    if let q = queryKernel, let k = keyKernel, let v = scoreVector {
      p += [Parameter(name: "query_kernel", variable: q, trainable: trainable),
            Parameter(name: "key_kernel", variable: k, trainable: trainable),
            Parameter(name: "score_vector", variable: v, trainable: trainable)]
    }
    return p
  }

  public func forward(_ inputs: [Variable], _ context: inout ForwardContext) -> [Variable] {
    guard let wc = combineKernel else { preconditionFailure("\(name) is not built") }
    let (h, e) = (inputs[0], inputs[1])
    let keyMask = inputs.count > 2 ? Embedding.nonZero(inputs[2].value) : nil
    let scores: Variable
    if kind == .additive, let wq = queryKernel, let wk = keyKernel, let v = scoreVector {
      scores = additiveAttentionScores(h, e, wq: wq, wk: wk, v: v)
    } else {
      scores = dotAttentionScores(h, e)
    }
    let weights = attentionWeights(scores, keyMask: keyMask)
    context.tap(name, "weights", weights.value)
    let c = attentionContext(weights, e)
    return [luongCombine(context: c, query: h, wc: wc)]
  }

  /// Per sample: the scores, the context and the combination (2 per multiply-add).
  public func flops(_ inputs: [[Int]]) -> Int {
    guard let s = try? sizes(inputs) else { return 0 }
    let scores = kind == .dot ? 2 * s.tq * s.tk * s.u : 2 * (s.tq + s.tk) * s.u * s.u + 2 * s.tq * s.tk * s.u
    return scores + 2 * s.tq * s.tk * s.ue + 2 * s.tq * (s.ue + s.u) * s.u
  }

  public var config: [String: String] {
    ["kind": kind.rawValue, "combine": "tanh([context; h]·Wc)", "combine_initializer": "glorot_uniform"]
  }
}
