import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

@Suite("Data: scaling, class balance, batching")
struct DataPreparationTests {
  typealias S = DataTestSupport

  /// Per-feature mean and population std of a (N, F) tensor.
  static func moments(_ x: Tensor) -> (mean: [Double], std: [Double]) {
    let n = x.shape[0], f = x.shape[1]
    var mean = [Double](repeating: 0, count: f), sq = mean
    for i in 0..<n { for j in 0..<f { mean[j] += Double(x[i, j]) / Double(n) } }
    for i in 0..<n { for j in 0..<f { sq[j] += pow(Double(x[i, j]) - mean[j], 2) / Double(n) } }
    return (mean, sq.map { $0.squareRoot() })
  }

  @Test("standardize: mean 0 / std 1 on the fitted set, train statistics for the others")
  func standardize() throws {
    let iris = try CSVLoader.load(path: S.exampleData("iris.csv"), target: .named("label")).0
    var rng = SeededRandom(seed: 5)
    let parts = try Split.split(iris, fractions: [0.8], stratify: true, rng: &rng)
    let scaler = Scaler.standardize(fitOn: parts[0])
    let train = try scaler.apply(parts[0]), test = try scaler.apply(parts[1])
    let (mean, std) = Self.moments(train.x)
    #expect(mean.allSatisfy { abs($0) < 1e-5 } && std.allSatisfy { abs($0 - 1) < 1e-5 })
    let raw = Self.moments(parts[0].x)
    for j in 0..<4 {
      #expect(abs(Double(scaler.means[j]) - raw.mean[j]) < 1e-5)
      #expect(abs(Double(scaler.stds[j]) - raw.std[j]) < 1e-5)
      let expected = (parts[1].x[0, j] - scaler.means[j]) / scaler.stds[j]
      #expect(abs(test.x[0, j] - expected) < 1e-6)
    }
    #expect(test.y == parts[1].y && train.classCount == 3)
    #expect(scaler.summary.map(\.feature) == iris.featureNames)
  }

  @Test("constant features: std 0 and range 0 scale by 1")
  func constantFeature() throws {
    let d = try Dataset(x: Tensor(shape: [3, 2], data: [5, 1, 5, 2, 5, 3]))
    let standard = Scaler.standardize(fitOn: d)
    #expect(standard.stds[0] == 0)
    #expect(try standard.apply(d).x.data.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
      == [0, 0, 0])
    let minMax = Scaler.minMax(fitOn: d)
    #expect(try minMax.apply(d).x.data == [0, 0, 0, 0.5, 0, 1])
  }

  @Test("minMax maps the fitted range to [0, 1] and others by the same rule")
  func minMax() throws {
    let iris = try CSVLoader.load(path: S.exampleData("iris.csv"), target: .named("label")).0
    let scaler = Scaler.minMax(fitOn: iris)
    let scaled = try scaler.apply(iris)
    #expect(scaled.x.data.min() == 0 && scaled.x.data.max() == 1)
    #expect(scaler.mins == [4.3, 2.0, 1.0, 0.1] && scaler.maxs == [7.9, 4.4, 6.9, 2.5])
    let wide = try Dataset(x: Tensor(shape: [1, 4], data: [7.9 + 3.6, 2, 1, 0.1]))
    let out = try scaler.apply(wide).x.data
    #expect(abs(out[0] - 2) < 1e-5 && out[1] == 0)
    let message = S.message(path: "") { _ = try scaler.apply(try Dataset(x: Tensor.zeros([2, 3]))) }
    #expect(message == "the scaler was fitted on 4 features; this data has 3 features")
  }

  @Test("class counts and balanced weights")
  func classBalance() throws {
    let d = try Dataset(x: Tensor.zeros([6, 1]), y: Tensor(shape: [6], data: [0, 0, 0, 0, 2, 2]))
    let balance = try ClassBalance(d)
    #expect(balance.counts == [4, 0, 2] && balance.total == 6)
    #expect(balance.balancedWeights == [0.75, 0, 1.5])
    let (labelled, _) = try S.load("x,y\n1,b\n2,a\n3,b\n4,b\n")
    let named = try ClassBalance(labelled)
    #expect(named.counts == [1, 3] && named.classNames == ["a", "b"])
    #expect(named.balancedWeights == [2, Float(4.0 / 6.0)])
    #expect(S.message(path: "") { _ = try ClassBalance(try Dataset(x: Tensor.zeros([2, 1]))) }
      == "class counts need class labels, but the dataset has no target")
  }

  @Test("Batcher copies the right rows, resizing only for the partial batch")
  func batcher() throws {
    let x = Tensor(shape: [5, 2, 2]) { Float($0) }
    let y = Tensor(shape: [5], data: [10, 11, 12, 13, 14])
    var b = try Batcher(x: x, y: y, batchSize: 2)
    #expect(b.batchCount == 3 && b.rowCount == 5)
    let order = [4, 0, 3, 1, 2]
    b.load(batch: 0, of: order)
    #expect(b.xBatch.shape == [2, 2, 2])
    #expect(b.xBatch.data == [16, 17, 18, 19, 0, 1, 2, 3] && b.yBatch?.data == [14, 10])
    b.load(batch: 1, of: order)
    #expect(b.xBatch.data == [12, 13, 14, 15, 4, 5, 6, 7] && b.yBatch?.data == [13, 11])
    b.load(batch: 2, of: order)
    #expect(b.xBatch.shape == [1, 2, 2] && b.xBatch.data == [8, 9, 10, 11])
    #expect(b.yBatch?.shape == [1] && b.yBatch?.data == [12])
    #expect(S.message(path: "") { _ = try Batcher(x: x, y: y, batchSize: 0) }
      == "batch size must be at least 1, got 0")
    #expect(S.message(path: "") { _ = try Batcher(x: x, y: Tensor.zeros([4]), batchSize: 2) }
      == "targets of shape (4,) do not match 5 rows of features")
  }

  @Test("Batcher reuses its buffer between full batches")
  func batcherReuse() throws {
    var b = try Batcher(x: Tensor(shape: [6, 3]) { Float($0) }, y: nil, batchSize: 3)
    b.load(batch: 0, of: Array(0..<6))
    let first = b.xBatch.data.withUnsafeBufferPointer { $0.baseAddress }
    b.load(batch: 1, of: Array(0..<6))
    let second = b.xBatch.data.withUnsafeBufferPointer { $0.baseAddress }
    #expect(first == second && b.yBatch == nil)
    #expect(b.xBatch.data == [9, 10, 11, 12, 13, 14, 15, 16, 17])
  }

  @Test("Dataset init checks shapes; subset keeps metadata")
  func datasetBasics() throws {
    let d = try Dataset(x: Tensor(shape: [3, 2]) { Float($0) },
                        y: Tensor(shape: [3], data: [1, 0, 1]),
                        featureNames: ["a", "b"], targetName: "t", classNames: ["no", "yes"])
    let s = d.subset([2, 0])
    #expect(s.x.data == [4, 5, 0, 1] && s.y?.data == [1, 1] && s.classNames == ["no", "yes"])
    #expect(s.describe == "2 rows × 2 features, target 't' (2 classes)")
    #expect(S.message(path: "") { _ = try Dataset(x: Tensor.zeros([3, 2]), y: Tensor.zeros([2])) }
      == "targets of shape (2,) do not match 3 rows of features")
    #expect(S.message(path: "") { _ = try Dataset(x: Tensor.zeros([3, 2]), featureNames: ["a"]) }
      == "1 feature name for 2 features")
    let multi = try Dataset(x: Tensor.zeros([2, 1]), y: Tensor.zeros([2, 3]))
    #expect(multi.describe == "2 rows × 1 feature, target (3 values per row)")
    #expect(multi.featureNames == ["f1"])
  }
}
