import Foundation
import Testing
@testable import DLang
import NeuralNet

/// `load … missing= categorical= categories=`, `describe`, `impute`, `onehot`, `resample`, and
/// the fills and categories a model keeps for `predict` and its file.
@Suite("Preparation statements")
struct PreparationStatementTests {
  func session() -> (Session, RecordingOutput) {
    let out = RecordingOutput()
    let s = Session(output: out)
    s.baseDirectory = InterpreterTests.root
    return (s, out)
  }

  /// A CSV file in a fresh temporary directory.
  func write(_ text: String, _ name: String = "p.csv") -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dl-prep-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return path
  }

  static let table = "city,age,income,y\nOslo,30,100,a\nRome,NA,200,b\nOslo,50,?,a\nParis,40,400,b\n"

  @Test func loadReportsMissingCellsAndTheMapping() {
    let (s, out) = session()
    let path = write(Self.table)
    #expect(s.run("d = load \"\(path)\" target=y missing=[age=median, income=0] categorical=[city]", file: "s.dl"), "\(out.stderr)")
    #expect(out.stdout.contains("d: 4 rows × 5 features, target 'y' (2 classes)"), "\(out.stdout)")
    #expect(out.stdout.contains("  missing: 2 cells — age 1, income 1"))
    #expect(out.stdout.contains("  filled age: 1 cell with the median, 40\n"), "\(out.stdout)")
    #expect(out.stdout.contains("  filled income: 1 cell with 0"))
    #expect(out.stdout.contains("  city: Oslo → city=Oslo, Paris → city=Paris, Rome → city=Rome"))
  }

  @Test func keepThenImputeUsesTheTrainingPartOnly() throws {
    let (s, out) = session()
    let train = write("a,y\n1,0\n,1\n3,0\n100,1\n")
    let test = write("a,y\n,0\n5,1\n", "q.csv")
    #expect(s.run("""
      tr = load "\(train)" target=y missing=keep
      te = load "\(test)" target=y missing=keep
      impute tr te median
      """, file: "s.dl"), "\(out.stderr)")
    #expect(out.stdout.contains("kept 1 missing cell as NaN"))
    #expect(out.stdout.contains("imputed tr, te with the median of tr:"))
    guard case .dataset(let te)? = s.value(named: "te") else { Issue.record("no te"); return }
    #expect(te.x.data == [3, 5] && te.imputer?.values == [3])
  }

  @Test func describeShowsStatisticsAndClassBars() {
    let (s, out) = session()
    let path = write(Self.table)
    #expect(s.run("d = load \"\(path)\" target=y missing=keep categorical=[city]\ndescribe d", file: "s.dl"), "\(out.stderr)")
    let text = out.stdout
    #expect(text.contains("feature"), "\(text)")
    #expect(text.contains("25%") && text.contains("missing"))
    // age: 30, 40, 50 present, one missing
    #expect(text.split(separator: "\n").contains { $0.hasPrefix("age") && $0.contains(" 3 ") && $0.contains("40.0000") }, "\(text)")
    #expect(text.contains("target 'y':") && text.contains("2 (50.0%)"))
  }

  @Test func resampleAndOnehotPrintWhatTheyDid() {
    let (s, out) = session()
    let path = write("x,y\n1,a\n2,a\n3,a\n4,b\n")
    #expect(s.run("seed 1\nd = load \"\(path)\" target=y\nresample d oversample\nonehot d", file: "s.dl"), "\(out.stderr)")
    #expect(out.stdout.contains("d: oversampled from 4 rows to 6 rows"), "\(out.stdout)")
    #expect(out.stdout.contains("before:") && out.stdout.contains("after:"))
    #expect(out.stdout.contains("d: target (6 rows, 2 one-hot values per row)"))
    guard case .dataset(let d)? = s.value(named: "d") else { Issue.record("no d"); return }
    #expect(d.y?.shape == [6, 2])
  }

  @Test func categoriesAreReusedAndAnUnseenOneIsAnErrorTheSessionSurvives() {
    let (s, out) = session()
    let train = write(Self.table)
    let fresh = write("city,age,income\nRome,20,10\n", "q.csv")
    let unseen = write("city,age,income\nLima,20,10\n", "r.csv")
    #expect(s.run("tr = load \"\(train)\" target=y missing=mean categorical=[city]", file: "s.dl"), "\(out.stderr)")
    #expect(s.run("n = load \"\(fresh)\" categorical=[city] categories=tr", file: "s.dl"), "\(out.stderr)")
    guard case .dataset(let n)? = s.value(named: "n") else { Issue.record("no n"); return }
    #expect(n.featureNames.prefix(3) == ["city=Oslo", "city=Paris", "city=Rome"])
    #expect(!s.run("u = load \"\(unseen)\" categorical=[city] categories=tr", file: "s.dl"))
    #expect(out.stderr.contains(":2: column 1 ('city'): unknown category 'Lima': the encoding has 'Oslo', 'Paris', 'Rome'"), "\(out.stderr)")
    #expect(s.run("print n.shape", file: "s.dl"))
  }

  @Test func theModelKeepsFillsAndCategoriesForPredictAndItsFile() throws {
    let (s, out) = session()
    let train = write("c,v,y\nu,1,0\nw,,1\nu,3,0\nw,5,1\n")
    let fresh = write("c,v\nw,\nu,2\n", "q.csv")
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("dl-prep-\(UUID().uuidString).safetensors").path
    #expect(s.run("""
      seed 2
      d = load "\(train)" target=y missing=mean categorical=[c]
      model m {
        input 3
        dense 2 softmax
      }
      compile m loss=sparse_categorical_crossentropy optimizer=adam
      fit m d epochs=2 verbose=0
      save m "\(file)"
      m2 = load "\(file)"
      x = load "\(fresh)" missing=keep categorical=[c] categories=m2
      predict m2 x
      """, file: "s.dl"), "\(out.stderr)")
    guard case .model(let m2)? = s.value(named: "m2") else { Issue.record("no m2"); return }
    #expect(m2.categories?.columns.first?.categories == ["u", "w"])
    #expect(m2.imputer?.values == [nil, nil, 3])
    #expect(out.stdout.contains("row"), "\(out.stdout)")
    try? FileManager.default.removeItem(atPath: file)
  }

  @Test func predictWithoutFillsNamesTheMissingCells() {
    let (s, out) = session()
    let fresh = write("a,b\n1,\n", "q.csv")
    #expect(!s.run("""
      model m {
        input 2
        dense 1 sigmoid
      }
      compile m loss=binary_crossentropy optimizer=sgd
      x = load "\(fresh)" missing=keep
      predict m x
      """, file: "s.dl"))
    #expect(out.stderr.contains("the data has 1 missing cell, and model 'm' has no fill values for them"), "\(out.stderr)")
  }
}
