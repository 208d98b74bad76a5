import Autograd

/// How `Bidirectional` combines its two directions' outputs.
public enum MergeMode: String, Sendable, CaseIterable {
  /// Side by side on the last axis: 2U features.
  case concat
  /// Elementwise sum, product, or mean (U features).
  case sum, mul, ave
}

/// Keras' `Bidirectional`: a forward copy of a recurrent layer reads the sequence first to
/// last, a backward copy last to first (its outputs put back in time order), and their outputs
/// are merged (concat by default). The copies are named as Keras names them, `forward_lstm`
/// and `backward_lstm`, and their weights are the parameters
/// `forward_lstm.kernel`, …, `backward_lstm.bias` of this layer (paths such as
/// `bidirectional_1.forward_lstm.kernel`). The mask (N, T) goes to both (the backward copy
/// reads it in its own order); when sequences are returned, masked steps output zeros in both
/// directions (Keras). Taps are the wrapped layer's, prefixed `forward_` and `backward_`
/// (`forward_hidden`, `backward_forget_gate`, …). With `returnState` the outputs are [merged, forward states…, backward
/// states…].
public final class Bidirectional: Layer {
  public var name: String
  public var typeName: String { "Bidirectional" }
  /// The direction reading first to last.
  public let forwardLayer: Recurrent
  /// The direction reading last to first.
  public let backwardLayer: Recurrent
  /// How the outputs are combined.
  public let merge: MergeMode

  /// Wraps `layer` (its settings; its own weights are not used); `name` empty: auto-named.
  public init(_ layer: Recurrent, merge: MergeMode = .concat, name: String = "") {
    let stem = snakeCase(layer.typeName)
    forwardLayer = layer.copy(name: "forward_" + stem)
    backwardLayer = layer.copy(name: "backward_" + stem)
    backwardLayer.reverse = true
    forwardLayer.zeroMaskedOutputs = layer.returnSequences
    backwardLayer.zeroMaskedOutputs = layer.returnSequences
    self.merge = merge
    self.name = name
  }

  var directions: [Recurrent] { [forwardLayer, backwardLayer] }

  public func outputShapes(_ inputs: [[Int]]) throws -> [[Int]] {
    let f = try forwardLayer.outputShapes(inputs)
    var out = f[0]
    if merge == .concat, let last = out.last { out[out.count - 1] = 2 * last }
    let states = Array(f.dropFirst())
    return [out] + states + states
  }

  public func parameterSpecs(_ inputs: [[Int]]) throws -> [ParameterSpec] {
    try directions.flatMap { d in
      try d.parameterSpecs(inputs).map { ParameterSpec(name: d.name + "." + $0.name, shape: $0.shape,
                                                      trainable: $0.trainable) }
    }
  }

  /// Builds the forward copy, then the backward one.
  public func build(_ inputs: [[Int]], rng: inout SeededRandom) throws {
    for d in directions { try d.build(inputs, rng: &rng) }
  }

  public var isBuilt: Bool { forwardLayer.isBuilt && backwardLayer.isBuilt }

  public var parameters: [Parameter] {
    directions.flatMap { d in
      d.parameters.map { Parameter(name: d.name + "." + $0.name, variable: $0.variable, trainable: $0.trainable) }
    }
  }

  public func forward(_ inputs: [Variable], _ context: inout ForwardContext) -> [Variable] {
    let fw = forwardLayer.run(inputs[0], &context, tapLayer: name, tapPrefix: "forward_")
    let bw = backwardLayer.run(inputs[0], &context, tapLayer: name, tapPrefix: "backward_")
    if !forwardLayer.returnSequences { context.mask = nil }
    let (a, b) = (fw.output, bw.output)
    let merged: Variable
    switch merge {
    case .concat: merged = concat([a, b], axis: -1)
    case .sum: merged = a + b
    case .mul: merged = a * b
    case .ave: merged = (a + b) * 0.5
    }
    return [merged] + (forwardLayer.returnState ? fw.states + bw.states : [])
  }

  public func flops(_ inputs: [[Int]]) -> Int {
    let f = forwardLayer.flops(inputs)
    return f > Int.max / 2 ? Int.max : 2 * f
  }

  public var config: [String: String] {
    var c = forwardLayer.config
    c["merge_mode"] = merge.rawValue
    c["layer"] = forwardLayer.typeName
    return c
  }
}
