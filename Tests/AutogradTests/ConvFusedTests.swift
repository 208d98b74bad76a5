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
    // Bit for bit when OpenBLAS runs both with the same thread count. Swift Testing runs other
    // suites at the same time, and `convGemm` sets OpenBLAS's (process-wide) thread count for
    // small products, so under load the two sides can see different partitions of one sgemm
    // and differ in the last bit (seen once in a full run at load 2): allow 4 ulp.
    #expect(Self.close(fused.0, separate.0))
    #expect(fused.0.data.contains(0) && fused.0.data.contains { $0 > 0 }, "both sides of the kink")
    for j in 0..<3 {
      #expect(fused.1[j] != nil && separate.1[j] != nil, "gradient of input \(j)")
      if let a = fused.1[j], let b = separate.1[j] { #expect(Self.close(a, b), "gradient of input \(j)") }
    }
  }

  /// Same shape, every element within 4 ulp of the other (exactly equal zeros stay zeros).
  static func close(_ a: Tensor, _ b: Tensor) -> Bool {
    a.shape == b.shape && zip(a.data, b.data).allSatisfy { x, y in
      x == y || abs(x - y) <= 4 * max(x.magnitude, y.magnitude).ulp
    }
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

  static let oneChannelShapes: [(x: [Int], k: [Int], stride: Int, padding: Padding)] = [
    ([2, 28, 28, 1], [3, 3, 1, 32], 1, .valid),  // cnn_mnistlike's first convolution
    ([3, 8, 8, 1], [3, 3, 1, 16], 1, .same),     // cnn_digits' first: border windows
    ([2, 7, 6, 1], [3, 2, 1, 11], 2, .same),     // strided, a scalar tail of 3 filters
    ([1, 9, 5, 1], [4, 5, 1, 5], 3, .valid),     // no 8-filter block at all
  ]

  /// `t` (…, 1) with a second channel of zeros; a (kh, kw, 1, f) kernel `k` with a second
  /// input channel of `extra`.
  static func twoChannels(_ t: Tensor, kernel extra: Tensor? = nil) -> Tensor {
    if let extra {  // kernel (kh, kw, 1, f) → (kh, kw, 2, f)
      let f = t.shape[3]
      return Tensor(shape: [t.shape[0], t.shape[1], 2, f]) { i in
        let (tap, ch, j) = (i / (2 * f), i / f % 2, i % f)
        return ch == 0 ? t.data[tap * f + j] : extra.data[tap * f + j]
      }
    }
    return Tensor(shape: Array(t.shape.dropLast()) + [2]) { i in i % 2 == 0 ? t.data[i / 2] : 0 }
  }

  @Test("one-channel direct kernels match the im2col path (a zero second channel)",
        arguments: 0..<oneChannelShapes.count)
  func oneChannelMatchesIm2col(_ i: Int) {
    let s = Self.oneChannelShapes[i]
    let x = testTensor(s.x, seed: 11), k = testTensor(s.k, seed: 12, lo: -0.4, hi: 0.4)
    let b = testTensor([s.k[3]], seed: 13, lo: -0.3, hi: 0.3)
    let x2 = Self.twoChannels(x), k2 = Self.twoChannels(k, kernel: testTensor(s.k, seed: 14))
    func close(_ a: Tensor?, _ b: Tensor?, _ what: String) {
      guard let a, let b, a.count == b.count else { Issue.record("\(what): missing or sizes differ"); return }
      let err = zip(a.data, b.data).map { abs($0 - $1) / Swift.max(1, abs($1)) }.max() ?? 0
      #expect(err < 1e-4, "\(s) \(what): relative error \(err)")
    }
    for act in [FusedActivation.linear, .relu] {
      let direct = Self.run([x, k, b]) {
        conv2d($0[0], kernel: $0[1], bias: $0[2], stride: s.stride, padding: s.padding, activation: act)
      }
      let seed = testTensor(direct.0.shape, seed: 99)
      let im2col = Self.run([x2, k2, b], seed: seed) {
        conv2d($0[0], kernel: $0[1], bias: $0[2], stride: s.stride, padding: s.padding, activation: act)
      }
      close(direct.0, im2col.0, "\(act) y")
      let f = s.k[3]
      let k2Grad = im2col.1[1].map { g in
        Tensor(shape: s.k) { j in g.data[(j / f) * 2 * f + j % f] }  // channel 0's rows
      }
      let x2Grad = im2col.1[0].map { g in Tensor(shape: s.x) { j in g.data[2 * j] } }
      close(direct.1[0], x2Grad, "\(act) dx")
      close(direct.1[1], k2Grad, "\(act) dK")
      close(direct.1[2], im2col.1[2], "\(act) db")
    }
  }

  /// dK is bit for bit (the same kernel on the same masked values); db is summed per sample
  /// on the fly and over all rows at once with dx, so it matches to rounding.
  @Test("one-channel backward without dx (dZ masked on the fly) equals the one with dx, and accumulates",
        arguments: 0..<oneChannelShapes.count)
  func oneChannelWithoutInputGradient(_ i: Int) {
    let s = Self.oneChannelShapes[i]
    let x = testTensor(s.x, seed: 11), k = testTensor(s.k, seed: 12, lo: -0.4, hi: 0.4)
    let b = testTensor([s.k[3]], seed: 13, lo: -0.3, hi: 0.3)
    for act in [FusedActivation.linear, .relu] {
      let withDx = Self.run([x, k, b]) {
        conv2d($0[0], kernel: $0[1], bias: $0[2], stride: s.stride, padding: s.padding, activation: act)
      }
      let seed = testTensor(withDx.0.shape, seed: 99)
      for uses in [1, 2] {
        Tape.current.reset()
        let xv = Variable(x), kv = Variable(k, requiresGrad: true), bv = Variable(b, requiresGrad: true)
        var y = conv2d(xv, kernel: kv, bias: bv, stride: s.stride, padding: s.padding, activation: act)
        if uses == 2 {
          y = y + conv2d(xv, kernel: kv, bias: bv, stride: s.stride, padding: s.padding, activation: act)
        }
        Tape.current.backward(from: y, seed: seed)
        #expect(xv.grad == nil)
        if uses == 1 {
          #expect(y.value == withDx.0)
          #expect(kv.grad == withDx.1[1], "\(s) \(act) dK")
          let db = zip(bv.grad?.data ?? [], withDx.1[2]?.data ?? []).map { abs($0 - $1) / Swift.max(1, abs($1)) }
          #expect(db.count == s.k[3] && (db.max() ?? 1) < 1e-5, "\(s) \(act) db")
        } else {  // the second use adds into the first's gradient
          let twice = withDx.1[1].map { Tensor(shape: $0.shape, data: $0.data.map { 2 * $0 }) }
          #expect(kv.grad == twice, "\(s) \(act) dK used twice")
        }
      }
    }
  }

  static let blockedShapes: [(x: [Int], k: [Int], stride: Int, padding: Padding, per: Int)] = [
    ([5, 13, 13, 32], [3, 3, 32, 64], 1, .valid, 2),  // cnn_mnistlike's second: blocks 2, 2, 1
    ([4, 6, 7, 3], [3, 2, 3, 5], 2, .same, 3),         // strided, padded: blocks 3, 1
  ]

  @Test("the convolution in blocks of samples equals the whole-batch one (used once and twice)",
        arguments: 0..<blockedShapes.count)
  func blockedEqualsWhole(_ i: Int) {
    let s = Self.blockedShapes[i]
    let inputs = [testTensor(s.x, seed: 31), testTensor(s.k, seed: 32, lo: -0.4, hi: 0.4),
                  testTensor([s.k[3]], seed: 33, lo: -0.3, hi: 0.3)]
    #expect(ConvGeometry(n: 64, h: 13, w: 13, c: 32, kh: 3, kw: 3, stride: 1, top: 0, left: 0,
                         ho: 11, wo: 11).samplesPerBlock(filters: 64) == 2)
    for act in [FusedActivation.linear, .relu] {
      for uses in [1, 2] {
        func conv(_ v: [Variable], _ per: Int) -> Variable {
          let y = conv2d(v[0], kernel: v[1], bias: v[2], stride: s.stride, padding: s.padding,
                         activation: act, samplesPerBlock: per)
          return uses == 1 ? y : y + conv2d(v[0], kernel: v[1], bias: v[2], stride: s.stride,
                                            padding: s.padding, activation: act, samplesPerBlock: per)
        }
        let whole = Self.run(inputs) { conv($0, s.x[0]) }
        let blocked = Self.run(inputs, seed: testTensor(whole.0.shape, seed: 99)) { conv($0, s.per) }
        for (j, (a, b)) in zip([blocked.0] + blocked.1, [whole.0] + whole.1).enumerated() {
          let err = zip(a?.data ?? [], b?.data ?? []).map { abs($0 - $1) / Swift.max(1, abs($1)) }.max()
          #expect(a?.count == b?.count && (err ?? 1) < 1e-4, "\(s) \(act) ×\(uses) [\(j)]: \(err ?? -1)")
        }
      }
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
  @Test("pooling split over two threads equals pooling one sample at a time",
        arguments: [PoolKind.max, .min])
  func pooledHalvesEqualPerSample(_ kind: PoolKind) {
    // 6 × 26×26×32 = 129,792 inputs: above BlockWorkers.minimumSplit, so the batch is split
    // (on a two-core machine); one sample (21,632) is below it and runs on one thread.
    let shape = [6, 26, 26, 32]
    let per = shape[1] * shape[2] * shape[3]
    let x = testTensor(shape, seed: 41)
    let seed = testTensor([6, 13, 13, 32], seed: 42)
    let (y, grads) = Self.run([x], seed: seed) { pool2d($0[0], kind: kind, size: 2) }
    let perOut = 13 * 13 * 32
    for b in 0..<6 {
      let xb = Tensor(shape: [1, 26, 26, 32], data: Array(x.data[(b * per)..<((b + 1) * per)]))
      let sb = Tensor(shape: [1, 13, 13, 32], data: Array(seed.data[(b * perOut)..<((b + 1) * perOut)]))
      let (yb, gb) = Self.run([xb], seed: sb) { pool2d($0[0], kind: kind, size: 2) }
      #expect(Array(y.data[(b * perOut)..<((b + 1) * perOut)]) == yb.data, "sample \(b) output")
      #expect(Array((grads[0]?.data ?? [])[(b * per)..<((b + 1) * per)]) == (gb[0]?.data ?? []),
              "sample \(b) gradient")
    }
  }
  @Test("a one-channel convolution split over two threads equals one sample at a time",
        arguments: [FusedActivation.linear, .relu])
  func oneChannelHalvesEqualPerSample(_ act: FusedActivation) {
    // 4 × 26×26×32 = 86,528 outputs: split in two halves on a two-core machine.
    let (n, per, perOut) = (4, 28 * 28, 26 * 26 * 32)
    let x = testTensor([n, 28, 28, 1], seed: 51)
    let k = testTensor([3, 3, 1, 32], seed: 52, lo: -0.4, hi: 0.4)
    let b = testTensor([32], seed: 53, lo: -0.3, hi: 0.3)
    let seed = testTensor([n, 26, 26, 32], seed: 54)
    // x needs no gradient here: the direct kernels' dK-and-db pass (a network's first layer).
    func run(_ xt: Tensor, _ st: Tensor) -> (Tensor, Tensor?, Tensor?) {
      Tape.current.reset()
      let (kv, bv) = (Variable(k, requiresGrad: true), Variable(b, requiresGrad: true))
      let y = conv2d(Variable(xt), kernel: kv, bias: bv, activation: act)
      Tape.current.backward(from: y, seed: st)
      return (y.value, kv.grad, bv.grad)
    }
    let (y, dk, db) = run(x, seed)
    var sumK = [Float](repeating: 0, count: k.count), sumB = [Float](repeating: 0, count: 32)
    for s in 0..<n {
      let xs = Tensor(shape: [1, 28, 28, 1], data: Array(x.data[(s * per)..<((s + 1) * per)]))
      let ss = Tensor(shape: [1, 26, 26, 32], data: Array(seed.data[(s * perOut)..<((s + 1) * perOut)]))
      let (ys, dks, dbs) = run(xs, ss)
      #expect(Array(y.data[(s * perOut)..<((s + 1) * perOut)]) == ys.data, "sample \(s) output")
      for i in 0..<k.count { sumK[i] += dks?.data[i] ?? .nan }
      for i in 0..<32 { sumB[i] += dbs?.data[i] ?? .nan }
    }
    let errK = zip(dk?.data ?? [], sumK).map { abs($0 - $1) / Swift.max(1, abs($1)) }.max() ?? 1
    let errB = zip(db?.data ?? [], sumB).map { abs($0 - $1) / Swift.max(1, abs($1)) }.max() ?? 1
    #expect(dk?.count == k.count && errK < 1e-4, "dK \(errK)")
    #expect(db?.count == 32 && errB < 1e-4, "db \(errB)")
  }
}
