@testable import Autograd

/// Gradient checks of Ops/Attention.swift: Luong's dot-product and Bahdanau's additive
/// attention, each from the query, keys/values and weights to the combined output
/// tanh([c; h]·Wc), with and without a key mask (sample 1 has two padded source steps). The
/// checked value joins the output and the attention weights, so the gradient reaching the
/// inputs through both is checked.
extension GradCases {
  static let attentionCases: [GradCase] = [false, true].flatMap { masked in
    [dotAttentionCase(masked: masked), additiveAttentionCase(masked: masked)]
  }

  /// (N, Tq, Tk, D) of every attention case.
  static let attentionSizes = (n: 2, tq: 3, tk: 4, d: 3)

  static let attentionMask = Tensor(shape: [2, 4], data: [1, 1, 1, 1, 1, 1, 0, 0])

  static func dotAttentionCase(masked: Bool) -> GradCase {
    let (n, tq, tk, d) = attentionSizes
    let mask = masked ? attentionMask : nil
    let inputs = [testTensor([n, tq, d], seed: 61), testTensor([n, tk, d], seed: 62),
                  testTensor([2 * d, d], seed: 63, lo: -0.7, hi: 0.7)]
    return GradCase(op: .batchedMatmul, label: "Luong dot attention\(masked ? ", key mask" : "")",
                    inputs: inputs, differentiable: [0, 1, 2]) { v in
      let w = attentionWeights(dotAttentionScores(v[0], v[1]), keyMask: mask)
      let out = luongCombine(context: attentionContext(w, v[1]), query: v[0], wc: v[2])
      return concat([out.reshaped([n, -1]), w.reshaped([n, -1])], axis: 1)
    }
  }

  static func additiveAttentionCase(masked: Bool) -> GradCase {
    let (n, tq, tk, d) = attentionSizes
    let a = 2, dk = 2
    let mask = masked ? attentionMask : nil
    let inputs = [testTensor([n, tq, d], seed: 71), testTensor([n, tk, dk], seed: 72),
                  testTensor([d, a], seed: 73, lo: -0.8, hi: 0.8), testTensor([dk, a], seed: 74, lo: -0.8, hi: 0.8),
                  testTensor([a], seed: 75, lo: -0.8, hi: 0.8), testTensor([dk + d, d], seed: 76, lo: -0.7, hi: 0.7)]
    return GradCase(op: .batchedMatmul, label: "Bahdanau additive attention\(masked ? ", key mask" : "")",
                    inputs: inputs, differentiable: Array(0..<6)) { v in
      let s = additiveAttentionScores(v[0], v[1], wq: v[2], wk: v[3], v: v[4])
      let w = attentionWeights(s, keyMask: mask)
      let out = luongCombine(context: attentionContext(w, v[1]), query: v[0], wc: v[5])
      return concat([out.reshaped([n, -1]), w.reshaped([n, -1])], axis: 1)
    }
  }
}
