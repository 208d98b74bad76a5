import Testing
import COpenBLAS
@testable import Autograd

/// The tiny-product loop against OpenBLAS, bit for bit, and the other small-tensor paths of a
/// training step (storage, broadcast shapes, the fused bias, the shared seed).
@Suite struct SmallOpsTests {
  /// Random values with exact and negative zeros and two magnitudes.
  static func values(_ count: Int, _ rng: inout SeededRandom) -> [Float] {
    (0..<count).map { _ in
      let r = rng.uniform(0, 1)
      if r < 0.03 { return 0 }
      if r < 0.06 { return -0.0 }
      return rng.uniform(-1, 1) * (r < 0.5 ? 1 : 1000)
    }
  }

  /// OpenBLAS's own C = op(A)·op(B) + beta·C.
  static func cblas(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: [Float], _ b: [Float],
                    _ beta: Float, _ c: inout [Float]) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, Int32(ta ? m : k), b, Int32(tb ? k : n), beta,
                &c, Int32(n))
  }

  @Test("the tiny-product loop gives sgemm's bits on every shape it covers",
        .enabled(if: SmallGemm.matchesKernel, "OpenBLAS's kernel here is not the Haswell one"))
  func smallGemmMatchesSgemm() throws {
    var rng = SeededRandom(seed: 42)
    var tried = 0
    for m in [1, 2, 3, 4, 5, 8, 9, 16, 17, 33, 64] {
      for n in [1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 31, 64, 600] {
        for k in [1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 64] {
          guard SmallGemm.covers(m: m, n: n, k: k, alpha: 1, beta: 0) else { continue }
          for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            for beta: Float in [0, 1] {
              let a = Self.values(m * k, &rng), b = Self.values(k * n, &rng)
              let c0 = Self.values(m * n, &rng)
              var want = c0, got = c0
              Self.cblas(ta, tb, m, n, k, a, b, beta, &want)
              try a.withUnsafeBufferPointer { pa in
                try b.withUnsafeBufferPointer { pb in
                  try got.withUnsafeMutableBufferPointer { pc in
                    SmallGemm.run(transA: ta, transB: tb, m: m, n: n, k: k,
                                  a: try #require(pa.baseAddress), b: try #require(pb.baseAddress),
                                  accumulate: beta == 1, c: try #require(pc.baseAddress))
                  }
                }
              }
              #expect(got.map(\.bitPattern) == want.map(\.bitPattern),
                      "(\(m), \(n), \(k)) transA \(ta) transB \(tb) beta \(beta)")
              tried += 1
            }
          }
        }
      }
    }
    #expect(tried > 1000)
  }

  @Test("products the loop does not cover go to OpenBLAS")
  func coverage() {
    #expect(!SmallGemm.covers(m: 4, n: 8, k: 8, alpha: 1, beta: 0))  // the kernel splits k
    #expect(!SmallGemm.covers(m: 64, n: 64, k: 4, alpha: 1, beta: 0))  // too large
    #expect(!SmallGemm.covers(m: 4, n: 8, k: 2, alpha: 2, beta: 0))
    #expect(!SmallGemm.covers(m: 4, n: 8, k: 2, alpha: 1, beta: 0.5))
    #expect(SmallGemm.covers(m: 4, n: 8, k: 2, alpha: 1, beta: 1) == SmallGemm.matchesKernel)
    #expect(SmallGemm.kernelMatches("Haswell") && SmallGemm.kernelMatches("Zen"))
    #expect(!SmallGemm.kernelMatches("SkylakeX") && !SmallGemm.kernelMatches("Prescott"))
  }

  @Test("matmul(x, w, bias:) has the bits of matmul(x, w) + bias, forward and backward")
  func fusedBiasMatchesTwoOps() {
    for (m, k, n) in [(4, 2, 8), (4, 8, 1), (7, 13, 5), (32, 64, 40)] {
      let xs = testTensor([m, k], seed: 1), ws = testTensor([k, n], seed: 2)
      let bs = testTensor([n], seed: 3), up = testTensor([m, n], seed: 4)
      func run(_ fused: Bool) -> [Tensor] {
        let x = Variable(xs, requiresGrad: true), w = Variable(ws, requiresGrad: true)
        let b = Variable(bs, requiresGrad: true)
        let y = fused ? matmul(x, w, bias: b) : matmul(x, w) + b
        Tape.current.backward(from: y, seed: up)
        return [y.value, x.grad ?? Tensor.zeros([0]), w.grad ?? Tensor.zeros([0]), b.grad ?? Tensor.zeros([0])]
      }
      let fused = run(true), plain = run(false)
      for (f, p) in zip(fused, plain) {
        #expect(f.shape == p.shape && f.data.map(\.bitPattern) == p.data.map(\.bitPattern), "(\(m), \(k), \(n))")
      }
    }
  }

  @Test("small storage: zeros or the value, the right count, on both sides of the limit")
  func smallStorage() {
    for n in [0, 1, 7, SmallStorage.maxElements, SmallStorage.maxElements + 1, 5000] {
      #expect(Tensor.zeros([n]).data == [Float](repeating: 0, count: n))
      #expect(Tensor(repeating: 2.5, shape: [n]).data == [Float](repeating: 2.5, count: n))
      #expect(Tensor(repeating: -0.0, shape: [n]).data.allSatisfy { $0.bitPattern == (-0.0 as Float).bitPattern })
      #expect(Tensor.uninitialized([n, 1]).count == n)
    }
    var a = Tensor.zeros([3])
    a.data[0] = 1  // a fresh buffer: the shared block of zeros stays zero
    #expect(Tensor.zeros([3]).data == [0, 0, 0])
  }

  @Test("broadcast shapes with a bias-like operand", arguments: [
    ([4, 8], [8], [4, 8]), ([8], [4, 8], [4, 8]), ([4, 8], [1, 8], [4, 8]), ([8], [1, 8], [1, 8]),
    ([3, 1, 4], [1, 4], [3, 1, 4]), ([2, 1], [1, 5], [2, 5]), ([4, 8], [], [4, 8]), ([], [3], [3]),
    ([1, 1], [1], [1, 1]), ([1, 1, 8], [4, 8], [1, 4, 8]),
  ])
  func broadcastShapes(_ a: [Int], _ b: [Int], _ want: [Int]) {
    #expect(Broadcast.shape(a, b) == want)
  }

  @Test("the shared seed of a scalar loss is never changed by the gradients it seeds")
  func sharedSeed() {
    let x = Variable(Tensor(scalar: 3), requiresGrad: true)
    Tape.current.backward(from: x)  // x.grad is the seed itself
    Tape.current.backward(from: x)  // adds the seed into x.grad: copy-on-write
    #expect(x.grad?.data == [2])
    let z = Variable(Tensor(scalar: 2), requiresGrad: true)
    Tape.current.backward(from: z * z)
    #expect(z.grad?.data == [4])  // seeded with 1: dz = 1·2 + 1·2
  }
}
