import Autograd
import Foundation
import NeuralNet
import Testing
@testable import DLang

/// `crossval`, `search`, and `fit … augment=` / `show augment(…)` in scripts.
@Suite("crossval, search and augment")
struct CrossValidationTests {
  static let iris = TestSupport.root.path + "/examples/data/iris.csv"
  static let digits = TestSupport.root.path + "/examples/data/digits_images.npy"
  static let labels = TestSupport.root.path + "/examples/data/digits_labels.npy"

  static let setup = """
    seed 5
    iris = load "\(iris)" target=label
    standardize iris
    model net {
      input 4
      dense 8 relu
      dense 3 softmax
    }
    compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]
    """

  static func run(_ source: String, prefix: String = setup) -> (Session, RecordingOutput, Bool) {
    let out = RecordingOutput()
    let s = Session(output: out)
    let ok = s.run(prefix + "\n" + source, file: "t.dl")
    return (s, out, ok)
  }

  /// The body rows of an ASCII table: the cells of each `| … |` line after the header.
  static func rows(_ table: String) -> [[String]] {
    let lines = table.split(separator: "\n").filter { $0.hasPrefix("|") }
    return lines.dropFirst().map { line in
      line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
    }
  }

  @Test("crossval prints one row per fold with its sizes, then mean ± std")
  func crossvalTable() throws {
    let (_, out, ok) = Self.run("crossval net iris folds=5 stratify=true epochs=3 batch=16")
    #expect(ok, "\(out.stderr)")
    #expect(out.stdout.contains("crossval net: 5 folds (stratified), 3 epochs, batch 16"))
    let rows = Self.rows(out.stdout)
    #expect(rows.count == 6)
    #expect(rows.prefix(5).map { $0[0] } == ["1", "2", "3", "4", "5"])
    #expect(rows.prefix(5).allSatisfy { $0[1] == "120" && $0[2] == "30" })
    #expect(rows.last?.first == "mean ± std")
    // The mean row is the mean of the fold rows.
    let losses = rows.prefix(5).compactMap { Double($0[3]) }
    #expect(losses.count == 5)
    let mean = try #require(rows.last.flatMap { Double($0[3].split(separator: " ")[0]) })
    #expect(abs(mean - losses.reduce(0, +) / 5) < 2e-4)
  }

  @Test("crossval leaves the model as it was: same weights, no history")
  func modelUntouched() throws {
    let (s, out, ok) = Self.run("crossval net iris folds=3 epochs=2")
    #expect(ok, "\(out.stderr)")
    guard case .model(let m)? = s.value(named: "net") else { Issue.record("no model"); return }
    #expect(m.history.epochs == 0)
    // A session that only declares the model has the same weights: crossval trained copies.
    let (s2, _, _) = Self.run("")
    guard case .model(let m2)? = s2.value(named: "net") else { Issue.record("no model"); return }
    #expect(m.network.weightsSnapshot().map(\.1.data) == m2.network.weightsSnapshot().map(\.1.data))
  }

  @Test("the same seed repeats crossval's table; another seed changes it")
  func reproducible() {
    let a = Self.run("crossval net iris folds=3 epochs=2").1.stdout
    let b = Self.run("crossval net iris folds=3 epochs=2").1.stdout
    let c = Self.run("crossval net iris folds=3 epochs=2", prefix: Self.setup.replacingOccurrences(of: "seed 5", with: "seed 6")).1.stdout
    #expect(a == b)
    #expect(a != c)
  }

  @Test("search ranks every combination by mean validation loss, best first")
  func searchRanks() throws {
    let (_, out, ok) = Self.run("search net iris lr=[0.05, 0.001] batch=[16, 64] folds=3 epochs=3")
    #expect(ok, "\(out.stderr)")
    #expect(out.stdout.contains("4 settings × 3 folds, ranked by mean validation loss (lower is better)"))
    let rows = Self.rows(out.stdout)
    #expect(rows.count == 4)
    #expect(rows.map { $0[0] } == ["1", "2", "3", "4"])
    let losses = rows.compactMap { Double($0[4].split(separator: " ")[0]) }
    #expect(losses.count == 4)
    #expect(losses == losses.sorted())
    #expect(Set(rows.map { "\($0[1]) \($0[2])" }) == ["0.05 16", "0.05 64", "0.001 16", "0.001 64"])
    #expect(out.stdout.contains("best: lr=\(rows[0][1]) batch=\(rows[0][2]) epochs=3"))
    // 3 epochs at lr 0.001 and batch 64 learn least: that setting ranks last.
    #expect(rows[3][1] == "0.001" && rows[3][2] == "64")
  }

  @Test("a search setting scores as crossval does with the same seed and settings")
  func searchMatchesCrossval() throws {
    let cv = Self.run("crossval net iris folds=3 epochs=2 batch=16").1.stdout
    let se = Self.run("search net iris batch=[16] folds=3 epochs=2").1.stdout
    let cvMean = try #require(Self.rows(cv).last?[3])
    let seRow = try #require(Self.rows(se).first)
    #expect(seRow[4] == cvMean)
  }

  @Test("mistakes are reported before anything runs")
  func mistakes() {
    let cases: [(String, String)] = [
      ("crossval net iris folds=1", "folds must be between 2 and 1000, not 1"),
      ("search net iris folds=3", "search needs settings to try"),
      ("search net iris lr=[0.01, 0.01]", "this learning rate is listed twice"),
      ("search net iris lr=[0]", "the learning rate must be above 0"),
      ("crossval net iris augment=[spin]", "unknown augmentation step 'spin'"),
      ("x = [[1, 2, 3, 4]]\ncrossval net x", "needs a dataset"),
    ]
    for (source, message) in cases {
      let (_, out, ok) = Self.run(source)
      #expect(!ok, "\(source)")
      #expect(out.stderr.contains(message), "\(source): \(out.stderr)")
    }
  }

  static let images = """
    seed 1
    digits = load "\(digits)" labels="\(labels)"
    """

  @Test("show augment draws the sample and N copies, the same for the same seed")
  func showAugment() {
    let source = "show augment(digits[0], 3, [shift(1), rotate(10), noise(0.1)])"
    let (_, a, ok) = Self.run(source, prefix: Self.images)
    #expect(ok, "\(a.stderr)")
    #expect(a.stdout.contains("augment(digits[0]): the sample and 3 augmented copies (shift(1), rotate(10), noise(0.1), fill(reflect))"))
    #expect(a.stdout.contains("copy 3"))
    #expect(!a.stdout.contains("copy 4"))
    #expect(Self.run(source, prefix: Self.images).1.stdout == a.stdout)
    let other = Self.run(source, prefix: Self.images.replacingOccurrences(of: "seed 1", with: "seed 2")).1.stdout
    #expect(other != a.stdout)
  }

  @Test("show augment without steps draws those of the last fit, or says there are none")
  func showAugmentLastFit() {
    let none = Self.run("show augment(digits[0], 2)", prefix: Self.images)
    #expect(!none.2)
    #expect(none.1.stderr.contains("no augmentation to draw: no fit has used augment= yet"))
    let fitted = Self.run("""
      model m { input 8x8x1; flatten; dense 10 softmax }
      compile m loss=sparse_categorical_crossentropy optimizer=adam
      fit m digits epochs=1 verbose=0 augment=[flip_v, zoom(0.2)]
      show augment(digits[0], 2)
      """, prefix: Self.images)
    #expect(fitted.2, "\(fitted.1.stderr)")
    #expect(fitted.1.stdout.contains("2 augmented copies (flip_v, zoom(0.2), fill(reflect))"))
  }

  @Test("augment mistakes: bad steps, bad settings, non-image data")
  func augmentMistakes() {
    let cases: [(String, String)] = [
      ("show augment(digits[0], 0, [flip_h])", "the number of copies must be between 1 and 32, not 0"),
      ("show augment(digits[0], 2, [zoom(1)])", "zoom must be at least 0 and below 1, not 1"),
      ("show augment(digits[0], 2, [shift])", "shift takes one setting, e.g. shift(2)"),
      ("show augment(digits[0], 2, [flip_h(1)])", "flip_h takes no setting"),
      ("show augment(digits[0], 2, [fill(mirror)])", "unknown fill mode 'mirror'"),
      ("show augment(digits, 2, [flip_h])", "is a whole dataset"),
    ]
    for (source, message) in cases {
      let (_, out, ok) = Self.run(source, prefix: Self.images)
      #expect(!ok, "\(source)")
      #expect(out.stderr.contains(message), "\(source): \(out.stderr)")
    }
    let flat = Self.run("fit net iris epochs=1 augment=[flip_h]")
    #expect(!flat.2)
    #expect(flat.1.stderr.contains("need image samples (height, width, channels)"), "\(flat.1.stderr)")
  }
}
