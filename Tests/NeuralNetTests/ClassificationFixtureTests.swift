import Foundation
import Testing
import Autograd
@testable import NeuralNet

/// The classification report and the epoch-level metrics against scikit-learn 1.9
/// (bench/fixtures/make_classification_fixture.py → Fixtures/classification_sklearn.json).
@Suite("Classification report and metrics vs scikit-learn")
struct ClassificationFixtureTests {
  struct ReportCase: Decodable {
    let name: String, classes: Int, class_names: [String], labels: [Int], predictions: [Int]
    let confusion: [[Int]], precision: [Double], recall: [Double], f1: [Double], support: [Int]
    let accuracy: Double, macro: [Double], weighted: [Double]
  }
  struct MetricCase: Decodable {
    let name: String, kind: String, rows: Int, width: Int, batches: [Int]
    let output: [Float], targets: [Float], mask: [Float]?
    let precision: Double, recall: Double, f1: Double, accuracy: Double, auc: Double?
  }
  struct Fixture: Decodable {
    let sklearn: String
    let reports: [ReportCase]
    let metrics: [MetricCase]
  }

  static let fixture: Fixture? = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/classification_sklearn.json")
    return (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(Fixture.self, from: $0) }
  }()

  func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 }

  @Test func fixtureCoversTheAwkwardCases() throws {
    let f = try #require(Self.fixture)
    #expect(f.sklearn.hasPrefix("1.9"))
    let names = Set(f.reports.map(\.name))
    #expect(names.isSuperset(of: ["never_predicted", "absent_from_labels", "binary"]))
    #expect(f.metrics.count == 4)
  }

  @Test(arguments: 0..<6)
  func reportMatchesScikitLearn(index: Int) throws {
    let c = try #require(Self.fixture?.reports[index])
    let r = try ClassificationReport(predictions: c.predictions, labels: c.labels, classNames: c.class_names)
    #expect(r.counts == c.confusion, "\(c.name)")
    #expect(r.classNames == c.class_names)
    #expect(r.classes.count == c.classes)
    for k in 0..<c.classes {
      #expect(close(r.classes[k].precision, c.precision[k]), "\(c.name) class \(k) precision")
      #expect(close(r.classes[k].recall, c.recall[k]), "\(c.name) class \(k) recall")
      #expect(close(r.classes[k].f1, c.f1[k]), "\(c.name) class \(k) f1")
      #expect(r.classes[k].support == c.support[k])
    }
    #expect(close(r.accuracy, c.accuracy))
    #expect(r.total == c.labels.count && r.macro.support == r.total && r.weighted.support == r.total)
    for (mine, theirs) in [(r.macro, c.macro), (r.weighted, c.weighted)] {
      #expect(close(mine.precision, theirs[0]) && close(mine.recall, theirs[1]) && close(mine.f1, theirs[2]),
              "\(c.name) averages")
    }
  }

  /// The metric kinds of a fixture case, in the order precision, recall, f1, accuracy[, auc].
  func kinds(_ c: MetricCase) -> [MetricKind] {
    let mode: ClassMode = c.kind == "binary" ? .binary : .sparse
    return [.precision(mode), .recall(mode), .f1(mode), mode == .binary ? .binaryAccuracy : .sparseAccuracy]
      + (c.auc == nil ? [] : [.auc])
  }

  /// Runs the evaluator over the case's batches.
  func evaluate(_ c: MetricCase, mask: Bool = true) -> [Double] {
    var e = MetricEvaluator(kinds: kinds(c), logits: nil, width: c.width)
    var start = 0
    let labelWidth = c.kind == "binary" ? c.width : 1
    for b in c.batches {
      let out = Tensor(shape: [b, c.width], data: Array(c.output[(start * c.width)..<((start + b) * c.width)]))
      let y = Tensor(shape: labelWidth == 1 ? [b] : [b, labelWidth],
                     data: Array(c.targets[(start * labelWidth)..<((start + b) * labelWidth)]))
      let m = mask ? c.mask.map { Tensor(shape: [b], data: Array($0[start..<(start + b)])) } : nil
      e.accumulate(out, y, rows: b, mask: m)
      start += b
    }
    #expect(start == c.rows)
    return e.values()
  }

  @Test(arguments: 0..<4)
  func epochMetricsMatchScikitLearn(index: Int) throws {
    let c = try #require(Self.fixture?.metrics[index])
    let v = evaluate(c)
    let expected = [c.precision, c.recall, c.f1, c.accuracy] + (c.auc.map { [$0] } ?? [])
    #expect(v.count == expected.count)
    for (k, (a, b)) in zip(v, expected).enumerated() {
      #expect(abs(a - b) <= 1e-9, "\(c.name) metric \(k): \(a) vs scikit-learn \(b)")
    }
  }

  @Test func theMaskDecidesWhichStepsCount() throws {
    let f = try #require(Self.fixture)
    for c in f.metrics where c.mask != nil {
      let masked = evaluate(c), unmasked = evaluate(c, mask: false)
      #expect(masked != unmasked, "\(c.name): masked steps must change the numbers")
      // Dropping the masked rows gives the same numbers as weighing them 0.
      let keep = c.mask!.enumerated().filter { $0.element != 0 }.map(\.offset)
      let labelWidth = c.kind == "binary" ? c.width : 1
      let kept = MetricCase(
        name: c.name + "_kept", kind: c.kind, rows: keep.count, width: c.width, batches: [keep.count],
        output: keep.flatMap { c.output[($0 * c.width)..<(($0 + 1) * c.width)] },
        targets: keep.flatMap { c.targets[($0 * labelWidth)..<(($0 + 1) * labelWidth)] }, mask: nil,
        precision: c.precision, recall: c.recall, f1: c.f1, accuracy: c.accuracy, auc: c.auc)
      #expect(zip(evaluate(kept), masked).allSatisfy { abs($0 - $1) <= 1e-12 })
    }
  }

  @Test func sequenceOutputsCountEveryUnmaskedStep() throws {
    // (N, T, C) = (2, 3, 2) softmax rows; labels (2, 3); the last step of sample 1 is padding.
    let out = Tensor(shape: [2, 3, 2], data: [0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7, 0.8, 0.2, 0.1, 0.9])
    let y = Tensor(shape: [2, 3], data: [0, 1, 1, 1, 1, 0])
    let mask = Tensor(shape: [2, 3], data: [1, 1, 1, 1, 1, 0])
    var e = MetricEvaluator(kinds: [.sparseAccuracy, .recall(.sparse)], logits: nil, width: 2)
    e.accumulate(out, y, rows: 6, mask: mask)
    let v = e.values()
    // Predictions 0 1 0 | 1 0 (1, masked): 3 of 5 unmasked steps right.
    #expect(close(v[0], 3.0 / 5))
    // Class 0: 1 of 1 found; class 1: 2 of 4.
    #expect(close(v[1], (1.0 + 0.5) / 2))
    e.reset()
    #expect(e.values()[0].isNaN)
    #expect(e.values()[1] == 0)
  }

  @Test func aucTiesAndDegenerateCases() {
    func auc(_ s: [Float], _ y: [Bool]) -> Double {
      var rows = zip(s, y).map { ScoredRow(score: $0, positive: $1, weight: 1) }
      rows.sort { $0.score > $1.score }
      return rocAUC(sortedDescending: rows)
    }
    #expect(auc([0.9, 0.1], [true, false]) == 1)
    #expect(auc([0.1, 0.9], [true, false]) == 0)
    #expect(auc([0.5, 0.5], [true, false]) == 0.5)  // a tie is half a win
    #expect(abs(auc([0.8, 0.5, 0.5, 0.2], [true, true, false, false]) - 0.875) < 1e-12)
    #expect(auc([0.3, 0.4], [true, true]).isNaN)  // one class only: undefined
    #expect(auc([], []).isNaN)
  }

  @Test func reportFromModelOutputs() throws {
    let probs = Tensor(shape: [4, 3], data: [0.7, 0.2, 0.1, 0.1, 0.1, 0.8, 0.3, 0.4, 0.3, 0.2, 0.5, 0.3])
    let sparse = try ClassificationReport(outputs: probs, targets: Tensor(shape: [4], data: [0, 2, 2, 1]))
    #expect(sparse.counts == [[1, 0, 0], [0, 1, 0], [0, 1, 1]])
    #expect(sparse.classNames == ["0", "1", "2"])
    let oneHot = Tensor(shape: [4, 3], data: [1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0])
    #expect(try ClassificationReport(outputs: probs, targets: oneHot).counts == sparse.counts)
    let sigmoid = Tensor(shape: [3, 1], data: [0.9, 0.2, 0.5])
    let binary = try ClassificationReport(outputs: sigmoid, targets: Tensor(shape: [3], data: [1, 0, 1]),
                                          classNames: ["no", "yes"])
    #expect(binary.counts == [[1, 0], [1, 1]])  // 0.5 is not above the threshold
    let seq = Tensor(shape: [1, 2, 2], data: [0.9, 0.1, 0.4, 0.6])
    #expect(try ClassificationReport(outputs: seq, targets: Tensor(shape: [1, 2], data: [0, 0])).counts
            == [[1, 1], [0, 0]])
  }

  @Test func badInputThrows() {
    #expect(throws: ModelError.self) { try ClassificationReport(predictions: [0, 1], labels: [0], classNames: ["a", "b"]) }
    #expect(throws: ModelError.self) { try ClassificationReport(predictions: [], labels: [], classNames: ["a"]) }
    #expect(throws: ModelError.self) { try ClassificationReport(predictions: [2], labels: [0], classNames: ["a", "b"]) }
    #expect(throws: ModelError.self) { try ClassificationReport(predictions: [0], labels: [-1], classes: 2) }
    #expect(throws: ModelError.self) { try ClassificationReport(predictions: [0], labels: [0], classNames: ["a"], classes: 2) }
    #expect(throws: ModelError.self) { try ClassificationReport(counts: [[1, 2]], classNames: ["a"]) }
    #expect(throws: ModelError.self) { try ClassificationReport(counts: [[0]], classNames: ["a"]) }
    #expect(throws: ModelError.self) { try ClassificationReport(counts: [[-1, 2], [0, 1]], classNames: ["a", "b"]) }
    let probs = Tensor(shape: [2, 3], data: [0.7, 0.2, 0.1, 0.1, 0.1, 0.8])
    #expect(throws: ShapeError.self) { try ClassificationReport(outputs: probs, targets: Tensor(shape: [3], data: [0, 1, 2])) }
    #expect(throws: ModelError.self) { try ClassificationReport(outputs: probs, targets: Tensor(shape: [2], data: [0, 3])) }
    #expect(throws: ModelError.self) { try ClassificationReport(outputs: probs, targets: Tensor(shape: [2], data: [0, 0.5])) }
    #expect(throws: ModelError.self) {
      try ClassificationReport(outputs: probs, targets: Tensor(shape: [2], data: [0, 1]), classNames: ["a"])
    }
    #expect(throws: ModelError.self) {
      try ClassificationReport(outputs: Tensor(shape: [2, 1], data: [0.2, 0.9]), targets: Tensor(shape: [2], data: [0, 2]))
    }
    #expect(throws: ModelError.self) { try ClassificationReport(outputs: Tensor(shape: [0, 3], data: []), targets: Tensor(shape: [0], data: [])) }
  }
}
