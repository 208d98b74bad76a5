import Testing
@testable import Autograd

@Suite(.serialized) struct TapeTests {
  @Test func noGradModeRecordsNothing() {
    Tape.current.reset()
    let w = Variable(testTensor([3, 3]), requiresGrad: true)
    let x = Variable(testTensor([2, 3], seed: 2))
    _ = withoutGrad { matmul(x, w).relu() }
    #expect(Tape.current.count == 0)
  }

  @Test func backwardAccumulatesAndClearsTheTape() {
    Tape.current.reset()
    let w = Variable(testTensor([3, 2]), requiresGrad: true)
    let x = Variable(testTensor([4, 3], seed: 2))
    for _ in 0..<2 {
      let y = matmul(x, w)
      #expect(Tape.current.count == 1)
      Tape.current.backward(from: y, seed: Tensor(repeating: 1, shape: y.shape))
      #expect(Tape.current.count == 0)
    }
    // Two identical passes: the gradient is twice the column sums of x.
    for i in 0..<3 {
      var s: Float = 0
      for r in 0..<4 { s += x.value.data[r * 3 + i] }
      #expect(abs(w.grad!.data[i * 2] - 2 * s) < 1e-4)
    }
  }

  @Test func sameSeedSameStream() {
    var a = SeededRandom(seed: 7), b = SeededRandom(seed: 7), c = SeededRandom(seed: 8)
    let xs = (0..<5).map { _ in a.next() }
    #expect(xs == (0..<5).map { _ in b.next() })
    #expect(xs != (0..<5).map { _ in c.next() })
    #expect(Set(a.permutation(10)) == Set(0..<10))
  }
}
