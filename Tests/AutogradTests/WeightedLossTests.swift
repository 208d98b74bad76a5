import Foundation
import Testing
@testable import Autograd

/// Values of the weighted loss ops (Ops/Losses.swift): equal to the unweighted ops with unit
/// weights, and hand-computed examples with weights [1, 2, 0.5].
@Suite("Weighted loss values")
struct WeightedLossTests {
  let w3 = Tensor(shape: [3], data: [1, 2, 0.5])
  let ones3 = Tensor(shape: [3], data: [1, 1, 1])

  func near(_ a: Float, _ b: Double, _ tol: Double = 1e-5) -> Bool {
    abs(Double(a) - b) <= tol * max(1, abs(b))
  }

  @Test("unit weights and no normalizer equal the unweighted ops")
  func unitWeightsEqualUnweighted() {
    let logits = testTensor([3, 5], seed: 21, lo: -3, hi: 3)
    let labels = Tensor(shape: [3], data: [4, 0, 2])
    let soft = Tensor(shape: [3, 5]) { Float(($0 * 3) % 5 + 1) / 15 }
    let bin = Tensor(shape: [3, 5]) { Float($0 % 3 == 0 ? 1 : 0) }
    let probs = testTensor([3, 5], seed: 22, lo: 0.05, hi: 0.95)
    let target = testTensor([3, 5], seed: 23)
    let ones15 = Tensor(repeating: 1, shape: [15])
    withoutGrad {
      let l = Variable(logits), p = Variable(probs)
      let pairs: [(String, Float, Float)] = [
        ("sce labels", softmaxCrossEntropy(logits: l, labels: labels, weights: ones3).value.scalar,
         softmaxCrossEntropy(logits: l, labels: labels).value.scalar),
        ("sce targets", softmaxCrossEntropy(logits: l, targets: soft, weights: ones3).value.scalar,
         softmaxCrossEntropy(logits: l, targets: soft).value.scalar),
        ("bce logits", binaryCrossEntropy(logits: l, targets: bin, weights: ones15).value.scalar,
         binaryCrossEntropy(logits: l, targets: bin).value.scalar),
        ("bce logits per row", binaryCrossEntropy(logits: l, targets: bin, weights: ones3).value.scalar,
         binaryCrossEntropy(logits: l, targets: bin).value.scalar),
        ("bce probabilities", binaryCrossEntropy(probabilities: p, targets: bin, weights: ones3).value.scalar,
         binaryCrossEntropy(probabilities: p, targets: bin).value.scalar),
        ("mse", weightedRegressionLoss(l, target, weights: ones3, absolute: false).value.scalar,
         meanSquaredError(l, Variable(target)).value.scalar),
        ("mae", weightedRegressionLoss(l, target, weights: ones15, absolute: true).value.scalar,
         meanAbsoluteError(l, Variable(target)).value.scalar),
      ]
      for (name, weighted, plain) in pairs {
        #expect(abs(weighted - plain) <= 1e-5 * max(1, abs(plain)), "\(name): \(weighted) vs \(plain)")
      }
    }
  }

  @Test("softmax cross-entropy with labels, weights [1, 2, 0.5]")
  func sparseByHand() {
    // Row losses: [0,0]→ln 2; [ln 3, 0] label 1 → ln 4; [0, ln 3] label 1 → ln(4/3).
    let l3 = Float(log(3.0))
    let logits = Variable(Tensor(shape: [3, 2], data: [0, 0, l3, 0, 0, l3]))
    let labels = Tensor(shape: [3], data: [0, 1, 1])
    let sum = log(2.0) + 2 * log(4.0) + 0.5 * log(4.0 / 3)
    let v = withoutGrad { softmaxCrossEntropy(logits: logits, labels: labels, weights: w3).value.scalar }
    #expect(near(v, sum / 3))
    let n = withoutGrad {
      softmaxCrossEntropy(logits: logits, labels: labels, weights: w3, normalizer: 3.5).value.scalar
    }
    #expect(near(n, sum / 3.5))
  }

  @Test("softmax cross-entropy with one-hot targets, weights [1, 2, 0.5]")
  func oneHotByHand() {
    let l3 = Float(log(3.0))
    let logits = Variable(Tensor(shape: [3, 2], data: [0, 0, l3, 0, 0, l3]))
    let targets = Tensor(shape: [3, 2], data: [1, 0, 0, 1, 0, 1])
    let sum = log(2.0) + 2 * log(4.0) + 0.5 * log(4.0 / 3)
    let v = withoutGrad { softmaxCrossEntropy(logits: logits, targets: targets, weights: w3).value.scalar }
    #expect(near(v, sum / 3))
    let n = withoutGrad {
      softmaxCrossEntropy(logits: logits, targets: targets, weights: w3, normalizer: 2).value.scalar
    }
    #expect(near(n, sum / 2))
  }

  @Test("binary cross-entropy of logits and of probabilities, weights [1, 2, 0.5]")
  func binaryByHand() {
    // Logit 0 → ln 2; logit ln 3 (p = 3/4) with target 0 → ln 4; with target 1 → ln(4/3).
    let l3 = Float(log(3.0))
    let targets = Tensor(shape: [3, 1], data: [1, 0, 1])
    let sum = log(2.0) + 2 * log(4.0) + 0.5 * log(4.0 / 3)
    let logits = Variable(Tensor(shape: [3, 1], data: [0, l3, l3]))
    let probs = Variable(Tensor(shape: [3, 1], data: [0.5, 0.75, 0.75]))
    withoutGrad {
      #expect(near(binaryCrossEntropy(logits: logits, targets: targets, weights: w3).value.scalar, sum / 3))
      #expect(near(binaryCrossEntropy(logits: logits, targets: targets, weights: w3, normalizer: 5)
        .value.scalar, sum / 5))
      #expect(near(binaryCrossEntropy(probabilities: probs, targets: targets, weights: w3).value.scalar,
                   sum / 3))
      #expect(near(binaryCrossEntropy(probabilities: probs, targets: targets, weights: w3, normalizer: 5)
        .value.scalar, sum / 5))
    }
  }

  @Test("weighted squared and absolute error, weights [1, 2, 0.5]")
  func regressionByHand() {
    // Differences 1, −2, 3: squares 1, 4, 9; absolute 1, 2, 3.
    let p = Variable(Tensor(shape: [3, 1], data: [1, 0, 5]))
    let t = Tensor(shape: [3, 1], data: [0, 2, 2])
    withoutGrad {
      #expect(near(weightedRegressionLoss(p, t, weights: w3, absolute: false).value.scalar, 13.5 / 3))
      #expect(near(weightedRegressionLoss(p, t, weights: w3, normalizer: 4.5, absolute: false)
        .value.scalar, 13.5 / 4.5))
      #expect(near(weightedRegressionLoss(p, t, weights: w3, absolute: true).value.scalar, 6.5 / 3))
      #expect(near(weightedRegressionLoss(p, t, weights: w3, normalizer: 2, absolute: true)
        .value.scalar, 6.5 / 2))
    }
  }

  @Test("per-sample weights on several values per row are averaged over the row")
  func perSampleOverRow() {
    // (2, 2): row 0 squares 1, 9 (mean 5), row 1 squares 4, 0 (mean 2); weights [3, 1].
    let p = Variable(Tensor(shape: [2, 2], data: [1, 3, 2, 0]))
    let t = Tensor.zeros([2, 2])
    let v = withoutGrad {
      weightedRegressionLoss(p, t, weights: Tensor(shape: [2], data: [3, 1]), absolute: false).value.scalar
    }
    #expect(near(v, (3 * 5 + 2) / 2.0))
  }
}
