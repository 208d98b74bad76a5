@testable import Autograd

/// Gradient checks of Ops/Shape.swift, Ops/Gather.swift, Ops/Conv.swift, Ops/Pool.swift,
/// Ops/Dropout.swift and Ops/BatchNorm.swift.
extension GradCases {
  static let layers: [GradCase] = shapeCases + gatherCases + convCases + convReluCases
    + poolCases + dropoutCases + batchNormCases

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
    // An embedding's (N, T) token ids, id 0 (padding) included, into a (6, 4) table.
    GradCase(op: .gather, label: "(6,4) table, token ids (3,4) as an embedding reads them",
             inputs: [testTensor([6, 4]), Tensor(shape: [3, 4], data: [1, 5, 0, 0, 3, 3, 2, 0, 5, 4, 1, 0])],
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
    GradCase(op: .conv2d, label: "x (2,5,6,1) k (3,3,1,4) stride 1 same (one channel: colsT)",
             inputs: [testTensor([2, 5, 6, 1], seed: 15), testTensor([3, 3, 1, 4], seed: 16, lo: -0.5, hi: 0.5),
                      testTensor([4], seed: 17)],
             differentiable: [0, 1, 2]) {
      conv2d($0[0], kernel: $0[1], bias: $0[2], stride: 1, padding: .same)
    },
    GradCase(op: .conv2d, label: "x (1,7,6,1) k (3,2,1,3) stride 2 valid (one channel, strided)",
             inputs: [testTensor([1, 7, 6, 1], seed: 18), testTensor([3, 2, 1, 3], seed: 19, lo: -0.5, hi: 0.5),
                      testTensor([3], seed: 20)],
             differentiable: [0, 1, 2]) {
      conv2d($0[0], kernel: $0[1], bias: $0[2], stride: 2, padding: .valid)
    },
    GradCase(op: .conv2d, label: "x (1,4,4,5) k (2,2,5,12) stride 1 same (SIMD bias pass)",
             inputs: [testTensor([1, 4, 4, 5], seed: 12), testTensor([2, 2, 5, 12], seed: 13, lo: -0.5, hi: 0.5),
                      testTensor([12], seed: 14)],
             differentiable: [0, 1, 2]) {
      conv2d($0[0], kernel: $0[1], bias: $0[2], stride: 1, padding: .same)
    },
    GradCase(op: .conv2d, label: "x (1,5,4,2) k (2,3,2,3) stride 2 same, no bias",
             inputs: [testTensor([1, 5, 4, 2]), testTensor([2, 3, 2, 3], seed: 2, lo: -0.5, hi: 0.5)],
             differentiable: [0, 1]) {
      conv2d($0[0], kernel: $0[1], bias: nil, stride: 2, padding: .same)
    },
  ]

  /// One fused conv2d + relu check: x, kernel and (when there are three inputs) bias, and the
  /// attributes (the kink test in ConvFusedTests reads them too).
  struct ConvReluConfig: Sendable {
    var label: String
    var inputs: [Tensor]
    var stride: Int
    var padding: Padding
  }

  /// Eight or more filters run the epilogues' SIMD blocks (16: blocks only; 10: a block and a
  /// scalar tail); 4 filters the scalar tail alone; the 1×1 kernel skips im2col.
  static let convReluConfigs: [ConvReluConfig] = [
    ConvReluConfig(label: "x (2,5,6,3) k (3,3,3,4) stride 1 same",
                   inputs: [testTensor([2, 5, 6, 3]), testTensor([3, 3, 3, 4], seed: 2, lo: -0.5, hi: 0.5),
                            testTensor([4], seed: 3)], stride: 1, padding: .same),
    ConvReluConfig(label: "x (2,4,5,9) k (3,3,9,16) stride 2 valid",
                   inputs: [testTensor([2, 4, 5, 9], seed: 20), testTensor([3, 3, 9, 16], seed: 120, lo: -0.5, hi: 0.5),
                            testTensor([16], seed: 220)], stride: 2, padding: .valid),
    ConvReluConfig(label: "x (2,3,4,8) k (1,1,8,10) (no im2col)",
                   inputs: [testTensor([2, 3, 4, 8], seed: 7), testTensor([1, 1, 8, 10], seed: 8, lo: -0.5, hi: 0.5),
                            testTensor([10], seed: 9)], stride: 1, padding: .valid),
    // No bias: the mask pass without column sums.
    ConvReluConfig(label: "x (1,5,4,2) k (2,3,2,9) stride 2 same, no bias",
                   inputs: [testTensor([1, 5, 4, 2], seed: 10), testTensor([2, 3, 2, 9], seed: 11, lo: -0.5, hi: 0.5)],
                   stride: 2, padding: .same),
  ]

  static let convReluCases: [GradCase] = convReluConfigs.map { cfg in
    GradCase(op: .conv2dRelu, label: cfg.label, inputs: cfg.inputs,
             differentiable: Array(cfg.inputs.indices)) {
      conv2d($0[0], kernel: $0[1], bias: $0.count > 2 ? $0[2] : nil, stride: cfg.stride,
             padding: cfg.padding, activation: .relu)
    }
  }

  static let poolCases: [GradCase] = {
    // 3 channels: the scalar loops; 11: one SIMD block of 8 and a tail of 3.
    let xs = [distinctTensor([2, 5, 5, 3], seed: 11), distinctTensor([2, 5, 5, 11], seed: 12)]
    var cases: [GradCase] = []
    for (kind, op) in [(PoolKind.max, OpKind.maxPool2d), (.min, .minPool2d), (.average, .avgPool2d)] {
      for x in xs {
        let c = x.shape[3]
        // Stride = size: disjoint windows (the backward writing the whole gradient); size 3 with
        // stride 2: overlapping ones (the accumulating backward); size 2, stride 3: gaps.
        for (size, stride, padding) in [(2, 2, Padding.valid), (3, 2, .valid), (2, 2, .same),
                                        (3, 2, .same), (3, 3, .valid), (2, 3, .valid)] {
          cases.append(GradCase(op: op, label: "(2,5,5,\(c)) size \(size) stride \(stride) \(padding)",
                                inputs: [x], differentiable: [0]) {
            pool2d($0[0], kind: kind, size: size, stride: stride, padding: padding)
          })
        }
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
  } + [
    // A (2, 3) sequence mask over (2, 3, 4): statistics from the four real steps only.
    GradCase(op: .batchNorm, label: "training (2,3,4) masked rows",
             inputs: [testTensor([2, 3, 4]), testTensor([4], seed: 2, lo: 0.5, hi: 1.5),
                      testTensor([4], seed: 3)],
             differentiable: [0, 1, 2]) {
      batchNorm($0[0], gamma: $0[1], beta: $0[2], state: BatchNormState(features: 4),
                training: true, rowWeights: [1, 1, 0, 1, 0, 1])
    },
  ]
}
