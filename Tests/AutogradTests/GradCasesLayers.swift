@testable import Autograd

/// Gradient checks of Ops/Shape.swift, Ops/Gather.swift, Ops/Conv.swift, Ops/Pool.swift,
/// Ops/Dropout.swift and Ops/BatchNorm.swift.
extension GradCases {
  static let layers: [GradCase] = shapeCases + gatherCases + convCases + poolCases
    + dropoutCases + batchNormCases

  static let shapeCases: [GradCase] = [
    GradCase(op: .reshape, label: "(2,3,4) → [4,-1]", inputs: [testTensor([2, 3, 4])],
             differentiable: [0]) { $0[0].reshaped([4, -1]) },
    GradCase(op: .permute, label: "(2,3,4) perm [2,0,1]", inputs: [testTensor([2, 3, 4])],
             differentiable: [0]) { $0[0].permuted([2, 0, 1]) },
    GradCase(op: .permute, label: "transposed (3,5)", inputs: [testTensor([3, 5])],
             differentiable: [0]) { $0[0].transposed() },
    GradCase(op: .slice, label: "(3,5,4) axis 1, 1..<4", inputs: [testTensor([3, 5, 4])],
             differentiable: [0]) { $0[0].slice(axis: 1, 1..<4) },
    GradCase(op: .slice, label: "(4,3) axis -1, 2..<3", inputs: [testTensor([4, 3])],
             differentiable: [0]) { $0[0].slice(axis: -1, 2..<3) },
    GradCase(op: .concat, label: "(2,3,4) ++ (2,2,4) axis 1",
             inputs: [testTensor([2, 3, 4]), testTensor([2, 2, 4], seed: 2)],
             differentiable: [0, 1]) { concat([$0[0], $0[1]], axis: 1) },
    GradCase(op: .stack, label: "2 × (3,4) axis 1",
             inputs: [testTensor([3, 4]), testTensor([3, 4], seed: 2)],
             differentiable: [0, 1]) { stack([$0[0], $0[1]], axis: 1) },
    GradCase(op: .pad, label: "(2,3,4) pads (1,0),(0,2),(1,1)", inputs: [testTensor([2, 3, 4])],
             differentiable: [0]) { $0[0].padded([(1, 0), (0, 2), (1, 1)]) },
  ]

  static let gatherCases: [GradCase] = [
    // Index 2 is used twice; rows 1 and 3 are never used.
    GradCase(op: .gather, label: "(5,3) table, indices (2,2) with a repeat",
             inputs: [testTensor([5, 3]), Tensor(shape: [2, 2], data: [0, 2, 2, 4])],
             differentiable: [0]) { gather($0[0], indices: $0[1].value) },
  ]

  static let convCases: [GradCase] = [
    GradCase(op: .conv2d, label: "x (2,5,6,3) k (3,3,3,4) stride 1 same",
             inputs: [testTensor([2, 5, 6, 3]), testTensor([3, 3, 3, 4], seed: 2, lo: -0.5, hi: 0.5),
                      testTensor([4], seed: 3)],
             differentiable: [0, 1, 2]) {
      conv2d($0[0], kernel: $0[1], bias: $0[2], stride: 1, padding: .same)
    },
    GradCase(op: .conv2d, label: "x (2,5,6,3) k (3,3,3,4) stride 2 valid",
             inputs: [testTensor([2, 5, 6, 3]), testTensor([3, 3, 3, 4], seed: 2, lo: -0.5, hi: 0.5),
                      testTensor([4], seed: 3)],
             differentiable: [0, 1, 2]) {
      conv2d($0[0], kernel: $0[1], bias: $0[2], stride: 2, padding: .valid)
    },
    GradCase(op: .conv2d, label: "x (2,4,5,3) k (1,1,3,4) (no im2col)",
             inputs: [testTensor([2, 4, 5, 3]), testTensor([1, 1, 3, 4], seed: 2, lo: -0.5, hi: 0.5),
                      testTensor([4], seed: 3)],
             differentiable: [0, 1, 2]) {
      conv2d($0[0], kernel: $0[1], bias: $0[2])
    },
    GradCase(op: .conv2d, label: "x (1,5,4,2) k (2,3,2,3) stride 2 same, no bias",
             inputs: [testTensor([1, 5, 4, 2]), testTensor([2, 3, 2, 3], seed: 2, lo: -0.5, hi: 0.5)],
             differentiable: [0, 1]) {
      conv2d($0[0], kernel: $0[1], bias: nil, stride: 2, padding: .same)
    },
  ]

  static let poolCases: [GradCase] = {
    let x = distinctTensor([2, 5, 5, 3], seed: 11)
    var cases: [GradCase] = []
    for (kind, op) in [(PoolKind.max, OpKind.maxPool2d), (.min, .minPool2d), (.average, .avgPool2d)] {
      for (size, stride, padding) in [(2, 2, Padding.valid), (3, 2, .valid), (2, 2, .same), (3, 2, .same)] {
        cases.append(GradCase(op: op, label: "(2,5,5,3) size \(size) stride \(stride) \(padding)",
                              inputs: [x], differentiable: [0]) {
          pool2d($0[0], kind: kind, size: size, stride: stride, padding: padding)
        })
      }
    }
    return cases
  }()

  static let dropoutCases: [GradCase] = [
    // The rng is created inside the closure with a constant seed: every evaluation draws the
    // same mask, so the finite differences see one fixed linear map.
    GradCase(op: .dropout, label: "(4,5) rate 0.3 training", inputs: [testTensor([4, 5])],
             differentiable: [0]) {
      var rng = SeededRandom(seed: 42)
      return dropout($0[0], rate: 0.3, training: true, rng: &rng)
    },
  ]

  static let batchNormCases: [GradCase] = [
    (label: "(6,4)", shape: [6, 4]), (label: "NHWC (2,3,3,4)", shape: [2, 3, 3, 4]),
  ].map { c in
    // A fresh state per evaluation: every call starts from the same running statistics.
    GradCase(op: .batchNorm, label: "training \(c.label)",
             inputs: [testTensor(c.shape), testTensor([4], seed: 2, lo: 0.5, hi: 1.5),
                      testTensor([4], seed: 3)],
             differentiable: [0, 1, 2]) {
      batchNorm($0[0], gamma: $0[1], beta: $0[2], state: BatchNormState(features: 4), training: true)
    }
  }
}
