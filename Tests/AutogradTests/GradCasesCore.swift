@testable import Autograd

/// Gradient checks of the ops in Ops/Matmul.swift, Ops/Arithmetic.swift and relu.
extension GradCases {
  static let core: [GradCase] = matmulCases + arithmeticCases + [
    GradCase(op: .relu, label: "(3,5) away from the kink",
             inputs: [testTensor([3, 5]).map { $0 + ($0 >= 0 ? 0.1 : -0.1) }],
             differentiable: [0]) { $0[0].relu() },
  ]

  static let matmulCases: [GradCase] = [
    GradCase(op: .matmul, label: "x·W + bias",
             inputs: [testTensor([3, 5], seed: 1), testTensor([5, 2], seed: 2), testTensor([2], seed: 3)],
             differentiable: [0, 1, 2]) { matmul($0[0], $0[1], bias: $0[2]) },
  ] + [(false, false), (false, true), (true, false), (true, true)]
    .flatMap { ta, tb -> [GradCase] in
      let a = ta ? [5, 3] : [3, 5], b = tb ? [2, 5] : [5, 2]
      let ba = ta ? [2, 5, 3] : [2, 3, 5], bb = tb ? [2, 4, 5] : [2, 5, 4]
      return [
        GradCase(op: .matmul, label: "transA=\(ta) transB=\(tb)",
                 inputs: [testTensor(a, seed: 1), testTensor(b, seed: 2)], differentiable: [0, 1]) {
          matmul($0[0], $0[1], transA: ta, transB: tb)
        },
        GradCase(op: .batchedMatmul, label: "transA=\(ta) transB=\(tb)",
                 inputs: [testTensor(ba, seed: 3), testTensor(bb, seed: 4)], differentiable: [0, 1]) {
          batchedMatmul($0[0], $0[1], transA: ta, transB: tb)
        },
      ]
    }

  static let arithmeticCases: [GradCase] = [
    GradCase(op: .add, label: "(3,4)+(4,)", inputs: [testTensor([3, 4]), testTensor([4], seed: 2)],
             differentiable: [0, 1]) { $0[0] + $0[1] },
    GradCase(op: .add, label: "(2,3,4)+(3,1)", inputs: [testTensor([2, 3, 4]), testTensor([3, 1], seed: 2)],
             differentiable: [0, 1]) { $0[0] + $0[1] },
    GradCase(op: .sub, label: "(3,1)-(1,4)", inputs: [testTensor([3, 1]), testTensor([1, 4], seed: 2)],
             differentiable: [0, 1]) { $0[0] - $0[1] },
    GradCase(op: .mul, label: "(2,3,4)*(3,1)", inputs: [testTensor([2, 3, 4]), testTensor([3, 1], seed: 2)],
             differentiable: [0, 1]) { $0[0] * $0[1] },
    GradCase(op: .mul, label: "(3,5)*scalar", inputs: [testTensor([3, 5])], differentiable: [0]) { $0[0] * 1.7 },
    GradCase(op: .div, label: "(3,4)/(4,)",
             inputs: [testTensor([3, 4]), testTensor([4], seed: 2, lo: 0.5, hi: 2)],
             differentiable: [0, 1]) { $0[0] / $0[1] },
    GradCase(op: .neg, label: "(2,3)", inputs: [testTensor([2, 3])], differentiable: [0]) { -$0[0] },
  ]
}
