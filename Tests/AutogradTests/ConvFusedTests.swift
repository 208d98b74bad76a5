import Testing
@testable import Autograd

/// The fused conv2d + relu against the two separate ops, the pooling backward's two paths
/// against each other, and the scratch buffers behind the convolution.
@Suite struct ConvFusedTests {
  /// Runs `f` on fresh variables of `inputs` (all requiring grad), backward from `seed`;
  /// returns the output and the inputs' gradients.
  static func run(_ inputs: [Tensor], seed: Tensor? = nil,
                  _ f: ([Variable]) -> Variable) -> (Tensor, [Tensor?]) {
    Tape.current.reset()
    let vs = inputs.map { Variable($0, requiresGrad: true) }
    let y = f(vs)
    let g = seed ?? testTensor(y.shape, seed: 99)
    Tape.current.backward(from: y, seed: g)
    return (y.value, vs.map(\.grad))
  }

  static let shapes: [(x: [Int], k: [Int], stride: Int, padding: Padding)] = [
    ([3, 9, 9, 16], [3, 3, 16, 32], 1, .same),    // cnn_digits' second convolution
    ([2, 28, 28, 1], [3, 3, 1, 32], 1, .valid),   // cnn_mnistlike's first
    ([2, 7, 6, 5], [3, 2, 5, 11], 2, .same),      // odd sizes, a scalar tail of 3 filters
    ([2, 4, 4, 8], [1, 1, 8, 16], 1, .valid),     // 1×1: no im2col
  ]

  @Test("conv2d(activation: .relu) equals conv2d then relu, forward and backward, bit for bit",
        arguments: 0..<shapes.count)
  func fusedEqualsSeparate(_ i: Int) {
    let s = Self.shapes[i]
    let inputs = [testTensor(s.x, seed: 1), testTensor(s.k, seed: 2, lo: -0.4, hi: 0.4),
                  testTensor([s.k[3]], seed: 3, lo: -0.3, hi: 0.3)]
    let fused = Self.run(inputs) {
      conv2d($0[0], kernel: $0[1], bias: $0[2], stride: s.stride, padding: s.padding, activation: .relu)
    }
    let separate = Self.run(inputs) {
      conv2d($0[0], kernel: $0[1], bias: $0[2], stride: s.stride, padding: s.padding).relu()
    }
    #expect(fused.0 == separate.0)
    #expect(fused.0.data.contains(0) && fused.0.data.contains { $0 > 0 }, "both sides of the kink")
    for j in 0..<3 { #expect(fused.1[j] == separate.1[j], "gradient of input \(j)") }
  }

  @Test func fusedRecordsItsOwnOpAndLinearStaysConv2d() {
    let x = Variable(testTensor([1, 4, 4, 2]), requiresGrad: true)
    let k = Variable(testTensor([3, 3, 2, 3], seed: 2), requiresGrad: true)
    #expect(conv2d(x, kernel: k, bias: nil, activation: .relu).op == .conv2dRelu)
    #expect(conv2d(x, kernel: k, bias: nil, activation: .linear).op == .conv2d)
    #expect(conv2d(x, kernel: k, bias: nil).op == .conv2d)
    Tape.current.reset()
  }

  /// The gradient checks of the fused op need every pre-activation away from relu's kink:
  /// the finite differences (step 1e-3) must not switch a unit on or off.
  @Test("the conv2dRelu gradient cases stay away from the kink",
        arguments: 0..<GradCases.convReluConfigs.count)
  func gradCasesAvoidTheKink(_ i: Int) {
    let c = GradCases.convReluConfigs[i]
    let z = withoutGrad {
      conv2d(Variable(c.inputs[0]), kernel: Variable(c.inputs[1]),
             bias: c.inputs.count > 2 ? Variable(c.inputs[2]) : nil, stride: c.stride, padding: c.padding)
    }.value
    let nearest = z.data.map(abs).min() ?? 0
    #expect(nearest > 0.005, "\(c.label): a pre-activation at \(nearest)")
  }

  @Test("an input used twice gets both gradients", arguments: [1, 3])
  func convAccumulates(_ kernel: Int) {
    let inputs = [testTensor([2, 5, 5, 8], seed: 4), testTensor([kernel, kernel, 8, 8], seed: 5, lo: -0.4, hi: 0.4)]
    let seed = testTensor([2, 5, 5, 8], seed: 6)
    let once = Self.run(inputs, seed: seed) {
      conv2d($0[0], kernel: $0[1], bias: nil, padding: .same, activation: .relu)
    }
    let twice = Self.run(inputs, seed: seed) { v in
      conv2d(v[0], kernel: v[1], bias: nil, padding: .same, activation: .relu)
        + conv2d(v[0], kernel: v[1], bias: nil, padding: .same, activation: .relu)
    }
    for j in 0..<2 {
      guard let a = once.1[j], let b = twice.1[j] else { Issue.record("no gradient \(j)"); continue }
      #expect(zip(a.data, b.data).allSatisfy { abs(2 * $0 - $1) <= 1e-5 * Swift.max(1, abs($1)) })
    }
  }

  @Test("max/min pooling: the whole-gradient backward equals the accumulating one",
        arguments: [([2, 7, 7, 16], Padding.valid), ([2, 5, 5, 9], .same), ([1, 6, 5, 3], .valid)])
  func poolBackwardPaths(_ shape: [Int], _ padding: Padding) {
    for kind in [PoolKind.max, .min] {
      let x = distinctTensor(shape, seed: 21)
      Tape.current.reset()
      let fresh = Variable(x, requiresGrad: true)
      let y1 = pool2d(fresh, kind: kind, size: 2, padding: padding)
      let seed = testTensor(y1.shape, seed: 22)
      Tape.current.backward(from: y1, seed: seed)
      let accumulating = Variable(x, requiresGrad: true)
      accumulating.grad = Tensor.zeros(shape)  // an existing gradient: the scatter-add path
      let y2 = pool2d(accumulating, kind: kind, size: 2, padding: padding)
      Tape.current.backward(from: y2, seed: seed)
      #expect(y1.value == y2.value)
      #expect(fresh.grad == accumulating.grad, "\(kind) \(shape) \(padding)")
      // Each output's gradient lands on exactly one input; uncovered rows/columns get none.
      let g = fresh.grad?.data ?? []
      #expect(g.filter { $0 != 0 }.count == y1.value.count)
      #expect(abs(g.reduce(0, +) - seed.data.reduce(0, +)) < 1e-4)
    }
  }

  @Test func emptyBatches() {
    Tape.current.reset()
    let x = Variable(Tensor.zeros([0, 5, 5, 3]), requiresGrad: true)
    let k = Variable(testTensor([3, 3, 3, 4]), requiresGrad: true)
    let b = Variable(testTensor([4], seed: 2), requiresGrad: true)
    let y = conv2d(x, kernel: k, bias: b, padding: .same, activation: .relu)
    #expect(y.shape == [0, 5, 5, 4])
    let p = pool2d(y, kind: .max, size: 2)
    #expect(p.shape == [0, 2, 2, 4])
    Tape.current.backward(from: p, seed: Tensor.zeros(p.shape))
    #expect(k.grad == Tensor.zeros([3, 3, 3, 4]))
    #expect(b.grad == Tensor.zeros([4]))
  }

  @Test func scratchBlocksAreReused() {
    // A size no other test asks for (a block serves requests of half to all its size).
    var a: ScratchBuffer? = ScratchBuffer(count: 7_000_001)
    let base = a?.base
    #expect((a?.capacity ?? 0) >= 7_000_001)
    a = nil
    let b = ScratchBuffer(count: 7_000_000)
    #expect(b.base == base)
  }

  @Test func scratchPoolKeepsAtMostItsLimit() {
    var blocks: [ScratchBuffer] = (0..<6).map { _ in ScratchBuffer(count: 4 << 20) }  // 16 MiB each
    #expect(blocks.count == 6)
    blocks.removeAll()
    #expect(ScratchPool.bytesKept <= ScratchPool.maxBytesKept)
  }
}
