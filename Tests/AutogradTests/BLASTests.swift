import Testing
@testable import Autograd

/// sgemm against a naive triple loop on odd shapes and every transposition.
@Suite struct BLASTests {
  static let shapes: [(Int, Int, Int)] = [(1, 1, 1), (3, 2, 5), (7, 3, 4), (17, 13, 9), (64, 33, 65)]

  @Test(arguments: shapes)
  func gemmMatchesNaiveLoop(_ mnk: (Int, Int, Int)) {
    let (m, n, k) = mnk
    for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
      let a = testTensor(ta ? [k, m] : [m, k], seed: 5)
      let b = testTensor(tb ? [n, k] : [k, n], seed: 6)
      let c = matmul(Variable(a), Variable(b), transA: ta, transB: tb).value
      #expect(c.shape == [m, n])
      for i in 0..<m {
        for j in 0..<n {
          var s: Double = 0
          for p in 0..<k {
            let x = ta ? a.data[p * m + i] : a.data[i * k + p]
            let y = tb ? b.data[j * k + p] : b.data[p * n + j]
            s += Double(x) * Double(y)
          }
          #expect(abs(Double(c.data[i * n + j]) - s) < 1e-4 * Double(k), "(\(m),\(n),\(k)) t=\(ta),\(tb) at \(i),\(j)")
        }
      }
    }
  }
}
