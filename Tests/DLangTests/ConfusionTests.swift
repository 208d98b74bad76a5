import Autograd
import Foundation
import NeuralNet
import TermPlot
import Testing
@testable import DLang

/// `confusion M DATA` against scikit-learn: every report case of
/// Tests/NeuralNetTests/Fixtures/classification_sklearn.json
/// (bench/fixtures/make_classification_fixture.py) through a model whose predictions are the
/// case's: a linear layer with identity weights on one-hot rows, whose argmax is the index.
@Suite("confusion")
struct ConfusionTests {
  struct Case: Decodable {
    let name: String, classes: Int, class_names: [String], labels: [Int], predictions: [Int]
    let confusion: [[Int]], text: String
  }
  struct Fixture: Decodable { let reports: [Case] }

  static let cases: [Case] = {
    let url = TestSupport.root.appendingPathComponent("Tests/NeuralNetTests/Fixtures/classification_sklearn.json")
    return (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(Fixture.self, from: $0) }?.reports ?? []
  }()

  /// The output of `confusion m data` for a case, with its class names on the dataset.
  static func run(_ c: Case) throws -> (ok: Bool, stdout: String, stderr: String) {
    let k = c.classes
    let x = Tensor(shape: [c.predictions.count, k],
                   data: c.predictions.flatMap { p in (0..<k).map { $0 == p ? Float(1) : 0 } })
    let y = Tensor(shape: [c.labels.count], data: c.labels.map(Float.init))
    let output = RecordingOutput()
    let session = Session(output: output)
    session.systemSeed = { 1 }
    session.bind("data", .dataset(try Dataset(x: x, y: y, classNames: c.class_names)))
    let identity = "[" + (0..<k).map { i in "[" + (0..<k).map { $0 == i ? "1" : "0" }.joined(separator: ", ") + "]" }
      .joined(separator: ", ") + "]"
    let ok = session.run("""
      model m { input \(k); dense \(k) }
      m.dense_1.weights = \(identity)
      confusion m data
      """, file: "<confusion>")
    return (ok, output.stdout, output.stderr)
  }

  @Test func everyFixtureCaseGivesScikitLearnsMatrixAndReport() throws {
    #expect(Self.cases.count == 6)
    for c in Self.cases {
      let r = try Self.run(c)
      #expect(r.ok, "\(c.name): \(r.stderr)")
      // The report exactly as classification_report prints it, after the matrix.
      #expect(r.stdout.hasSuffix("\n\n" + c.text), "\(c.name):\n\(r.stdout)")
      // The matrix's rows are scikit-learn's confusion_matrix, the diagonal in brackets.
      let matrix = ConfusionMatrixText(counts: c.confusion, labels: c.class_names).render(style: .ascii)
      let printed = Set(r.stdout.split(separator: "\n").map(String.init))
      for line in matrix.split(separator: "\n").dropFirst(2) {
        #expect(printed.contains(Interpreter.trimmed(String(line))), "\(c.name): \(line)")
      }
      #expect(r.stdout.contains("\nconfusion matrix of m on data (\(c.labels.count) samples): rows are the true classes"), "\(c.name)")
    }
  }

  @Test func theDiagonalIsMarked() throws {
    let c = try #require(Self.cases.first { $0.name == "three_classes" })
    let r = try Self.run(c)
    // cat: 2 of 3 right, 1 taken for a dog; dog: 2 of 3 right, 1 taken for a bird; bird 3 of 4.
    #expect(r.stdout.contains("\ncat    [2]    1     0\n"), "\(r.stdout)")
    #expect(r.stdout.contains("\nbird    0     1    [3]\n"), "\(r.stdout)")
  }

  @Test func theNewMetricsWorkInCompile() throws {
    let output = RecordingOutput()
    let session = Session(output: output)
    session.systemSeed = { 3 }
    let ok = session.run("""
      seed 3
      x = [[0], [1], [2], [3], [4], [5]]
      y = [0, 0, 1, 0, 1, 1]
      model b { input 1; dense 1 sigmoid }
      b.dense_1.weights = [[1]]
      b.dense_1.bias = [-2.5]
      compile b loss=binary_crossentropy optimizer=adam metrics=[accuracy, precision, recall, f1, auc]
      evaluate b x y
      """, file: "<metrics>")
    #expect(ok, "\(output.stderr)")
    // Predicted 1 for x ≥ 3: TP 2, FP 1, FN 1 → precision = recall = f1 = 2/3; 8 of 9 pairs ranked right.
    let line = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(line.contains("precision: 0.6667"), "\(line)")
    #expect(line.contains("recall: 0.6667"), "\(line)")
    #expect(line.contains("f1: 0.6667"), "\(line)")
    #expect(line.contains("auc: 0.8889"), "\(line)")
  }
}
