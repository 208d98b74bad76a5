import Testing
@testable import Autograd
@testable import NeuralNet

/// K-fold partitions for cross-validation.
@Suite("Data: folds")
struct FoldsTests {
  static func labelled(_ labels: [Float]) throws -> Dataset {
    try Dataset(x: Tensor(shape: [labels.count, 1]) { Float($0) },
                y: Tensor(shape: [labels.count], data: labels), targetName: "y")
  }

  static func partition(_ d: Dataset, _ k: Int, stratify: Bool = false, seed: UInt64 = 1) throws -> [[Int]] {
    var rng = SeededRandom(seed: seed)
    return try Folds.partition(d, folds: k, stratify: stratify, rng: &rng)
  }

  @Test("every row is in exactly one fold; sizes differ by at most one", arguments: [(10, 3), (7, 7), (150, 5), (11, 2)])
  func coversOnce(_ n: Int, _ k: Int) throws {
    let d = try Self.labelled((0..<n).map { Float($0 % 3) })
    let folds = try Self.partition(d, k)
    #expect(folds.count == k)
    #expect(folds.flatMap { $0 }.sorted() == Array(0..<n))
    let sizes = folds.map(\.count)
    #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
    #expect(sizes.allSatisfy { $0 > 0 })
    for f in 0..<k {
      let train = Folds.training(folds, except: f)
      #expect(Set(train).isDisjoint(with: folds[f]))
      #expect(train.count + folds[f].count == n)
    }
  }

  @Test("stratified folds hold each class within one row of an equal share")
  func stratified() throws {
    // 3 classes of 20, 13 and 7 rows, ordered by class.
    let labels = [Float](repeating: 0, count: 20) + [Float](repeating: 1, count: 13) + [Float](repeating: 2, count: 7)
    let d = try Self.labelled(labels)
    let folds = try Self.partition(d, 4, stratify: true)
    #expect(folds.flatMap { $0 }.sorted() == Array(0..<labels.count))
    for c in 0..<3 {
      let counts = folds.map { fold in fold.filter { labels[$0] == Float(c) }.count }
      #expect((counts.max() ?? 0) - (counts.min() ?? 0) <= 1, "class \(c): \(counts)")
    }
    let sizes = folds.map(\.count)
    #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
    #expect(Folds.thinClass(d, folds: 8)?.label == 2)
    #expect(Folds.thinClass(d, folds: 8)?.count == 7)
    #expect(Folds.thinClass(d, folds: 4) == nil)
  }

  @Test("the same seed gives the same folds; another seed others; rows are shuffled")
  func seeded() throws {
    let d = try Self.labelled((0..<30).map { Float($0 % 2) })
    #expect(try Self.partition(d, 5, seed: 7) == Self.partition(d, 5, seed: 7))
    #expect(try Self.partition(d, 5, seed: 7) != Self.partition(d, 5, seed: 8))
    #expect(try Self.partition(d, 5, seed: 7)[0] != Array(0..<6))
  }

  @Test("too few folds, too few rows, and stratify without classes are refused")
  func refused() throws {
    let d = try Self.labelled([0, 1, 0])
    #expect(throws: DataError.self) { try Self.partition(d, 1) }
    #expect(throws: DataError.self) { try Self.partition(d, 4) }
    let real = try Dataset(x: Tensor.zeros([4, 1]), y: Tensor(shape: [4], data: [0.5, 1, 2, 3]), targetName: "y")
    #expect(throws: DataError.self) { try Self.partition(real, 2, stratify: true) }
    #expect(try Self.partition(real, 2).count == 2)
  }

  @Test("mean and population std over folds")
  func meanStd() {
    let (m, s) = meanAndStd([1, 2, 3, 4])
    #expect(m == 2.5)
    #expect(abs(s - 1.118033988749895) < 1e-12)
    #expect(meanAndStd([]).mean.isNaN)
  }

  @Test("rows gathers whole rows in the order given")
  func rows() {
    let t = Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6])
    #expect(Folds.rows(t, [2, 0]).data == [5, 6, 1, 2])
    #expect(Folds.rows(t, [2, 0]).shape == [2, 2])
  }
}
