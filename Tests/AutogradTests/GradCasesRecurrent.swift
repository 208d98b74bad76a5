@testable import Autograd

/// Gradient checks of Ops/Recurrent.swift: each cell through time, with initial states, a mask
/// (padding at the end and a hole inside), truncated BPTT, reversed processing and a
/// recurrent-dropout multiplier. The checked value joins the output and the final states, so
/// the gradients reaching the op through each of them are checked. Truncated BPTT is checked
/// in RecurrentOpTests.swift (finite differences cannot see a detached state: they are taken
/// of the same computation run chunk by chunk from constant states).
extension GradCases {
  static let recurrentCases: [GradCase] = RecurrentCell.allCases.flatMap { cell in
    [
      recurrentCase(cell, "full BPTT, sequences", RecurrentConfig(cell: cell, returnSequences: true)),
      recurrentCase(cell, "last output, initial states", RecurrentConfig(cell: cell), initial: true),
      recurrentCase(cell, "mask, sequences", RecurrentConfig(cell: cell, returnSequences: true), mask: true),
      recurrentCase(cell, "mask, reversed, zero masked outputs",
                    RecurrentConfig(cell: cell, returnSequences: true, reverse: true, zeroMaskedOutputs: true),
                    mask: true, initial: true),
      recurrentCase(cell, "recurrent dropout, sigmoid activation",
                    RecurrentConfig(cell: cell, activation: .sigmoid, returnSequences: true), dropout: true),
    ]
  }

  /// (N, T, F, U) of every recurrent case.
  static let recurrentSizes = (n: 2, t: 5, f: 3, u: 3)

  static func recurrentCase(_ cell: RecurrentCell, _ label: String, _ cfg: RecurrentConfig,
                            mask: Bool = false, initial: Bool = false, dropout: Bool = false) -> GradCase {
    let (n, t, f, u) = recurrentSizes
    let (inputs, m, rd) = recurrentInputs(cell, mask: mask, initial: initial, dropout: dropout)
    let states = initial ? cell.stateCount : 0
    return GradCase(op: cell.op, label: "\(cell.rawValue) \(label)", inputs: inputs,
                    differentiable: Array(0..<inputs.count)) { v in
      let r = recurrent(v[0], kernel: v[1], recurrentKernel: v[2], bias: v[3],
                        initialStates: Array(v[4..<(4 + states)]), mask: m, recurrentDropout: rd, cfg)
      return joined(r, n: n, t: t, u: u)
    }
  }

  /// The output and the final states as one (N, ·) tensor.
  static func joined(_ r: RecurrentResult, n: Int, t: Int, u: Int) -> Variable {
    concat(([r.output] + r.states).map { $0.reshaped([n, -1]) }, axis: 1)
  }

  /// x, W, R, b (and h0, c0), the mask and the recurrent-dropout multiplier of a case.
  static func recurrentInputs(_ cell: RecurrentCell, mask: Bool, initial: Bool, dropout: Bool)
    -> ([Tensor], Tensor?, Tensor?) {
    let (n, t, f, u) = recurrentSizes
    let g = cell.gates * u
    var inputs = [testTensor([n, t, f], seed: 31), testTensor([f, g], seed: 32, lo: -0.6, hi: 0.6),
                  testTensor([u, g], seed: 33, lo: -0.6, hi: 0.6),
                  testTensor(cell == .gru ? [2, g] : [g], seed: 34, lo: -0.5, hi: 0.5)]
    if initial {
      for k in 0..<cell.stateCount { inputs.append(testTensor([n, u], seed: 35 + k, lo: -0.8, hi: 0.8)) }
    }
    // Sample 0 is padded at the end; sample 1 has a masked step inside.
    let m: Tensor? = mask ? Tensor(shape: [n, t], data: [1, 1, 1, 0, 0, 1, 0, 1, 1, 1]) : nil
    let rd: Tensor? = dropout ? Tensor(shape: [n, u], data: [2, 0, 2, 0, 2, 2]) : nil
    return (inputs, m, rd)
  }
}
