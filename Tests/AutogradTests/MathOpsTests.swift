import Testing
import Foundation
@testable import Autograd

/// Known values of the math ops (forward), shapes of reductions, and stability at extremes.
@Suite struct MathOpsTests {
  func close(_ a: [Float], _ b: [Float], _ tol: Float = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tol }
  }

  func v(_ shape: [Int], _ data: [Float]) -> Variable { Variable(Tensor(shape: shape, data: data)) }

  @Test func softmaxKnownValues() {
    let y = v([3], [1, 2, 3]).softmax().value
    #expect(close(y.data, [0.09003057, 0.24472847, 0.66524096]))
    #expect(close(v([2], [1000, 1000]).softmax().value.data, [0.5, 0.5]))
    #expect(close(v([1, 3], [-1000, 0, 1000]).softmax().value.data, [0, 0, 1]))
    // Rows are independent; the tensor helper agrees with the op.
    let x = Tensor(shape: [2, 3], data: [1, 2, 3, 3, 2, 1])
    let rows = x.softmaxRows()
    #expect(rows.shape == [2, 3])
    #expect(close(rows.data, [0.09003057, 0.24472847, 0.66524096, 0.66524096, 0.24472847, 0.09003057]))
    #expect(rows == Variable(x).softmax().value)
  }

  @Test func logSoftmaxKnownValues() {
    let y = v([3], [1, 2, 3]).logSoftmax().value
    #expect(close(y.data, [-2.40760596, -1.40760596, -0.40760596], 1e-5))
    let big = v([2], [1000, 1000]).logSoftmax().value
    #expect(close(big.data, [-0.69314718, -0.69314718], 1e-5))
    let far = v([2], [0, -1000]).logSoftmax().value
    #expect(far.data.allSatisfy { $0.isFinite } && close(far.data, [0, -1000], 1e-3))
  }

  @Test func sigmoidAndTanh() {
    let s = v([5], [-100, -1, 0, 1, 100]).sigmoid().value
    #expect(s.data.allSatisfy { $0.isFinite })
    #expect(close(s.data, [0, 0.26894142, 0.5, 0.73105858, 1]))
    #expect(Tensor(shape: [2], data: [-100, 100]).sigmoid().data.allSatisfy { $0.isFinite })
    #expect(close(v([3], [-1, 0, 2]).tanh().value.data, [-0.76159416, 0, 0.96402758]))
    #expect(close(v([4], [-2, -0.5, 0, 3]).leakyRelu().value.data, [-0.6, -0.15, 0, 3]))
    #expect(close(v([2], [-2, 3]).leakyRelu(alpha: 0.1).value.data, [-0.2, 3]))
  }

  @Test func unaryKnownValues() {
    #expect(close(v([3], [1, 2, 3]).pow(2).value.data, [1, 4, 9]))
    #expect(close(v([2], [4, 9]).pow(0.5).value.data, [2, 3]))
    #expect(close(v([2], [4, 9]).sqrt().value.data, [2, 3]))
    #expect(close(v([2], [0, 1]).exp().value.data, [1, 2.71828183]))
    #expect(close(v([2], [1, 2.71828183]).log().value.data, [0, 1]))
    #expect(close(v([3], [-2, 0, 3]).abs().value.data, [2, 0, 3]))
    #expect(close(v([4], [-2, 0, 0.5, 3]).clamp(-1, 1).value.data, [-1, 0, 0.5, 1]))
  }

  @Test func boundaryGradients() {
    Tape.current.reset()
    let x = Variable(Tensor(shape: [5], data: [-2, -1, 0, 1, 2]), requiresGrad: true)
    Tape.current.backward(from: x.clamp(-1, 1).sum())
    #expect(x.grad!.data == [0, 1, 1, 1, 0])  // lo ≤ x ≤ hi passes, as PyTorch
    let y = Variable(Tensor(shape: [3], data: [-1, 0, 1]), requiresGrad: true)
    Tape.current.backward(from: y.abs().sum())
    #expect(y.grad!.data == [-1, 0, 1])
  }

  @Test func argmaxRows() {
    let t = Tensor(shape: [3, 4], data: [1, 5, 5, 2, -1, -3, -2, -4, 0, 0, 0, 7])
    #expect(t.argmaxRows() == [1, 0, 3])  // ties go to the first
    #expect(Tensor(shape: [3], data: [0, 2, 1]).argmaxRows() == [1])
  }

  @Test func reductionShapesAndValues() {
    let x = Variable(Tensor(shape: [2, 3, 4]) { Float($0) })
    #expect(x.sum().shape == [])
    #expect(x.sum().value.scalar == 276)
    #expect(x.sum(keepDims: true).shape == [1, 1, 1])
    #expect(x.sum(axes: [1]).shape == [2, 4])
    #expect(x.sum(axes: [1], keepDims: true).shape == [2, 1, 4])
    #expect(x.sum(axes: [0, 2], keepDims: true).shape == [1, 3, 1])
    #expect(x.sum(axes: [0, 2]).value.data == [60, 92, 124])
    #expect(x.sum(axes: [-1]).shape == [2, 3])
    #expect(x.sum(axes: [-1]).value.data == [6, 22, 38, 54, 70, 86])
    #expect(x.mean().value.scalar == 11.5)
    #expect(x.mean(axes: [0]).value.data == (0..<12).map { Float($0) + 6 })
    #expect(x.mean(axes: [1], keepDims: true).shape == [2, 1, 4])
    #expect(x.mean(axes: [1]).value.data == [4, 5, 6, 7, 16, 17, 18, 19])
    #expect(x.max().value.scalar == 23)
    #expect(x.max(axes: [2]).value.data == [3, 7, 11, 15, 19, 23])
    #expect(x.max(axes: [0, 1], keepDims: true).shape == [1, 1, 4])
    #expect(x.max(axes: [0, 1], keepDims: true).value.data == [20, 21, 22, 23])
    #expect(x.sum(axes: []).value == x.value)
  }

  @Test func maxGradientGoesToFirstArgmax() {
    Tape.current.reset()
    let x = Variable(Tensor(shape: [2, 3], data: [1, 4, 4, 2, 2, 0]), requiresGrad: true)
    Tape.current.backward(from: x.max(axes: [1]).sum())
    #expect(x.grad!.data == [0, 1, 0, 1, 0, 0])
  }

  @Test func crossEntropyKnownValues() {
    // Uniform logits: log C, for labels and for one-hot targets.
    let c = 7
    let z = Variable(Tensor(repeating: 0.25, shape: [4, c]))
    let labels = Tensor(shape: [4], data: [0, 3, 6, 2])
    let ce = softmaxCrossEntropy(logits: z, labels: labels)
    #expect(ce.shape == [])
    #expect(Swift.abs(ce.value.scalar - Float(Foundation.log(Double(c)))) < 1e-5)
    var oneHot = Tensor.zeros([4, c])
    for (r, l) in labels.data.enumerated() { oneHot.data[r * c + Int(l)] = 1 }
    #expect(Swift.abs(softmaxCrossEntropy(logits: z, targets: oneHot).value.scalar - Float(Foundation.log(Double(c)))) < 1e-5)
    // Known row: logits [1, 2, 3], label 2 → −log 0.66524096.
    let k = softmaxCrossEntropy(logits: v([1, 3], [1, 2, 3]), labels: Tensor(shape: [1], data: [2]))
    #expect(Swift.abs(k.value.scalar - 0.40760596) < 1e-6)
    // Stable for huge logits.
    let huge = softmaxCrossEntropy(logits: v([2, 2], [1000, 0, -1000, 1000]), labels: Tensor(shape: [2], data: [1, 0]))
    #expect(Swift.abs(huge.value.scalar - 1500) < 1e-2)
  }

  @Test func crossEntropyGradient() {
    Tape.current.reset()
    let z = Variable(Tensor(shape: [2, 3], data: [1, 2, 3, 0, 0, 0]), requiresGrad: true)
    Tape.current.backward(from: softmaxCrossEntropy(logits: z, labels: Tensor(shape: [2], data: [2, 0])))
    let third: Float = 1 / 3
    let expected: [Float] = [0.09003057, 0.24472847, 0.66524096 - 1, third - 1, third, third].map { $0 / 2 }
    #expect(close(z.grad!.data, expected))
  }

  @Test func binaryCrossEntropyKnownValues() {
    // Logits: z = 0 gives ln 2 whatever the target; z = 2, t = 1 gives ln(1 + e⁻²).
    let a = binaryCrossEntropy(logits: v([2], [0, 2]), targets: Tensor(shape: [2], data: [0.3, 1]))
    #expect(Swift.abs(a.value.scalar - Float((Foundation.log(2.0) + Foundation.log(1 + Foundation.exp(-2.0))) / 2)) < 1e-6)
    let extreme = binaryCrossEntropy(logits: v([2], [100, -100]), targets: Tensor(shape: [2], data: [0, 0]))
    #expect(Swift.abs(extreme.value.scalar - 50) < 1e-4)
    // Probabilities: −(ln 0.8 + ln 0.6) / 2 for p = [0.8, 0.4], t = [1, 0].
    let b = binaryCrossEntropy(probabilities: v([2], [0.8, 0.4]), targets: Tensor(shape: [2], data: [1, 0]))
    #expect(Swift.abs(b.value.scalar - Float(-(Foundation.log(0.8) + Foundation.log(0.6)) / 2)) < 1e-6)
    // Clipping: p = 0, t = 1 costs −ln ε, finite.
    let c = binaryCrossEntropy(probabilities: v([1], [0]), targets: Tensor(shape: [1], data: [1]))
    #expect(c.value.scalar.isFinite && Swift.abs(c.value.scalar - Float(-Foundation.log(1e-7))) < 1e-3)
    // The two forms agree.
    let logits = Tensor(shape: [4], data: [-2, -0.5, 0.5, 3]), t = Tensor(shape: [4], data: [0, 1, 0.25, 1])
    let viaLogits = binaryCrossEntropy(logits: Variable(logits), targets: t).value.scalar
    let viaProbs = binaryCrossEntropy(probabilities: Variable(logits.sigmoid()), targets: t).value.scalar
    #expect(Swift.abs(viaLogits - viaProbs) < 1e-5)
  }

  @Test func regressionLossesKnownValues() {
    let p = v([2, 2], [1, 2, 3, 4]), t = v([2, 2], [1, 0, 5, 1])
    #expect(meanSquaredError(p, t).value.scalar == 17.0 / 4)  // (0 + 4 + 4 + 9) / 4
    #expect(meanAbsoluteError(p, t).value.scalar == 7.0 / 4)  // (0 + 2 + 2 + 3) / 4
    #expect(meanSquaredError(p, t).shape == [])
    Tape.current.reset()
    let q = Variable(Tensor(shape: [2], data: [1, 3]), requiresGrad: true)
    let r = Variable(Tensor(shape: [2], data: [2, 2]), requiresGrad: true)
    Tape.current.backward(from: meanSquaredError(q, r))
    #expect(q.grad!.data == [-1, 1] && r.grad!.data == [1, -1])
  }
}
