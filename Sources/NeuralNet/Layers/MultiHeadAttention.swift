import Autograd

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Multi-head self-attention over a sequence (Vaswani et al. 2017), as Keras'
/// `MultiHeadAttention(num_heads=H, key_dim=K)` called with query = key = value = x, and as
/// PyTorch's `nn.MultiheadAttention(D, H, batch_first=True)` when K = D / H. Every step of the
/// sequence looks at every step: per head, the steps' queries score the steps' keys, a softmax
/// over the keys (padded steps of a masked sequence left out) weighs the values, and the heads'
/// contexts, side by side, go through an output projection back to D features.
///
///     x (N, T, D)
///     q, k, v = x·Wq + bq, x·Wk + bk, x·Wv + bv     W (D, H, K), b (H, K): (N, T, H, K)
///     per head h: weights = softmax(q_h·k_hᵀ / √K  [−1e9 on padded keys])   (N, H, T, T)
///                 context_h = weights · v_h                                   (N, T, K)
///     y = [context_1 … context_H]·Wo + bo            Wo (H, K, D), bo (D):   (N, T, D)
///
/// The weights keep Keras' shapes and names (`query_kernel`, `query_bias`, `key_kernel`, …,
/// `output_kernel`, `output_bias`); the kernels are drawn glorot_uniform over their (D, H·K)
/// and (H·K, D) views (PyTorch's xavier_uniform on `in_proj_weight`), the biases zero. The
/// mask passes through (the output has the input's steps). Tap `weights` (N, H, T, T).
/// Backward is the ops' own (matmul, reshape, permute, masked softmax).
public final class MultiHeadAttention: UnaryLayer {
  public var name: String
  public var typeName: String { "MultiHeadAttention" }
  /// The number of heads H.
  public let heads: Int
  /// The size K of each head's queries, keys and values; nil: D / H.
  public let keyDim: Int?
  /// Whether optimizers update the weights.
  public var trainable = true
  /// (query, key, value, output) kernels and biases; nil before `build`.
  public private(set) var weights: [Variable] = []

  /// The parameters' names, in Keras order.
  public static let parameterNames = ["query_kernel", "query_bias", "key_kernel", "key_bias",
                                      "value_kernel", "value_bias", "output_kernel", "output_bias"]

  /// A self-attention layer; `name` empty means auto-named by the model.
  public init(heads: Int = 1, keyDim: Int? = nil, name: String = "") {
    self.heads = heads
    self.keyDim = keyDim
    self.name = name
  }

  /// (T, D, K) of a valid input.
  func sizes(_ input: [Int]) throws -> (t: Int, d: Int, k: Int) {
    guard heads >= 1 else { throw ShapeError("\(name) needs at least 1 head, not \(heads)") }
    guard input.count == 2 else {
      throw ShapeError("\(name) (self-attention) needs a sequence (None, T, features), but gets "
                       + input.kerasBatchShape + "; put it after a layer with return_sequences=true or an embedding")
    }
    let (t, d) = (input[0], input[1])
    let k: Int
    if let keyDim {
      guard keyDim >= 1 else { throw ShapeError("\(name) needs key_dim of at least 1, not \(keyDim)") }
      k = keyDim
    } else {
      guard d % heads == 0 else {
        throw ShapeError("\(name): \(d) features do not split into \(heads) heads; "
                         + "use a number of heads that divides \(d), or give key_dim=")
      }
      k = d / heads
    }
    for s in [[d, heads, k], [t, t, heads]] {
      guard let p = checkedProduct(s), p <= Int(Int32.max) else {
        throw ShapeError("\(name) would be too large: \(s.kerasShape)")
      }
    }
    return (t, d, k)
  }

  public func outputShape(_ input: [Int]) throws -> [Int] {
    let s = try sizes(input)
    return [s.t, s.d]
  }

  public func parameterSpecs(input: [Int]) throws -> [ParameterSpec] {
    let s = try sizes(input)
    let kernel = [s.d, heads, s.k], bias = [heads, s.k]
    let shapes = [kernel, bias, kernel, bias, kernel, bias, [heads, s.k, s.d], [s.d]]
    return zip(Self.parameterNames, shapes).map { ParameterSpec(name: $0, shape: $1, trainable: trainable) }
  }

  /// Draws the four kernels (glorot_uniform over their 2-D views); the biases are zero.
  public func build(input: [Int], rng: inout SeededRandom) throws {
    let specs = try parameterSpecs(input: input)
    let s = try sizes(input)
    weights = specs.enumerated().map { i, spec in
      guard i % 2 == 0 else { return Variable(Tensor.zeros(spec.shape), requiresGrad: true) }
      let view = i == 6 ? [heads * s.k, s.d] : [s.d, heads * s.k]
      let drawn = Initializer.glorotUniform.make(view, rng: &rng)
      return Variable(Tensor(shape: spec.shape, data: drawn.data), requiresGrad: true)
    }
  }

  public var isBuilt: Bool { weights.count == 8 }

  public var parameters: [Parameter] {
    guard isBuilt else { return [] }
    return zip(Self.parameterNames, weights).map { Parameter(name: $0, variable: $1, trainable: trainable) }
  }

  public func forwardLogits(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    forward(x, &context)
  }

  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    guard isBuilt, x.shape.count == 3 else { preconditionFailure("\(name) is not built") }
    let (n, t, d) = (x.shape[0], x.shape[1], x.shape[2])
    let hk = weights[0].shape[1] * weights[0].shape[2], k = weights[0].shape[2]
    let rows = x.reshaped([n * t, d])
    // (N·T, D)·(D, H·K) + b → (N, T, H, K) → (N, H, T, K) → (N·H, T, K)
    func project(_ i: Int) -> Variable {
      matmul(rows, weights[i].reshaped([d, hk]), bias: weights[i + 1].reshaped([hk]))
        .reshaped([n, t, heads, k]).permuted([0, 2, 1, 3]).reshaped([n * heads, t, k])
    }
    let (q, kk, v) = (project(0), project(2), project(4))
    let scores = dotAttentionScores(q, kk, scale: 1 / Float(k).squareRoot())  // (N·H, T, T)
    let w = attentionWeights(scores, keyMask: context.mask.map { Self.perHead($0, heads) })
    context.tap(name, "weights", w.value.reshaped([n, heads, t, t]))
    let joined = attentionContext(w, v)  // (N·H, T, K)
      .reshaped([n, heads, t, k]).permuted([0, 2, 1, 3]).reshaped([n * t, hk])
    return matmul(joined, weights[6].reshaped([hk, d]), bias: weights[7]).reshaped([n, t, d])
  }

  /// The (N, T) mask repeated for each head: (N·H, T), head-major within a sample.
  static func perHead(_ mask: Tensor, _ heads: Int) -> Tensor {
    let (n, t) = (mask.shape[0], mask.shape[1])
    var out = [Float](repeating: 0, count: n * heads * t)
    for s in 0..<n { for h in 0..<heads { for j in 0..<t { out[(s * heads + h) * t + j] = mask.data[s * t + j] } } }
    return Tensor(shape: [n * heads, t], data: out)
  }

  /// 4 projections of 2·D·H·K per step, and per head 2·T·K for the scores and as many for the
  /// context, per step.
  public func flops(input: [Int]) -> Int {
    guard let s = try? sizes(input) else { return 0 }
    return s.t * (4 * 2 * s.d * heads * s.k + heads * 4 * s.t * s.k)
  }

  public var config: [String: String] {
    var c = ["heads": String(heads)]
    if let keyDim { c["key_dim"] = String(keyDim) }
    return c
  }
}
