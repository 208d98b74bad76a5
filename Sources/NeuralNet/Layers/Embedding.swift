import Autograd

/// Turns integer token ids into learned vectors, as `keras.layers.Embedding`: an input of
/// (T) ids per sample, stored as float32, gives (T, dimension); id `i` picks row `i` of the
/// `embeddings` table (vocabulary, dimension). With `maskZero`, id 0 is padding: the layer
/// sets the context's mask (N, T) to 1 where the id is not 0, so the steps after it (and the
/// loss and metrics of a sequence output) skip the padding. As in Keras, id 0 still has a row
/// (vocabulary counts it).
///
///     forward:  y[n, t, :] = E[id[n, t], :]
///     backward: dE[id[n, t], :] += dy[n, t, :]   (the `gather` op's scatter-add)
///
/// Token ids come from user data, and the engine is built -Ounchecked: `checkInputValues`
/// refuses an id that is negative, not a whole number or ≥ vocabulary, naming the sample and
/// the position, before any op runs (the model calls it for every batch it is given).
public final class Embedding: UnaryLayer {
  public var name: String
  public var typeName: String { "Embedding" }
  /// Number of ids (Keras' input_dim): ids run 0 ..< vocabulary.
  public let vocabulary: Int
  /// Length of each vector (Keras' output_dim).
  public let dimension: Int
  /// Whether id 0 is padding, masked out downstream.
  public let maskZero: Bool
  /// Draws the table (Keras default: uniform in [−0.05, 0.05]).
  public let initializer: Initializer
  /// L1 penalty factor on the table (Keras `embeddings_regularizer`), 0 for none.
  public let l1: Float
  /// L2 penalty factor on the table, 0 for none.
  public let l2: Float
  /// Whether optimizers update the table.
  public var trainable: Bool = true
  /// The table (vocabulary, dimension); nil before `build`.
  public private(set) var embeddings: Variable?

  /// An embedding layer; `name` empty means auto-named by the model.
  public init(vocabulary: Int, dimension: Int, maskZero: Bool = false,
              initializer: Initializer = .randomUniform, l1: Float = 0, l2: Float = 0,
              name: String = "") {
    self.vocabulary = vocabulary
    self.dimension = dimension
    self.maskZero = maskZero
    self.initializer = initializer
    self.l1 = l1
    self.l2 = l2
    self.name = name
  }

  /// (T, dimension) for (T) ids; throws `ShapeError` for any other input.
  public func outputShape(_ input: [Int]) throws -> [Int] {
    guard vocabulary > 0, dimension > 0 else {
      throw ShapeError("\(name) needs a vocabulary and a dimension of at least 1, not "
                       + "\(vocabulary) and \(dimension)")
    }
    guard input.count == 1 else {
      throw ShapeError("\(name) needs (T) token ids per sample, a sequence of integer ids of shape "
                       + "(None, T), but gets \(input.kerasBatchShape)"
                       + (input.count == 2 ? "; an embedding makes the (T, \(dimension)) vectors itself" : ""))
    }
    guard let n = checkedProduct([input[0], dimension]), n <= Model.maxValuesPerSample else {
      throw ShapeError("\(name) would output (None, \(input[0]), \(dimension)): more values per "
                       + "sample than fit in memory")
    }
    return [input[0], dimension]
  }

  public func parameterSpecs(input: [Int]) throws -> [ParameterSpec] {
    _ = try outputShape(input)
    guard checkedProduct([vocabulary, dimension]) != nil else {
      throw ShapeError("\(name) would have \(vocabulary) × \(dimension) weights, more than fit in memory")
    }
    return [ParameterSpec(name: "embeddings", shape: [vocabulary, dimension], trainable: trainable)]
  }

  /// Draws the table from `rng`.
  public func build(input: [Int], rng: inout SeededRandom) throws {
    let specs = try parameterSpecs(input: input)
    embeddings = Variable(initializer.make(specs[0].shape, rng: &rng), requiresGrad: true)
  }

  public var isBuilt: Bool { embeddings != nil }

  public var parameters: [Parameter] {
    guard let e = embeddings else { return [] }
    return [Parameter(name: "embeddings", variable: e, trainable: trainable)]
  }

  /// Every id must be a whole number in 0 ..< vocabulary.
  public func checkInputValues(_ x: Tensor) throws {
    guard let bad = Embedding.firstInvalid(x, vocabulary: vocabulary) else { return }
    let steps = x.rank >= 2 ? x.count / Swift.max(x.shape[0], 1) : 1
    let v = x.data[bad]
    let at = "\(name): sample \(bad / steps), position \(bad % steps)"
    let range = "0 to \(vocabulary - 1)" + (maskZero ? ", 0 being padding" : "")
    if v >= Float(vocabulary) && v == v.rounded() {
      throw ModelError("\(at) holds the token id \(formatNumber(v)), past the vocabulary of "
                       + "\(vocabulary) ids (\(range))")
    }
    throw ModelError("\(at) holds \(v.isNaN ? "nan" : formatNumber(v)), which is not a token id: "
                     + "ids are whole numbers \(range) (vocabulary \(vocabulary))")
  }

  /// The index of the first value that is not a whole number in 0 ..< `vocabulary`.
  static func firstInvalid(_ x: Tensor, vocabulary: Int) -> Int? {
    let limit = Float(vocabulary)
    return x.data.withUnsafeBufferPointer { p in
      for i in 0..<p.count {
        let v = p[i]
        if !(v >= 0 && v < limit && v == v.rounded(.towardZero)) { return i }
      }
      return nil
    }
  }

  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    guard let e = embeddings else { preconditionFailure("\(name) is not built") }
    context.mask = maskZero ? Embedding.nonZero(x.value) : nil
    return gather(e, indices: x.value)
  }

  /// 1 where the id is not 0, else 0: the mask (N, T) of real steps.
  static func nonZero(_ ids: Tensor) -> Tensor {
    var m = Tensor.zeros(ids.shape)
    ids.data.withUnsafeBufferPointer { p in
      m.data.withUnsafeMutableBufferPointer { d in
        for i in 0..<p.count where p[i] != 0 { d[i] = 1 }
      }
    }
    return m
  }

  public var config: [String: String] {
    var c = ["input_dim": String(vocabulary), "output_dim": String(dimension),
             "mask_zero": String(maskZero), "initializer": initializer.name]
    if l1 != 0 { c["l1"] = String(l1) }
    if l2 != 0 { c["l2"] = String(l2) }
    return c
  }

  public var isRegularized: Bool { l1 != 0 || l2 != 0 }

  /// l1·Σ|E| + l2·ΣE² on the tape.
  public func penalty() -> Variable? {
    guard isRegularized, let e = embeddings else { return nil }
    return weightPenalty(e, l1: l1, l2: l2)
  }
}
