import Testing
@testable import Autograd

/// Known values of the layer ops (Shape, Gather, Conv, Pool, Dropout, BatchNorm).
@Suite struct LayerOpsTests {
  // MARK: shape ops

  @Test func shapeOpsKnownValues() {
    let x = Variable(Tensor(shape: [2, 3]) { Float($0) })  // [[0,1,2],[3,4,5]]
    #expect(x.reshaped([-1, 2]).shape == [3, 2])
    #expect(x.transposed().value.data == [0, 3, 1, 4, 2, 5])
    #expect(x.slice(axis: 1, 1..<3).value.data == [1, 2, 4, 5])
    #expect(x.padded([(1, 0), (0, 1)]).value.data == [0, 0, 0, 0, 0, 1, 2, 0, 3, 4, 5, 0])
    #expect(concat([x, x.slice(axis: 1, 0..<1)], axis: 1).value.data == [0, 1, 2, 0, 3, 4, 5, 3])
    #expect(concat([x, x], axis: 0).shape == [4, 3])
    let s = stack([x, x], axis: 2)
    #expect(s.shape == [2, 3, 2] && s.value.data == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    let t = Variable(Tensor(shape: [2, 3, 4]) { Float($0) })
    let p = t.permuted([2, 0, 1])
    #expect(p.shape == [4, 2, 3])
    #expect(p.value[3, 1, 2] == t.value[1, 2, 3])
  }

  // MARK: gather

  @Test func gatherBackwardTouchesOnlyUsedRows() {
    Tape.current.reset()
    let table = Variable(testTensor([5, 3]), requiresGrad: true)
    let y = gather(table, indices: Tensor(shape: [3], data: [4, 1, 4]))
    #expect(y.shape == [3, 3])
    #expect(Array(y.value.data[0..<3]) == Array(table.value.data[12..<15]))
    Tape.current.backward(from: y, seed: Tensor(repeating: 1, shape: y.shape))
    let g = table.grad!
    for r in [0, 2, 3] { #expect(g.data[r * 3..<(r * 3 + 3)].allSatisfy { $0 == 0 }, "row \(r)") }
    #expect(g.data[3..<6].allSatisfy { $0 == 1 })
    #expect(g.data[12..<15].allSatisfy { $0 == 2 })  // used twice
  }

  @Test func gatherOutOfRangeIndicesGiveZeroRowsAndNoGradient() {
    Tape.current.reset()
    let table = Variable(testTensor([4, 2]), requiresGrad: true)
    // -1, 4 (= V), NaN and 1e9 are outside 0..<4: zero rows, nothing written to the gradient.
    let y = gather(table, indices: Tensor(shape: [2, 3], data: [-1, 2, 4, .nan, 1e9, 2]))
    #expect(y.shape == [2, 3, 2])
    for i in [0, 2, 3, 4] { #expect(y.value.data[(i * 2)..<(i * 2 + 2)].allSatisfy { $0 == 0 }, "index \(i)") }
    #expect(Array(y.value.data[2..<4]) == Array(table.value.data[4..<6]))
    #expect(Array(y.value.data[10..<12]) == Array(table.value.data[4..<6]))
    Tape.current.backward(from: y, seed: Tensor(repeating: 1, shape: y.shape))
    let g = table.grad!
    #expect(Array(g.data) == [0, 0, 0, 0, 2, 2, 0, 0])
  }

  // MARK: conv2d

  /// TensorFlow's output extent and leading padding, computed independently of the engine.
  static func tfGeometry(_ input: Int, _ k: Int, _ s: Int, _ p: Padding) -> (Int, Int) {
    if p == .valid { return ((input - k) / s + 1, 0) }
    let out = (input + s - 1) / s
    return (out, max((out - 1) * s + k - input, 0) / 2)
  }

  /// Direct convolution in Double.
  static func naiveConv(_ x: Tensor, _ k: Tensor, _ b: Tensor?, stride s: Int, _ p: Padding) -> Tensor {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (kh, kw, f) = (k.shape[0], k.shape[1], k.shape[3])
    let (ho, top) = tfGeometry(h, kh, s, p), (wo, left) = tfGeometry(w, kw, s, p)
    var y = Tensor.zeros([n, ho, wo, f])
    for b0 in 0..<n { for oy in 0..<ho { for ox in 0..<wo { for fo in 0..<f {
      var acc = Double(b?.data[fo] ?? 0)
      for ky in 0..<kh { for kx in 0..<kw {
        let iy = oy * s - top + ky, ix = ox * s - left + kx
        guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
        for ci in 0..<c { acc += Double(x[b0, iy, ix, ci]) * Double(k[ky, kx, ci, fo]) }
      } }
      y.data[((b0 * ho + oy) * wo + ox) * f + fo] = Float(acc)
    } } } }
    return y
  }

  static let convConfigs: [(x: [Int], k: [Int], stride: Int)] = [
    ([2, 7, 5, 3], [3, 3, 3, 4], 1), ([2, 7, 5, 3], [3, 3, 3, 4], 2),
    ([1, 6, 9, 2], [2, 3, 2, 5], 1), ([1, 6, 9, 2], [2, 3, 2, 5], 3),
    ([3, 5, 5, 3], [1, 1, 3, 2], 1), ([3, 5, 5, 3], [1, 1, 3, 2], 2),
    ([1, 5, 5, 1], [5, 5, 1, 1], 1), ([2, 9, 7, 4], [4, 4, 4, 3], 2),
    // One channel: the transposed im2col, stride 1 (contiguous runs) and 2 (strided).
    ([2, 8, 7, 1], [3, 3, 1, 8], 1), ([2, 8, 7, 1], [3, 2, 1, 5], 2), ([1, 4, 6, 1], [2, 4, 1, 3], 3),
  ]

  @Test(arguments: 0..<convConfigs.count)
  func conv2dMatchesDirectConvolution(_ i: Int) {
    let cfg = Self.convConfigs[i]
    let x = testTensor(cfg.x, seed: 5), k = testTensor(cfg.k, seed: 6), b = testTensor([cfg.k[3]], seed: 7)
    for padding in [Padding.same, .valid] {
      for bias in [b, nil] as [Tensor?] {
        let y = withoutGrad {
          conv2d(Variable(x), kernel: Variable(k), bias: bias.map { Variable($0) },
                 stride: cfg.stride, padding: padding).value
        }
        let ref = Self.naiveConv(x, k, bias, stride: cfg.stride, padding)
        #expect(y.shape == ref.shape, "\(cfg) \(padding)")
        guard y.shape == ref.shape else { continue }
        let err = zip(y.data, ref.data).map { abs($0 - $1) }.max() ?? 0
        #expect(err < 1e-4, "\(cfg) \(padding) bias=\(bias != nil): max error \(err)")
      }
    }
  }

  @Test func conv2dOutputShapes() {
    let x = Variable(Tensor.zeros([1, 7, 6, 2])), k = Variable(Tensor.zeros([3, 3, 2, 5]))
    #expect(conv2d(x, kernel: k, bias: nil, stride: 1, padding: .same).shape == [1, 7, 6, 5])
    #expect(conv2d(x, kernel: k, bias: nil, stride: 2, padding: .same).shape == [1, 4, 3, 5])
    #expect(conv2d(x, kernel: k, bias: nil, stride: 1, padding: .valid).shape == [1, 5, 4, 5])
    #expect(conv2d(x, kernel: k, bias: nil, stride: 2, padding: .valid).shape == [1, 3, 2, 5])
    #expect(conv2d(x, kernel: k, bias: nil, stride: 3, padding: .same).shape == [1, 3, 2, 5])
  }

  // MARK: pooling

  @Test func poolingKnown4x4() {
    Tape.current.reset()
    let x = Variable(Tensor(shape: [1, 4, 4, 1]) { Float($0 + 1) }, requiresGrad: true)  // 1…16
    #expect(pool2d(x, kind: .max, size: 2).value.data == [6, 8, 14, 16])
    #expect(pool2d(x, kind: .min, size: 2).value.data == [1, 3, 9, 11])
    #expect(pool2d(x, kind: .average, size: 2).value.data == [3.5, 5.5, 11.5, 13.5])
    // 3×3 windows, stride 1, same: padding ignored, averages over valid positions only.
    let a = pool2d(x, kind: .average, size: 3, stride: 1, padding: .same)
    #expect(a.shape == [1, 4, 4, 1])
    #expect(a.value[0, 0, 0, 0] == 3.5)  // (1+2+5+6)/4
    #expect(a.value[0, 1, 1, 0] == 6)  // (1+2+3+5+6+7+9+10+11)/9
    #expect(pool2d(x, kind: .max, size: 3, stride: 2, padding: .same).value.data == [11, 12, 15, 16])
    #expect(pool2d(x, kind: .max, size: 3, stride: 1, padding: .valid).value.data == [11, 12, 15, 16])
    // Max backward routes the gradient to the arg-max positions only.
    Tape.current.reset()
    let m = pool2d(x, kind: .max, size: 2)
    Tape.current.backward(from: m, seed: Tensor(shape: [1, 2, 2, 1], data: [1, 2, 3, 4]))
    var expected = [Float](repeating: 0, count: 16)
    expected[5] = 1; expected[7] = 2; expected[13] = 3; expected[15] = 4
    #expect(x.grad!.data == expected)
  }

  // MARK: dropout

  @Test func dropoutKeepsMeanAndIsDeterministic() {
    let x = Variable(Tensor(repeating: 1, shape: [20_000]))
    var rng = SeededRandom(seed: 1)
    let y = dropout(x, rate: 0.3, training: true, rng: &rng).value
    let mean = y.data.reduce(0, +) / Float(y.count)
    #expect(abs(mean - 1) < 0.03, "mean \(mean)")
    #expect(y.data.allSatisfy { $0 == 0 || abs($0 - 1 / 0.7) < 1e-6 })
    let dropped = y.data.filter { $0 == 0 }.count
    #expect(abs(Double(dropped) / 20_000 - 0.3) < 0.02)

    var r1 = SeededRandom(seed: 9), r2 = SeededRandom(seed: 9), r3 = SeededRandom(seed: 10)
    let a = dropout(x, rate: 0.5, training: true, rng: &r1).value
    let b = dropout(x, rate: 0.5, training: true, rng: &r2).value
    let c = dropout(x, rate: 0.5, training: true, rng: &r3).value
    #expect(a == b)
    #expect(a != c)
  }

  @Test func dropoutIdentityWhenNotTraining() {
    Tape.current.reset()
    let x = Variable(testTensor([3, 4]), requiresGrad: true)
    var rng = SeededRandom(seed: 1)
    #expect(dropout(x, rate: 0.5, training: false, rng: &rng) === x)
    #expect(dropout(x, rate: 0, training: true, rng: &rng) === x)
    #expect(Tape.current.count == 0)
    var fresh = SeededRandom(seed: 1)
    #expect(rng.next() == fresh.next())  // no random draws either
  }

  // MARK: batch norm

  @Test func batchNormInferenceUsesRunningStatistics() {
    let state = BatchNormState(features: 2)
    state.runningMean = Tensor(shape: [2], data: [1, -2])
    state.runningVariance = Tensor(shape: [2], data: [4, 0.25])
    let x = Variable(Tensor(shape: [3, 2], data: [3, 0, -1, -2, 1, 1]))
    let gamma = Variable(Tensor(shape: [2], data: [2, 1]))
    let beta = Variable(Tensor(shape: [2], data: [0.5, -1]))
    let y = batchNorm(x, gamma: gamma, beta: beta, state: state, training: false).value
    for r in 0..<3 {
      for f in 0..<2 {
        let mu = state.runningMean.data[f], v = state.runningVariance.data[f]
        let expected = gamma.value.data[f] * (x.value[r, f] - mu) / (v + 1e-3).squareRoot()
          + beta.value.data[f]
        #expect(abs(y[r, f] - expected) < 1e-5)
      }
    }
    // Inference leaves the running statistics alone.
    #expect(state.runningMean.data == [1, -2] && state.runningVariance.data == [4, 0.25])
  }

  @Test func batchNormTrainingUpdatesRunningStatistics() {
    let state = BatchNormState(features: 2, momentum: 0.9)
    let x = Variable(Tensor(shape: [2, 2, 2], data: [1, 10, 2, 20, 3, 30, 6, 40]))  // NHWC-like
    let y = batchNorm(x, gamma: Variable(Tensor(repeating: 1, shape: [2])),
                      beta: Variable(Tensor.zeros([2])), state: state, training: true).value
    // Feature 0: mean 3, biased variance (4+1+0+9)/4 = 3.5; feature 1: mean 25, variance 125.
    #expect(abs(state.runningMean.data[0] - 0.1 * 3) < 1e-6)
    #expect(abs(state.runningMean.data[1] - 0.1 * 25) < 1e-5)
    #expect(abs(state.runningVariance.data[0] - (0.9 + 0.1 * 3.5)) < 1e-6)
    #expect(abs(state.runningVariance.data[1] - (0.9 + 0.1 * 125)) < 1e-4)
    // The output is normalised with the batch statistics.
    #expect(abs(y.data[0] - (1 - 3) / (3.5 + 1e-3).squareRoot()) < 1e-5)
    #expect(abs(y.data[7] - (40 - 25) / (125 + 1e-3).squareRoot()) < 1e-5)
    let s = BatchNormState(features: 3)
    #expect(s.momentum == 0.99 && s.epsilon == 1e-3)
    #expect(s.runningMean.data == [0, 0, 0] && s.runningVariance.data == [1, 1, 1])
  }

  @Test func batchNormRowWeightsKeepPaddingOutOfTheStatistics() {
    // Rows 0, 1, 3 are real, rows 2 and 4 padding with huge values that must not count.
    let x = Variable(Tensor(shape: [5, 1], data: [1, 2, 1000, 6, -1000]))
    let state = BatchNormState(features: 1, momentum: 0)
    let y = batchNorm(x, gamma: Variable(Tensor(repeating: 1, shape: [1])),
                      beta: Variable(Tensor.zeros([1])), state: state, training: true,
                      rowWeights: [1, 1, 0, 1, 0]).value
    // Real rows 1, 2, 6: mean 3, biased variance (4 + 1 + 9)/3.
    let v: Float = 14.0 / 3
    #expect(abs(state.runningMean.data[0] - 3) < 1e-5)
    #expect(abs(state.runningVariance.data[0] - v) < 1e-4)
    #expect(abs(y.data[0] - (1 - 3) / (v + 1e-3).squareRoot()) < 1e-5)
    #expect(abs(y.data[2] - (1000 - 3) / (v + 1e-3).squareRoot()) < 1e-2)
    // All weights 0: every row counts, as without weights.
    let all = BatchNormState(features: 1, momentum: 0)
    _ = batchNorm(x, gamma: Variable(Tensor(repeating: 1, shape: [1])),
                  beta: Variable(Tensor.zeros([1])), state: all, training: true,
                  rowWeights: [0, 0, 0, 0, 0])
    #expect(abs(all.runningMean.data[0] - 1.8) < 1e-4)
  }
}
