import Foundation
import Testing
@testable import DLang
import NeuralNet

/// `load … stream=true` and the statements that take a streamed dataset: split, standardize,
/// fit, evaluate, predict; errors in the middle of a stream are located and the session
/// survives them.
@Suite("Interpreter: streamed datasets", .serialized)
struct StreamStatementTests {
  func session() -> (Session, RecordingOutput) {
    let out = RecordingOutput()
    let s = Session(output: out)
    s.baseDirectory = InterpreterTests.root
    return (s, out)
  }

  /// A CSV of `rows` rows `a,b,label` (label = a + b > 0, as text classes `neg`/`pos`), with
  /// `tail` appended, in a fresh temp directory.
  static func csv(rows: Int, tail: String = "") -> String {
    var state: UInt64 = 12345
    func unit() -> Double {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Double(state >> 11) * 0x1p-53 * 2 - 1
    }
    var text = "a,b,label\n"
    for _ in 0..<rows {
      let a = unit(), b = unit()
      text += String(format: "%.4f,%.4f,%@\n", a, b, a + b > 0 ? "pos" : "neg")
    }
    text += tail
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dl-stream-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent("big.csv").path
    FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return path
  }

  static let model = """
    model net {
      input 2
      dense 8 relu
      dense 2 softmax
    }
    compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=0.02) metrics=[accuracy]
    """

  @Test("a stream's rows, shape, features and classes are values; its x and y are located errors")
  func members() throws {
    let path = Self.csv(rows: 1000)
    let (s, out) = session()
    #expect(s.run("""
      seed 2
      big = load "\(path)" target=label stream=true buffer=100
      train, val = split big 0.75
      print big.rows, big.shape, big.features, big.classes
      print train.rows + val.rows
      """, file: "m.dl"), "\(out.stderr)")
    let lines = out.stdout.split(separator: "\n").map(String.init)
    #expect(lines.contains("1000 (1000, 2) [a, b] [neg, pos]"), "\(out.stdout)")
    #expect(lines.last == "1000", "the parts share the rows out: \(out.stdout)")
    #expect(!s.run("print train.x", file: "x.dl"))
    #expect(out.stderr.contains("x.dl:1:13: error: a streamed dataset is not in memory: it has no 'x' tensor"), "\(out.stderr)")
    #expect(!s.run("print train.nope", file: "n.dl"))
    #expect(out.stderr.contains("a streamed dataset has no member 'nope'"))
  }

  @Test("missing=mean on a stream: load reports the cells and fills, and fit trains on the filled rows")
  func missingCellsAreFilledAsTheStreamIsRead() throws {
    var text = "a,b,label\n"
    for i in 0..<400 {
      let a = Double(i % 20) / 10 - 1, b = Double((i * 7) % 20) / 10 - 1
      text += (i % 9 == 4 ? "NA" : String(a)) + "," + String(b) + "," + (a + b > 0 ? "pos" : "neg") + "\n"
    }
    let path = Self.csv(rows: 0)
    FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    let (s, out) = session()
    #expect(s.run("""
      seed 1
      big = load "\(path)" target=label stream=true missing=mean
      \(Self.model)
      fit net big epochs=2 batch=32 verbose=0
      evaluate net big
      """, file: "m.dl"), "\(out.stderr)")
    #expect(out.stdout.contains("  missing: 44 cells — a 44"), "\(out.stdout)")
    #expect(out.stdout.contains("  filled a: 44 cells with "), "\(out.stdout)")
    #expect(out.stdout.contains("accuracy"), "\(out.stdout)")
    // Without a rule the first missing cell is located at load (the survey), and the session lives.
    #expect(!s.run("raw = load \"\(path)\" target=label stream=true", file: "r.dl"))
    #expect(out.stderr.contains(":6: column 1 ('a'): missing value; fill such cells as the file streams"), "\(out.stderr)")
    #expect(s.run("print big.rows", file: "p.dl"))
  }

  @Test func loadSplitStandardizeFitEvaluatePredict() throws {
    let path = Self.csv(rows: 3000)
    let (s, out) = session()
    let ok = s.run("""
      seed 1
      big = load "\(path)" target=label stream=true buffer=500
      train, val = split big 0.8
      standardize train val
      \(Self.model)
      fit net train validation=val epochs=4 batch=32 verbose=2
      evaluate net val
      predict net val limit=3
      """, file: "s.dl")
    #expect(ok, "\(out.stderr)")
    let text = out.stdout
    #expect(text.contains("big: 3000 rows × 2 features (streamed from \(path)), target 'label' (2 classes); shuffle buffer 500 rows"), "\(text)")
    #expect(text.contains("(streamed, by row-number hash)"))
    #expect(text.contains("one streaming pass over"))
    #expect(out.stderr.contains("rows/s: "), "\(out.stderr)")
    #expect(text.contains("the first 3 rows of"))
    let evalLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("loss:") && $0.contains("streamed") })
    let acc = try #require(evalLine.split(separator: " ").last { Double($0) != nil }.flatMap { Double($0) })
    #expect(acc > 0.85, "\(evalLine)")
    if case .stream(let train)? = s.value(named: "train"), case .stream(let val)? = s.value(named: "val") {
      #expect(train.count + val.count == 3000)
      #expect(train.scaling != nil && val.scaling != nil)
    } else {
      Issue.record("train and val are not streamed datasets")
    }
  }

  @Test func badNumberMidStreamIsLocatedAndTheSessionSurvives() throws {
    let path = Self.csv(rows: 4000, tail: "0.5,abc,pos\n")
    let (s, out) = session()
    let ok = s.run("""
      big = load "\(path)" target=label stream=true
      \(Self.model)
      fit net big epochs=1 batch=64 verbose=0
      """, file: "s.dl")
    #expect(!ok)
    #expect(out.stderr.contains("big.csv:4002: column 2 ('b'): 'abc' is not a number"), "\(out.stderr)")
    // The session goes on: the model trained up to the bad row and can be evaluated.
    let again = s.run("print net", file: "t.dl")
    #expect(again, "\(out.stderr)")
  }

  @Test func raggedRowIsFoundAtLoad() {
    let path = Self.csv(rows: 100, tail: "1,2\n")
    let (s, out) = session()
    #expect(!s.run("big = load \"\(path)\" target=label stream=true", file: "s.dl"))
    #expect(out.stderr.contains("big.csv:102: expected 3 fields, found 2"), "\(out.stderr)")
  }

  @Test func optionsThatNeedMemoryAreRefused() {
    let path = Self.csv(rows: 50)
    let cases: [(String, String)] = [
      ("big = load \"\(path)\" target=label stream=true shape=2x1x1", "shape= cannot be combined with stream=true"),
      ("big = load \"\(path)\" target=label stream=true\n\(Self.model)\nfit net big validation=0.2", "cannot hold out a fraction"),
      ("big = load \"\(path)\" target=label stream=true\na, b = split big 0.5 stratify=true", "cannot be split by class"),
      ("big = load \"\(path)\" target=label stream=true\nnormalize big", "normalize does not take a streamed dataset"),
    ]
    for (script, message) in cases {
      let (s, out) = session()
      #expect(!s.run(script, file: "s.dl"), "\(script)")
      #expect(out.stderr.contains(message), "\(script): \(out.stderr)")
    }
  }
}
