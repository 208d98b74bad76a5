import Autograd

/// A recurrent layer over (T, F) sequences, as Keras' `SimpleRNN`, `LSTM` and `GRU` (Keras 3
/// defaults: GRU `reset_after=True`), with Keras' weight layout:
///
///     SimpleRNN  kernel (F, U)    recurrent_kernel (U, U)    bias (U)
///     LSTM       kernel (F, 4U)   recurrent_kernel (U, 4U)   bias (4U)     gates i, f, c, o
///     GRU        kernel (F, 3U)   recurrent_kernel (U, 3U)   bias (2, 3U)  gates z, r, h;
///                                                            rows: input bias, recurrent bias
///
/// Initialisers: glorot_uniform kernel, orthogonal recurrent kernel, zero bias (LSTM: the
/// forget gate's bias is 1, Keras' `unit_forget_bias`). The whole sequence runs as one op
/// (`recurrent` in Autograd: one sgemm for the inputs of all steps, one per step for the
/// recurrent weights, fused gate passes, BPTT by hand).
///
/// Output (U), or (T, U) with `returnSequences`; with `returnState` also the final states
/// ([output, h] or, for an LSTM, [output, h, c]). A mask (N, T) in the context (1 = real step)
/// makes padded steps keep the state and repeat the previous output; a layer that returns only
/// its last output consumes the mask. Dropout (on the inputs) and recurrent dropout (on h(t−1)
/// before the recurrent product) draw one mask per sequence, only while training.
/// `bptt = K` truncates backpropagation: the state's gradient is cut at every K-th step
/// (steps 0…K−1, K…2K−1, …, counted from the first step processed).
/// Taps (N, T, U): LSTM `input_gate`, `forget_gate`, `output_gate`, `cell`, `hidden`; GRU
/// `update_gate`, `reset_gate`, `hidden`; SimpleRNN `hidden`.
public final class Recurrent: Layer {
  public var name: String
  public var typeName: String {
    switch cell { case .simple: return "SimpleRNN"; case .lstm: return "LSTM"; case .gru: return "GRU" }
  }
  /// Which cell.
  public let cell: RecurrentCell
  /// Hidden units U.
  public let units: Int
  /// The cell's activation (tanh by default); the gates use the sigmoid.
  public let cellActivation: RecurrentActivation
  /// Output every step (T, U) instead of the last one (U).
  public let returnSequences: Bool
  /// Also output the final states.
  public let returnState: Bool
  /// Fraction of input features dropped (one mask per sequence), while training.
  public let dropout: Float
  /// Fraction of h(t−1) units dropped before the recurrent product (one mask per sequence).
  public let recurrentDropout: Float
  /// Truncated BPTT every K steps; nil: full BPTT.
  public let bptt: Int?
  /// Process the steps from last to first (Keras `go_backwards`, outputs re-aligned with
  /// the inputs as `Bidirectional` does); set by `Bidirectional`.
  var reverse = false
  /// Masked steps output zeros (Keras' `zero_output_for_mask`); set by `Bidirectional` when
  /// it returns sequences.
  var zeroMaskedOutputs = false
  /// Whether optimizers update this layer's weights.
  public var trainable: Bool = true
  /// The weights; nil before `build`.
  public private(set) var kernel: Variable?
  public private(set) var recurrentKernel: Variable?
  public private(set) var bias: Variable?

  /// A recurrent layer of `units` units; `name` empty means auto-named by the model.
  public init(_ cell: RecurrentCell, units: Int, activation: RecurrentActivation = .tanh,
              returnSequences: Bool = false, returnState: Bool = false, dropout: Float = 0,
              recurrentDropout: Float = 0, bptt: Int? = nil, name: String = "") {
    self.cell = cell
    self.units = units
    self.cellActivation = activation
    self.returnSequences = returnSequences
    self.returnState = returnState
    self.dropout = dropout
    self.recurrentDropout = recurrentDropout
    self.bptt = bptt
    self.name = name
  }

  /// A copy with the same settings and no weights.
  func copy(name: String) -> Recurrent {
    Recurrent(cell, units: units, activation: cellActivation, returnSequences: returnSequences,
              returnState: returnState, dropout: dropout, recurrentDropout: recurrentDropout,
              bptt: bptt, name: name)
  }

  /// The most units, time steps or features a recurrent layer takes (32-bit BLAS sizes).
  public static let maxExtent = 1 << 24

  /// (T, F) of a valid input.
  func sequence(_ input: [Int]) throws -> (t: Int, f: Int) {
    guard units >= 1, units <= Recurrent.maxExtent else {
      throw ShapeError("\(name) needs between 1 and \(Recurrent.maxExtent) units, not \(units)")
    }
    guard input.count == 2 else {
      let hint = input.count == 1
        ? "; declare the input as a sequence, e.g. input \(input[0])x1 for \(input[0]) steps of one feature"
        : ""
      throw ShapeError("\(name) needs sequences (None, timesteps, features), but the layer before it gives "
                       + "\(input.kerasBatchShape)\(hint)")
    }
    let (t, f) = (input[0], input[1])
    guard t >= 1, f >= 1, t <= Recurrent.maxExtent, f <= Recurrent.maxExtent else {
      throw ShapeError("\(name) needs between 1 and \(Recurrent.maxExtent) timesteps and features, "
                       + "not \(input.kerasBatchShape)")
    }
    let g = cell.gates * units
    for (what, dims) in [("kernel", [f, g]), ("recurrent kernel", [units, g]), ("steps", [t, g])] {
      guard let p = checkedProduct(dims), p <= Int(Int32.max) else {
        throw ShapeError("\(name) would have a \(what) of \(dims.kerasShape), too large")
      }
    }
    return (t, f)
  }

  public func outputShapes(_ inputs: [[Int]]) throws -> [[Int]] {
    guard inputs.count == 1 else { throw ShapeError("\(name) takes one input but is given \(inputs.count)") }
    let (t, _) = try sequence(inputs[0])
    let out = returnSequences ? [t, units] : [units]
    return [out] + (returnState ? Array(repeating: [units], count: cell.stateCount) : [])
  }

  /// Shapes of the kernel, recurrent kernel and bias.
  func weightShapes(features f: Int) -> [[Int]] {
    let g = cell.gates * units
    return [[f, g], [units, g], cell == .gru ? [2, g] : [g]]
  }

  public func parameterSpecs(_ inputs: [[Int]]) throws -> [ParameterSpec] {
    guard inputs.count == 1 else { throw ShapeError("\(name) takes one input but is given \(inputs.count)") }
    let (_, f) = try sequence(inputs[0])
    let s = weightShapes(features: f)
    return [ParameterSpec(name: "kernel", shape: s[0], trainable: trainable),
            ParameterSpec(name: "recurrent_kernel", shape: s[1], trainable: trainable),
            ParameterSpec(name: "bias", shape: s[2], trainable: trainable)]
  }

  /// Draws the kernel (glorot_uniform), then the recurrent kernel (orthogonal); the bias is
  /// zeros with the LSTM forget gate's part at 1.
  public func build(_ inputs: [[Int]], rng: inout SeededRandom) throws {
    let specs = try parameterSpecs(inputs)
    kernel = Variable(Initializer.glorotUniform.make(specs[0].shape, rng: &rng), requiresGrad: true)
    recurrentKernel = Variable(Initializer.orthogonal.make(specs[1].shape, rng: &rng), requiresGrad: true)
    var b = Tensor.zeros(specs[2].shape)
    if cell == .lstm { for j in units..<(2 * units) { b.data[j] = 1 } }
    bias = Variable(b, requiresGrad: true)
  }

  public var isBuilt: Bool { kernel != nil }

  public var parameters: [Parameter] {
    guard let k = kernel, let r = recurrentKernel, let b = bias else { return [] }
    return [Parameter(name: "kernel", variable: k, trainable: trainable),
            Parameter(name: "recurrent_kernel", variable: r, trainable: trainable),
            Parameter(name: "bias", variable: b, trainable: trainable)]
  }

  public func forward(_ inputs: [Variable], _ context: inout ForwardContext) -> [Variable] {
    let r = run(inputs[0], &context)
    if !returnSequences { context.mask = nil }  // consumed
    return [r.output] + (returnState ? r.states : [])
  }

  /// The op over one batch, with the context's mask, dropout masks and taps (recorded under
  /// `tapLayer`, default this layer's name, each tap name after `tapPrefix`).
  func run(_ x: Variable, _ context: inout ForwardContext, tapLayer: String? = nil,
           tapPrefix: String = "") -> RecurrentResult {
    let tapOwner = tapLayer ?? name
    guard let k = kernel, let rk = recurrentKernel, let b = bias else {
      preconditionFailure("\(name) is not built")
    }
    let (n, t, f) = (x.shape[0], x.shape[1], x.shape[2])
    let mask = context.mask.flatMap { $0.shape == [n, t] ? $0 : nil }
    var input = x
    var rd: Tensor?
    if context.training && dropout > 0 {
      let m = Recurrent.dropoutMask([n, 1, f], rate: dropout, &context.rng)
      input = x * Variable(m)
    }
    if context.training && recurrentDropout > 0 {
      rd = Recurrent.dropoutMask([n, units], rate: recurrentDropout, &context.rng)
    }
    let wantsTaps = context.taps?.wants(tapOwner) ?? false
    let cfg = RecurrentConfig(cell: cell, activation: cellActivation, returnSequences: returnSequences,
                              reverse: reverse, zeroMaskedOutputs: zeroMaskedOutputs, bptt: bptt,
                              keepTrace: wantsTaps)
    let r = recurrent(input, kernel: k, recurrentKernel: rk, bias: b, mask: mask,
                      recurrentDropout: rd, cfg)
    for (tapName, value) in r.trace { context.tap(tapOwner, tapPrefix + tapName, value) }
    return r
  }

  /// An inverted-dropout multiplier: 0 with probability `rate`, else 1 / (1 − rate).
  static func dropoutMask(_ shape: [Int], rate: Float, _ rng: inout SeededRandom) -> Tensor {
    let scale: Float = rate < 1 ? 1 / (1 - rate) : 0
    var m = Tensor.zeros(shape)
    for i in 0..<m.count { m.data[i] = rng.nextUnit() >= rate ? scale : 0 }
    return m
  }

  /// Per sample: 2·T·(F + U)·G·U (the input and recurrent products; gate arithmetic not
  /// counted, as bias adds are not for `Dense`).
  public func flops(_ inputs: [[Int]]) -> Int {
    guard inputs.count == 1, let (t, f) = try? sequence(inputs[0]) else { return 0 }
    let (p, o) = (2 * t).multipliedReportingOverflow(by: (f + units) * cell.gates * units)
    return o ? Int.max : p
  }

  public var config: [String: String] {
    var c = ["units": String(units), "activation": cellActivation.rawValue,
             "recurrent_activation": "sigmoid", "return_sequences": String(returnSequences),
             "return_state": String(returnState), "kernel_initializer": "glorot_uniform",
             "recurrent_initializer": "orthogonal", "bias_initializer": "zeros"]
    if cell == .lstm { c["unit_forget_bias"] = "true" }
    if cell == .gru { c["reset_after"] = "true" }
    if dropout > 0 { c["dropout"] = String(dropout) }
    if recurrentDropout > 0 { c["recurrent_dropout"] = String(recurrentDropout) }
    if let bptt { c["bptt"] = String(bptt) }
    return c
  }
}
