import Autograd
import Foundation
import NeuralNet
import TermPlot
import Testing
@testable import DLang

/// `windows`, `generate`, text loading, `print DATA.vocab`, `predict` on raw texts and the
/// tokenizer in model files, run in-process.
@Suite("Sequence statements")
struct SequenceStatementTests {
  static let sine = InterpreterTests.root + "/examples/data/sine.csv"
  static let reviews = InterpreterTests.root + "/examples/data/reviews.csv"

  static let series = """
    seed 0
    wave = load "\(sine)"
    past, future = split wave 0.8 shuffle=false
    standardize past future
    train = windows past size=20 horizon=1
    test = windows future size=20 horizon=1
    """

  static let text = """
    seed 0
    reviews = load "\(reviews)" text=review target=label vocab=500 length=12
    train, test = split reviews 0.8 stratify=true
    model s {
      input 12
      dense 8 relu
      dense 1 sigmoid
    }
    compile s loss=binary_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]
    fit s train epochs=1 batch=64 verbose=0
    """

  func dataset(_ s: Session, _ name: String) throws -> Dataset {
    guard case .dataset(let d)? = s.value(named: name) else { throw ModelFileError("no dataset \(name)") }
    return d
  }

  @Test("the contract's series lines: an ordered split, standardized on the past, cut into windows")
  func seriesLines() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.series, file: "<cell 1>"), "\(out.stderr)")
    #expect(out.stdout.contains("train: 1180 windows of 20 steps × 1 feature, target 'value' the next step\n"))
    #expect(out.stdout.contains("test: 280 windows of 20 steps × 1 feature, target 'value' the next step\n"))
    let past = try dataset(s, "past"), future = try dataset(s, "future")
    let train = try dataset(s, "train"), test = try dataset(s, "test")
    #expect(train.x.shape == [1180, 20, 1] && test.x.shape == [280, 20, 1])
    // Window 0 of test is future's first 20 rows, its target row 20; the last target is the
    // last row: the order was kept.
    #expect(Array(test.x.data[0..<20]) == Array(future.x.data[0..<20]))
    #expect(test.y?.data.first == future.x.data[20] && test.y?.data.last == future.x.data.last)
    #expect(train.y?.data.last == past.x.data.last)
    // Standardized with the past's statistics: the past has mean 0, the future does not exactly.
    let mean = past.x.data.reduce(0, +) / Float(past.count)
    #expect(abs(mean) < 1e-5)
  }

  @Test("generate feeds predictions back, prints them and charts them after the true series")
  func generate() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    let lines = Self.series + """

      model f {
        input 20x1
        flatten
        dense 1
      }
      f.dense_1.weights = [[0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [1]]
      f.dense_1.bias = [0.5]
      """
    #expect(s.run(lines, file: "<cell 1>"), "\(out.stderr)")
    out.clear()
    #expect(s.run("generate f test[0] steps=12", file: "<cell 2>"), "\(out.stderr)")
    // The model adds 0.5 to the last step: the values climb from test[0]'s last one by 0.5.
    let test = try dataset(s, "test")
    let last = test.x.data[19]
    let expected = (1...12).map { ValueFormat.element(last + 0.5 * Float($0)) }
    let printed = out.stdout.split(separator: "\n").map(String.init)
    #expect(printed.first == "f generated 12 steps after test[0]:")
    #expect(printed.dropFirst().first == "   1–10: " + expected[0..<10].joined(separator: " "))
    #expect(printed.dropFirst(2).first == "  11–12: " + expected[10...].joined(separator: " "))
    #expect(printed.contains { $0.hasPrefix("mse against the true continuation: ") && $0.hasSuffix("(12 steps)") })
    #expect(out.stdout.contains("f: 12 steps after test[0]"))
    #expect(out.stdout.contains("* true series  + generated"))
    // A plain tensor window has no known continuation: the chart draws the window.
    out.clear()
    #expect(s.run("w = test[3]\ngenerate f w steps=2", file: "<cell 3>"), "\(out.stderr)")
    #expect(!out.stdout.contains("mse against"))
    #expect(out.stdout.contains("* window  + generated"))
  }

  @Test("a text load: token ids, the tokenizer line, the vocabulary table, splits keep it")
  func textLoad() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.text + "\nprint reviews.vocab", file: "<cell 1>"), "\(out.stderr)")
    #expect(out.stdout.hasPrefix("""
      reviews: 8841 rows × 12 token ids, target 'label' (2 classes)
        labels: negative → 0, positive → 1
        tokenizer: 500 ids (0 <pad>, 1 <unk>, 498 words), 12 per text, padded and cut at the front (pad=pre truncate=pre)
      """))
    #expect(out.stdout.contains("""
      id  word   id  word  id  word
      --  -----  --  ----  --  -----
       0  <pad>  10  that  20  movie
       1  <unk>  11  in    21  its
       2  the    12  this  22  but
      """))
    #expect(out.stdout.contains("… 470 more ids (500 in all; an unknown word is 1)"))
    let reviews = try dataset(s, "reviews"), train = try dataset(s, "train")
    #expect(train.tokenizer == reviews.tokenizer && train.tokenizer != nil)
    guard case .model(let m)? = s.value(named: "s") else { Issue.record("no model"); return }
    #expect(m.tokenizer == reviews.tokenizer)
    #expect(m.classNames == ["negative", "positive"])
  }

  @Test("predict on raw texts tokenizes them like the training data; save and load keep the tokenizer")
  func predictTexts() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.text, file: "<cell 1>"), "\(out.stderr)")
    out.clear()
    let texts = ["a wonderful, moving film", "dull and far too long"]
    #expect(s.run("predict s [\"\(texts[0])\", \"\(texts[1])\"]", file: "<cell 2>"), "\(out.stderr)")
    let table = out.stdout
    #expect(table.hasPrefix("row  text                      class     probability\n"))
    #expect(table.contains("  0  a wonderful, moving film  "))
    // The same numbers as the model on the tokenizer's ids.
    guard case .model(let m)? = s.value(named: "s"), let t = m.tokenizer else { Issue.record("no tokenizer"); return }
    let p = try m.network.predict(x: t.encode(texts))
    let first = p.data[0] >= 0.5 ? p.data[0] : 1 - p.data[0]
    #expect(table.contains(Format.fixed(Double(first), decimals: 4)))

    out.clear()
    #expect(s.run("save s \"s.safetensors\"\nagain = load \"s.safetensors\"\npredict again [\"\(texts[0])\", \"\(texts[1])\"]",
                  file: "<cell 3>"), "\(out.stderr)")
    #expect(out.stdout.hasSuffix(table))
    #expect(out.stdout.contains("  tokenizer: 500 ids (0 <pad>, 1 <unk>, 498 words), 12 per text"))
    let file = try SafeTensors.decode(try AtomicFile.read(dir + "/s.safetensors"))
    #expect(file.metadata[ModelFiles.Key.tokenizer] == "length=12 pad=pre truncate=pre")
    #expect(try JSONStringList.decode(file.metadata[ModelFiles.Key.vocabulary] ?? "").count == 498)
    guard case .model(let again)? = s.value(named: "again") else { Issue.record("no model"); return }
    #expect(again.tokenizer == t)
  }

  @Test("model-file tokenizer metadata that is incomplete or wrong is refused")
  func badTokenizerMetadata() {
    #expect(throws: ModelFileError.self) { try ModelFiles.tokenizer([ModelFiles.Key.tokenizer: "length=3"]) }
    #expect(throws: ModelFileError.self) {
      try ModelFiles.tokenizer([ModelFiles.Key.tokenizer: "length=3", ModelFiles.Key.vocabulary: "[1]"])
    }
    #expect(throws: ModelFileError.self) {
      try ModelFiles.tokenizer([ModelFiles.Key.tokenizer: "length=x", ModelFiles.Key.vocabulary: "[\"a\"]"])
    }
    #expect((try? ModelFiles.tokenizer([:])) == .some(nil))
  }
}
