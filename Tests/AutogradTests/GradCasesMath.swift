@testable import Autograd

/// Gradient checks of Ops/Unary.swift, Ops/Activations.swift, Ops/Reductions.swift and
/// Ops/Losses.swift.
extension GradCases {
  static let math: [GradCase] = unaryCases + activationCases + reductionCases + lossCases

  static let unaryCases: [GradCase] = [
    GradCase(op: .pow, label: "(3,5)^2", inputs: [testTensor([3, 5])], differentiable: [0]) { $0[0].pow(2) },
    GradCase(op: .pow, label: "(2,3,4)^3", inputs: [testTensor([2, 3, 4])], differentiable: [0]) { $0[0].pow(3) },
    GradCase(op: .pow, label: "(3,5)^0.5 positive", inputs: [testTensor([3, 5], lo: 0.5, hi: 2)],
             differentiable: [0]) { $0[0].pow(0.5) },
    GradCase(op: .pow, label: "(3,5)^-1.5 positive", inputs: [testTensor([3, 5], lo: 0.5, hi: 2)],
             differentiable: [0]) { $0[0].pow(-1.5) },
    GradCase(op: .sqrt, label: "(3,5) positive", inputs: [testTensor([3, 5], lo: 0.3, hi: 2)],
             differentiable: [0]) { $0[0].sqrt() },
    GradCase(op: .exp, label: "(2,3,4)", inputs: [testTensor([2, 3, 4])], differentiable: [0]) { $0[0].exp() },
    GradCase(op: .log, label: "(3,5) positive", inputs: [testTensor([3, 5], lo: 0.3, hi: 2)],
             differentiable: [0]) { $0[0].log() },
    GradCase(op: .abs, label: "(3,5) away from 0", inputs: [awayFrom(testTensor([3, 5]), [0])],
             differentiable: [0]) { $0[0].abs() },
    GradCase(op: .clamp, label: "(3,5) to [-0.5, 0.7] away from the bounds",
             inputs: [awayFrom(testTensor([3, 5]), [-0.5, 0.7])], differentiable: [0]) { $0[0].clamp(-0.5, 0.7) },
  ]

  static let activationCases: [GradCase] = [
    GradCase(op: .leakyRelu, label: "(3,5) alpha 0.3", inputs: [awayFrom(testTensor([3, 5]), [0])],
             differentiable: [0]) { $0[0].leakyRelu() },
    GradCase(op: .leakyRelu, label: "(2,3,4) alpha 0.01", inputs: [awayFrom(testTensor([2, 3, 4]), [0])],
             differentiable: [0]) { $0[0].leakyRelu(alpha: 0.01) },
    GradCase(op: .sigmoid, label: "(3,5) in [-6, 6]", inputs: [testTensor([3, 5], lo: -6, hi: 6)],
             differentiable: [0]) { $0[0].sigmoid() },
    GradCase(op: .tanh, label: "(2,3,4)", inputs: [testTensor([2, 3, 4], lo: -2, hi: 2)],
             differentiable: [0]) { $0[0].tanh() },
    GradCase(op: .softmax, label: "(3,5)", inputs: [testTensor([3, 5], lo: -3, hi: 3)],
             differentiable: [0]) { $0[0].softmax() },
    GradCase(op: .softmax, label: "(2,3,4)", inputs: [testTensor([2, 3, 4], lo: -3, hi: 3)],
             differentiable: [0]) { $0[0].softmax() },
    GradCase(op: .logSoftmax, label: "(3,5)", inputs: [testTensor([3, 5], lo: -3, hi: 3)],
             differentiable: [0]) { $0[0].logSoftmax() },
    GradCase(op: .logSoftmax, label: "(2,3,4)", inputs: [testTensor([2, 3, 4], lo: -3, hi: 3)],
             differentiable: [0]) { $0[0].logSoftmax() },
  ]

  static let reductionCases: [GradCase] = {
    let x = testTensor([2, 3, 4])
    let distinct = distinctTensor([2, 3, 4])
    let settings: [(String, [Int]?, Bool)] = [
      ("axes [1]", [1], false), ("axes [0,2] keepDims", [0, 2], true), ("all axes", nil, false),
      ("all axes keepDims", nil, true), ("axes [-1]", [-1], false),
    ]
    return settings.flatMap { label, axes, keep -> [GradCase] in [
      GradCase(op: .sum, label: "(2,3,4) \(label)", inputs: [x], differentiable: [0]) {
        $0[0].sum(axes: axes, keepDims: keep)
      },
      GradCase(op: .mean, label: "(2,3,4) \(label)", inputs: [x], differentiable: [0]) {
        $0[0].mean(axes: axes, keepDims: keep)
      },
      GradCase(op: .max, label: "(2,3,4) \(label), no ties", inputs: [distinct], differentiable: [0]) {
        $0[0].max(axes: axes, keepDims: keep)
      },
    ] } + [
      GradCase(op: .sum, label: "(3,5) axes [0]", inputs: [testTensor([3, 5])], differentiable: [0]) {
        $0[0].sum(axes: [0])
      },
    ]
  }()

  static let lossCases: [GradCase] = {
    let labels = Tensor(shape: [5], data: [2, 0, 3, 1, 3])
    var oneHot = Tensor.zeros([5, 4])
    for (r, l) in labels.data.enumerated() { oneHot.data[r * 4 + Int(l)] = 1 }
    // Soft targets: positive rows summing to 1.
    var soft = testTensor([5, 4], seed: 7, lo: 0.1, hi: 1)
    for r in 0..<5 {
      let s = (0..<4).reduce(Float(0)) { $0 + soft.data[r * 4 + $1] }
      for j in 0..<4 { soft.data[r * 4 + j] /= s }
    }
    let binary = Tensor(shape: [3, 5]) { Float($0 * 7 % 3 == 0 ? 1 : 0) }
    let softBinary = testTensor([3, 5], seed: 8, lo: 0, hi: 1)
    // Probabilities inside (0, 1), and a copy with a few entries outside [ε, 1−ε] (no gradient).
    let probs = testTensor([3, 5], seed: 9, lo: 0.05, hi: 0.95)
    var clipped = probs
    clipped.data[1] = -0.3; clipped.data[6] = 1.4; clipped.data[12] = -0.2
    let prediction = testTensor([3, 5], seed: 10), target = testTensor([3, 5], seed: 11)
    // MAE: keep |p − t| away from 0.
    let apart = zipMap(prediction, target) { p, t in Swift.abs(p - t) < 0.05 ? t + 0.1 : p }
    return [
      GradCase(op: .softmaxCrossEntropy, label: "(5,4) labels",
               inputs: [testTensor([5, 4], lo: -3, hi: 3), labels], differentiable: [0]) {
        softmaxCrossEntropy(logits: $0[0], labels: $0[1].value)
      },
      GradCase(op: .softmaxCrossEntropyOneHot, label: "(5,4) one-hot",
               inputs: [testTensor([5, 4], lo: -3, hi: 3), oneHot], differentiable: [0]) {
        softmaxCrossEntropy(logits: $0[0], targets: $0[1].value)
      },
      GradCase(op: .softmaxCrossEntropyOneHot, label: "(5,4) soft targets",
               inputs: [testTensor([5, 4], seed: 3, lo: -3, hi: 3), soft], differentiable: [0]) {
        softmaxCrossEntropy(logits: $0[0], targets: $0[1].value)
      },
      GradCase(op: .bceWithLogits, label: "(3,5) binary targets",
               inputs: [testTensor([3, 5], lo: -4, hi: 4), binary], differentiable: [0]) {
        binaryCrossEntropy(logits: $0[0], targets: $0[1].value)
      },
      GradCase(op: .bceWithLogits, label: "(3,5) soft targets",
               inputs: [testTensor([3, 5], seed: 2, lo: -4, hi: 4), softBinary], differentiable: [0]) {
        binaryCrossEntropy(logits: $0[0], targets: $0[1].value)
      },
      GradCase(op: .bce, label: "(3,5) binary targets", inputs: [probs, binary], differentiable: [0]) {
        binaryCrossEntropy(probabilities: $0[0], targets: $0[1].value)
      },
      GradCase(op: .bce, label: "(3,5) soft targets, some clipped", inputs: [clipped, softBinary],
               differentiable: [0]) {
        binaryCrossEntropy(probabilities: $0[0], targets: $0[1].value)
      },
      GradCase(op: .mse, label: "(3,5)", inputs: [prediction, target], differentiable: [0, 1]) {
        meanSquaredError($0[0], $0[1])
      },
      GradCase(op: .mse, label: "(2,3,4) constant target",
               inputs: [testTensor([2, 3, 4], seed: 12), testTensor([2, 3, 4], seed: 13)], differentiable: [0]) {
        meanSquaredError($0[0], $0[1])
      },
      GradCase(op: .mae, label: "(3,5) away from equality", inputs: [apart, target], differentiable: [0, 1]) {
        meanAbsoluteError($0[0], $0[1])
      },
    ]
  }()
}

/// `t` with every element within 0.05 of a kink moved 0.1 away from it.
func awayFrom(_ t: Tensor, _ kinks: [Float]) -> Tensor {
  t.map { v in
    for k in kinks where Swift.abs(v - k) < 0.05 { return v < k ? k - 0.1 : k + 0.1 }
    return v
  }
}
