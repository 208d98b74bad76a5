@testable import Autograd

/// Gradient checks of the weighted loss ops at the end of Ops/Losses.swift: non-uniform
/// weights (one of them 0) and a custom normalizer.
extension GradCases {
  static let weighted: [GradCase] = {
    let rowWeights = Tensor(shape: [4], data: [1, 2.5, 0, 0.4])
    let labels = Tensor(shape: [4], data: [2, 0, 4, 1])
    let soft = Tensor(shape: [4, 5]) { i in Float((i * 7) % 5 + 1) / 15 }
    let binary = Tensor(shape: [3, 4]) { Float(($0 * 5) % 3 == 0 ? 1 : 0) }
    let elementWeights = Tensor(shape: [12]) { 0.2 + Float(($0 * 3) % 7) / 4 }
    let sampleWeights = Tensor(shape: [3], data: [0.5, 2, 1.25])
    return [
      GradCase(op: .softmaxCrossEntropy, label: "weighted (4,5) labels, normalizer 3",
               inputs: [testTensor([4, 5], lo: -3, hi: 3), labels], differentiable: [0]) {
        softmaxCrossEntropy(logits: $0[0], labels: $0[1].value, weights: rowWeights, normalizer: 3)
      },
      GradCase(op: .softmaxCrossEntropy, label: "weighted (4,5) labels, default normalizer",
               inputs: [testTensor([4, 5], seed: 5, lo: -3, hi: 3), labels], differentiable: [0]) {
        softmaxCrossEntropy(logits: $0[0], labels: $0[1].value, weights: rowWeights)
      },
      GradCase(op: .softmaxCrossEntropyOneHot, label: "weighted (4,5) soft targets, normalizer 2.5",
               inputs: [testTensor([4, 5], seed: 6, lo: -3, hi: 3), soft], differentiable: [0]) {
        softmaxCrossEntropy(logits: $0[0], targets: $0[1].value, weights: rowWeights, normalizer: 2.5)
      },
      GradCase(op: .bceWithLogits, label: "weighted (3,4) per element, normalizer 7",
               inputs: [testTensor([3, 4], seed: 7, lo: -4, hi: 4), binary], differentiable: [0]) {
        binaryCrossEntropy(logits: $0[0], targets: $0[1].value, weights: elementWeights, normalizer: 7)
      },
      GradCase(op: .bceWithLogits, label: "weighted (3,4) per sample",
               inputs: [testTensor([3, 4], seed: 8, lo: -4, hi: 4), binary], differentiable: [0]) {
        binaryCrossEntropy(logits: $0[0], targets: $0[1].value, weights: sampleWeights, normalizer: 5)
      },
      GradCase(op: .bce, label: "weighted (3,4) probabilities per sample, normalizer 4",
               inputs: [testTensor([3, 4], seed: 9, lo: 0.1, hi: 0.9), binary], differentiable: [0]) {
        binaryCrossEntropy(probabilities: $0[0], targets: $0[1].value, weights: sampleWeights,
                           normalizer: 4)
      },
      GradCase(op: .mse, label: "weighted regression (3,4) per sample, normalizer 6",
               inputs: [testTensor([3, 4], seed: 10), testTensor([3, 4], seed: 11)], differentiable: [0]) {
        weightedRegressionLoss($0[0], $0[1].value, weights: sampleWeights, normalizer: 6, absolute: false)
      },
      GradCase(op: .mae, label: "weighted absolute (3,4) per element, away from equality",
               inputs: [awayFrom(testTensor([3, 4], seed: 12), [0]), Tensor.zeros([3, 4])],
               differentiable: [0]) {
        weightedRegressionLoss($0[0], $0[1].value, weights: elementWeights, normalizer: 9, absolute: true)
      },
    ]
  }()
}
