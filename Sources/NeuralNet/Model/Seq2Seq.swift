import Autograd
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An encoder–decoder (sequence-to-sequence) network as a graph `Model` with two inputs:
///
///     source         (Ts) token ids      → the encoder's layers (embedding, recurrent, …)
///     decoder_input  (Tt) token ids      → the decoder's layers; its first recurrent layer
///                                          starts from the encoder's final state (h, and c
///                                          for an LSTM); `attention` reads the encoder's
///                                          outputs at every step
///     output         (Tt, V) the next-token distribution at every target step
///
/// Encoder recurrent layers are declared with `returnState` (the last one's states feed the
/// decoder); decoder recurrent layers return sequences. The decoder's embedding always masks
/// id 0, so padded target steps count in neither loss nor metrics. Training feeds the decoder
/// the target shifted right behind the start token (`PairVocabulary.decoderInput`: teacher
/// forcing). Declaring only infers shapes, as `Model.add` does.
public final class Seq2SeqGraph {
  /// The graph.
  public let model: Model
  /// Input names.
  public static let sourceInput = "source", decoderInput = "decoder_input"
  private var encoderOut: TensorSource
  private var encoderState: (sequence: TensorSource?, states: [TensorSource], cell: RecurrentCell, units: Int)?
  private var sourceMasked = false
  private var decoderOut: TensorSource?
  private var stateUsed = false
  /// The attention layer's name, when the decoder has one.
  public private(set) var attentionLayer: String?
  /// Ids per source.
  public var sourceLength: Int { model.inputs[0].shape[0] }
  /// Ids per target, once the decoder is declared.
  public var targetLength: Int? { model.inputs.count > 1 ? model.inputs[1].shape[0] : nil }
  /// Whether the decoder has begun.
  public var inDecoder: Bool { model.inputs.count > 1 }

  /// A graph whose encoder reads sources of `sourceLength` ids.
  public init(name: String, sourceLength: Int) throws {
    model = Model(name: name)
    encoderOut = try model.addInput(name: Seq2SeqGraph.sourceInput, shape: [sourceLength])
  }

  /// Adds an encoder layer after the last one; returns its output shape.
  @discardableResult
  public func addEncoder(_ layer: Layer) throws -> [Int] {
    guard !inDecoder else { throw ModelError("the encoder's layers come before the decoder's") }
    var l = layer
    if let r = layer as? Recurrent {
      l = Recurrent(r.cell, units: r.units, activation: r.cellActivation, returnSequences: r.returnSequences,
                    returnState: true, dropout: r.dropout, recurrentDropout: r.recurrentDropout, bptt: r.bptt,
                    name: r.name)
    }
    let outs = try model.addNode(l, inputs: [encoderOut])
    encoderOut = outs[0]
    if let e = layer as? Embedding, e.maskZero { sourceMasked = true }
    if let r = layer as? Recurrent {
      encoderState = (r.returnSequences ? outs[0] : nil, Array(outs.dropFirst()), r.cell, r.units)
    }
    return model.shape(of: outs[0])
  }

  /// Starts the decoder, which reads targets of `targetLength` ids.
  @discardableResult
  public func startDecoder(targetLength: Int) throws -> [Int] {
    guard !inDecoder else { throw ModelError("the model already has a decoder") }
    guard encoderState != nil else {
      throw ModelError("the encoder needs a recurrent layer (simple_rnn, lstm or gru) whose final state starts the decoder")
    }
    decoderOut = try model.addInput(name: Seq2SeqGraph.decoderInput, shape: [targetLength])
    return [targetLength]
  }

  /// Adds a decoder layer after the last one; returns its output shape.
  @discardableResult
  public func addDecoder(_ layer: Layer) throws -> [Int] {
    guard let current = decoderOut, let enc = encoderState else {
      throw ModelError("declare the decoder (startDecoder) before its layers")
    }
    var node: Layer = layer
    var inputs = [current]
    if let e = layer as? Embedding, !e.maskZero {
      node = Embedding(vocabulary: e.vocabulary, dimension: e.dimension, maskZero: true,
                       initializer: e.initializer, l1: e.l1, l2: e.l2, name: e.name)
    } else if let r = layer as? Recurrent {
      let seq = Recurrent(r.cell, units: r.units, activation: r.cellActivation, returnSequences: true,
                          returnState: false, dropout: r.dropout, recurrentDropout: r.recurrentDropout,
                          bptt: r.bptt, name: r.name)
      if !stateUsed {
        guard r.cell == enc.cell else {
          throw ModelError("\(r.name) starts from the encoder's final state, so it must be the same kind of "
                           + "layer as the encoder's last recurrent layer (\(enc.cell.rawValue)), not \(r.cell.rawValue)")
        }
        guard r.units == enc.units else {
          throw ModelError("\(r.name) starts from the encoder's final state: it needs \(enc.units) units, as the "
                           + "encoder's last recurrent layer has, not \(r.units)")
        }
        node = Seq2SeqRecurrent(seq)
        inputs += enc.states
      } else {
        node = seq
      }
    } else if let a = layer as? Attention {
      guard let values = enc.sequence else {
        throw ModelError("\(a.name) attends over the encoder's outputs at every step: add return_sequences=true "
                         + "to the encoder's last recurrent layer")
      }
      guard attentionLayer == nil else { throw ModelError("a decoder has one attention layer") }
      inputs.append(values)
      if sourceMasked { inputs.append(.input(0)) }
    }
    let outs = try model.addNode(node, inputs: inputs)
    if node is Seq2SeqRecurrent { stateUsed = true }
    if node is Attention { attentionLayer = node.name }
    decoderOut = outs[0]
    model.setOutputs([outs[0]])
    return model.shape(of: outs[0])
  }

  /// Checks the finished graph: the decoder has a recurrent layer and ends in a distribution
  /// over tokens (T, V).
  public func finish() throws {
    guard inDecoder, let out = decoderOut, out != .input(1) else {
      throw ModelError("the model needs a decoder block with its layers")
    }
    guard stateUsed else {
      throw ModelError("the decoder needs a recurrent layer (the one that starts from the encoder's state)")
    }
    guard model.shape(of: out).count == 2 else {
      throw ModelError("the decoder must end with a distribution over tokens at every step (T, vocabulary), "
                       + "e.g. dense VOCAB softmax")
    }
  }

  /// Tokens of the output layer.
  public var outputVocabulary: Int { model.outputShape?.last ?? 0 }
}

// MARK: - decoding

extension Seq2SeqGraph {
  /// The decoder's output (N, Tt, V) for sources and decoder inputs.
  func run(_ source: Tensor, _ decoderInput: Tensor, batchSize: Int) throws -> Tensor {
    try model.predict(inputs: [Seq2SeqGraph.sourceInput: source, Seq2SeqGraph.decoderInput: decoderInput],
                      batchSize: batchSize)
  }

  /// Greedy decoding of `source` (N, Ts): from the start token, the most likely token at each
  /// step is fed back as the next input, until the end token or `targetLength` tokens. Returns
  /// each sample's tokens (the end token included when reached). The whole batch is decoded
  /// step by step; step k's output depends only on the inputs up to k (the decoder runs
  /// forward in time), so one full-length pass per step gives the same tokens as step-wise
  /// decoding.
  public func greedy(_ source: Tensor, batchSize: Int = 64) throws -> [[Int]] {
    guard let tt = targetLength else { throw ModelError("the model has no decoder") }
    let n = source.shape[0], v = outputVocabulary
    var dec = Tensor.zeros([n, tt])
    for i in 0..<n { dec.data[i * tt] = Float(PairVocabulary.startID) }
    var tokens = [[Int]](repeating: [], count: n)
    var done = [Bool](repeating: false, count: n)
    for k in 0..<tt where done.contains(false) {
      let out = try run(source, dec, batchSize: batchSize)
      for i in 0..<n where !done[i] {
        let base = (i * tt + k) * v
        var best = 0
        for j in 1..<v where out.data[base + j] > out.data[base + best] { best = j }
        tokens[i].append(best)
        if best == PairVocabulary.endID { done[i] = true } else if k + 1 < tt { dec.data[i * tt + k + 1] = Float(best) }
      }
    }
    return tokens
  }

  /// Beam search of width `width` (1 is greedy) with the model: see `Seq2SeqGraph.beamSearch`.
  /// Returns each sample's best sequence and its log-probability.
  public func beam(_ source: Tensor, width: Int, batchSize: Int = 64) throws -> [(tokens: [Int], logProb: Double)] {
    guard let tt = targetLength else { throw ModelError("the model has no decoder") }
    let n = source.shape[0], ts = source.count / Swift.max(n, 1)
    let v = outputVocabulary
    return try Seq2SeqGraph.beamSearch(samples: n, width: width, maxLength: tt) { rows in
      var src = Tensor.zeros([rows.count, ts]), dec = Tensor.zeros([rows.count, tt])
      for (r, (i, prefix)) in rows.enumerated() {
        for j in 0..<ts { src.data[r * ts + j] = source.data[i * ts + j] }
        dec.data[r * tt] = Float(PairVocabulary.startID)
        for (j, tok) in prefix.enumerated() where j + 1 < tt { dec.data[r * tt + j + 1] = Float(tok) }
      }
      let out = try run(src, dec, batchSize: batchSize)
      return rows.enumerated().map { r, row in
        let base = (r * tt + row.prefix.count) * v
        return (0..<v).map { Double(out.data[base + $0]) }
      }
    }
  }

  /// Beam search: for every sample, the `width` most likely prefixes (sum of
  /// log-probabilities) are kept at each step; a prefix ending in the end token, or of
  /// `maxLength` tokens, is finished and competes as it is. `next` gives, for each (sample,
  /// prefix) row, the probabilities of the next token. Width 1 is greedy decoding.
  public static func beamSearch(samples n: Int, width: Int, maxLength: Int,
                                next: ([(sample: Int, prefix: [Int])]) throws -> [[Double]])
    throws -> [(tokens: [Int], logProb: Double)] {
    guard width >= 1, width <= 64 else { throw ModelError("beam needs a width of 1…64, not \(width)") }
    var beams: [[(tokens: [Int], logProb: Double, done: Bool)]] = Array(repeating: [([], 0, false)], count: n)
    for k in 0..<maxLength {
      var rows: [(sample: Int, prefix: [Int])] = []
      var owners: [(Int, Int)] = []
      for i in 0..<n { for b in beams[i].indices where !beams[i][b].done { rows.append((i, beams[i][b].tokens)); owners.append((i, b)) } }
      if rows.isEmpty { break }
      let probs = try next(rows)
      var candidates = beams.map { $0.filter(\.done) }
      for (r, (i, b)) in owners.enumerated() {
        let p = probs[r]
        let (tokens, lp, _) = beams[i][b]
        for tok in p.indices.sorted(by: { p[$0] > p[$1] }).prefix(width) {
          candidates[i].append((tokens + [tok], lp + log(Swift.max(p[tok], 1e-30)),
                                tok == PairVocabulary.endID || k == maxLength - 1))
        }
      }
      // Stable: among equal scores the earlier candidate (the more likely token) wins.
      for i in 0..<n {
        beams[i] = Array(candidates[i].enumerated().sorted { a, b in
          a.element.logProb != b.element.logProb ? a.element.logProb > b.element.logProb : a.offset < b.offset
        }.map(\.element).prefix(width))
      }
    }
    return beams.map { b in b.first.map { ($0.tokens, $0.logProb) } ?? ([], 0) }
  }

  /// Checks source ids (N, Ts) against the encoder's embedding before decoding.
  public func checkSource(_ source: Tensor) throws {
    guard source.rank == 2, source.shape[1] == sourceLength else {
      throw ShapeError("the encoder reads \(sourceLength) source ids per sample, not \(source.shape.dropFirst().map(String.init).joined(separator: "x"))")
    }
    for n in model.nodes {
      for case .input(0) in n.inputs { try n.layer.checkInputValues(source) }
    }
  }

  /// Scheduled sampling's decoder inputs: each step after the first keeps the true previous
  /// token (of `truth`, the teacher-forced inputs) with probability `p`, else takes the
  /// token the model predicts for that step when fed the true prefix (one teacher-forced
  /// pass over the data; padding stays padding). Draws one number per step from `rng`.
  public func scheduledInputs(_ source: Tensor, _ truth: Tensor, probability p: Double,
                              rng: inout SeededRandom, batchSize: Int = 64) throws -> Tensor {
    if p >= 1 { return truth }
    let out = try run(source, truth, batchSize: batchSize)
    let n = truth.shape[0], tt = truth.shape[1], v = outputVocabulary
    var mixed = truth
    for i in 0..<n {
      for k in 1..<Swift.max(tt, 1) where truth.data[i * tt + k] != 0 {
        guard Double(rng.nextUnit()) >= p else { continue }
        let base = (i * tt + k - 1) * v
        var best = 0
        for j in 1..<v where out.data[base + j] > out.data[base + best] { best = j }
        mixed.data[i * tt + k] = Float(best == 0 ? PairVocabulary.unknownID : best)
      }
    }
    return mixed
  }

  /// The fraction of samples whose decoded tokens equal the target's (both up to their end
  /// token, padding left out): the metric `exact`.
  public static func exactMatch(_ predicted: [[Int]], targets y: Tensor) -> Double {
    let n = predicted.count
    guard n > 0, y.shape.first == n else { return 0 }
    let t = y.count / n
    var hits = 0
    for i in 0..<n {
      let truth = PairVocabulary.content((0..<t).map { Int(y.data[i * t + $0]) })
      if PairVocabulary.content(predicted[i]) == truth { hits += 1 }
    }
    return Double(hits) / Double(n)
  }

  /// The attention weights (Tt, Ts) of one sample when the decoder reads `decoderInput`
  /// (Tt ids): nil without an attention layer.
  public func attentionWeights(source: Tensor, decoderInput: Tensor) -> Tensor? {
    guard let name = attentionLayer, model.isBuilt else { return nil }
    let recorder = TapRecorder(layers: [name])
    var ctx = ForwardContext(training: false, rng: SeededRandom(seed: 0), taps: recorder)
    let ts = source.count, tt = decoderInput.count
    withoutGrad {
      _ = model.forwardGraph([Variable(source.reshaped([1, ts])), Variable(decoderInput.reshaped([1, tt]))],
                             logits: false, &ctx)
    }
    return recorder.value(layer: name, name: "weights").map { $0.reshaped([tt, ts]) }
  }
}
