import Autograd

/// A decoder's recurrent layer that starts from the encoder's final state: inputs
/// [x (N, T, F), h0 (N, U)] and, for an LSTM, c0 (N, U); output every step (N, T, U). It is
/// the wrapped `Recurrent` layer (same weights, names and Keras layout) run by the same
/// `recurrent` op, given initial states, so the loss's gradient reaches the encoder through
/// them. The decoder's mask (its embedding's padding) makes padded steps keep the state.
public final class Seq2SeqRecurrent: Layer {
  /// The recurrent layer it runs (returns sequences).
  public let inner: Recurrent
  public var name: String {
    get { inner.name }
    set { inner.name = newValue }
  }
  public var typeName: String { inner.typeName }

  /// Wraps `layer`, which must return sequences.
  public init(_ layer: Recurrent) {
    inner = layer
  }

  public func outputShapes(_ inputs: [[Int]]) throws -> [[Int]] {
    try checkStates(inputs)
    return try inner.outputShapes([inputs[0]])
  }

  private func checkStates(_ inputs: [[Int]]) throws {
    let want = inner.cell.stateCount
    guard inputs.count == 1 + want else {
      throw ShapeError("\(name) starts from the encoder's \(want == 2 ? "h and c states" : "state h"): it "
                       + "takes \(1 + want) inputs, not \(inputs.count)")
    }
    for s in inputs.dropFirst() where s != [inner.units] {
      throw ShapeError("\(name) has \(inner.units) units but the encoder's state is \(s.kerasBatchShape); "
                       + "give the encoder's last recurrent layer \(inner.units) units too")
    }
  }

  public func parameterSpecs(_ inputs: [[Int]]) throws -> [ParameterSpec] {
    try checkStates(inputs)
    return try inner.parameterSpecs([inputs[0]])
  }

  public func build(_ inputs: [[Int]], rng: inout SeededRandom) throws {
    try inner.build([inputs[0]], rng: &rng)
  }

  public var isBuilt: Bool { inner.isBuilt }
  public var parameters: [Parameter] { inner.parameters }

  public func forward(_ inputs: [Variable], _ context: inout ForwardContext) -> [Variable] {
    guard let k = inner.kernel, let rk = inner.recurrentKernel, let b = inner.bias else {
      preconditionFailure("\(name) is not built")
    }
    let x = inputs[0]
    let (n, t) = (x.shape[0], x.shape[1])
    let mask = context.mask.flatMap { $0.shape == [n, t] ? $0 : nil }
    var input = x
    if context.training && inner.dropout > 0 {
      input = x * Variable(Recurrent.dropoutMask([n, 1, x.shape[2]], rate: inner.dropout, &context.rng))
    }
    let rd = context.training && inner.recurrentDropout > 0
      ? Recurrent.dropoutMask([n, inner.units], rate: inner.recurrentDropout, &context.rng) : nil
    let cfg = RecurrentConfig(cell: inner.cell, activation: inner.cellActivation, returnSequences: true,
                              bptt: inner.bptt, keepTrace: context.taps?.wants(name) ?? false)
    let r = recurrent(input, kernel: k, recurrentKernel: rk, bias: b, initialStates: Array(inputs.dropFirst()),
                      mask: mask, recurrentDropout: rd, cfg)
    for (tapName, value) in r.trace { context.tap(name, tapName, value) }
    return [r.output]
  }

  public func flops(_ inputs: [[Int]]) -> Int { inner.flops([inputs.first ?? []]) }

  public var config: [String: String] {
    var c = inner.config
    c["initial_state"] = "encoder"
    return c
  }
}
