import Foundation
import Testing
import Autograd
import NeuralNet
@testable import DLang

/// The token and sequence layers in the language: `embedding`, per-step `dense`,
/// `global_avgpool1d` and `last` declared in a model block (shapes echoed), trained from
/// token ids, shown, listed by `help`, and their line errors located.
@Suite("Token and sequence layers in the language")
struct TokenLayerTests {
  func session() -> (Session, RecordingOutput) {
    let out = RecordingOutput()
    let s = Session(output: out)
    s.baseDirectory = InterpreterTests.root
    return (s, out)
  }

  static let block = """
    model words {
      input 6
      embedding 50 8 mask_zero=true
      dense 4 relu
      global_avgpool1d
      dense 1 sigmoid
    }
    """

  @Test("a model block with an embedding echoes each shape and parameter count")
  func echo() throws {
    let (s, out) = session()
    #expect(s.run(Self.block, file: "words.dl"), "\(out.stderr)")
    #expect(out.stdout == """
      model words
        input               → (None, 6)
        embedding_1         → (None, 6, 8)  400 params
        dense_1             → (None, 6, 4)  36 params
        global_avgpool1d_1  → (None, 4)
        dense_2             → (None, 1)     5 params
        441 parameters

      """)
  }

  @Test("trained from token ids: fit, evaluate, predict and show run; padding does not change a prediction")
  func trainFromIds() throws {
    let (s, out) = session()
    let script = """
      seed 3
      x = [[1, 2, 3, 0, 0, 0], [4, 5, 0, 0, 0, 0], [1, 3, 2, 2, 0, 0], [5, 4, 4, 0, 0, 0]]
      y = [1, 0, 1, 0]
      \(Self.block)
      compile words loss=binary_crossentropy optimizer=adam(lr=0.05) metrics=[accuracy]
      fit words x y epochs=20 batch=2 verbose=0
      evaluate words x y
      show words.embedding_1 x[0]
      model tail {
        input 5
        embedding 9 3 mask_zero=true
        last
      }
      print tail.embedding_1.embeddings[2]
      print tail.embedding_1.embeddings[4]
      """
    #expect(s.run(script, file: "train.dl"), "\(out.stderr)")
    #expect(out.stdout.contains("loss: ") && out.stdout.contains("accuracy: 1"), "\(out.stdout)")
    #expect(out.stdout.contains("words.embedding_1 on x[0]: (6, 8)"))
    guard case .model(let m)? = s.value(named: "tail") else { Issue.record("no model tail"); return }
    let table = try #require(m.network.parameter(layer: "embedding_1", name: "embeddings")?.variable.value)
    let p = try m.network.predict(x: Tensor(shape: [2, 5], data: [3, 4, 2, 0, 0, 0, 0, 6, 2, 0]))
    #expect(Array(p.data[0..<3]) == Array(table.data[6..<9]), "the last real step is id 2")
    #expect(Array(p.data[3..<6]) == Array(table.data[6..<9]))
  }

  @Test("help embedding, and every new layer is in help")
  func help() throws {
    let text = try #require(HelpText.topic("embedding"))
    #expect(text.hasPrefix("layer embedding VOCAB DIM [mask_zero=true] [init=NAME] [l1=X] [l2=X]"))
    #expect(text.contains("example (in a model block): embedding 2000 32 mask_zero=true"))
    for name in ["global_avgpool1d", "last"] { #expect(HelpText.topic(name)?.hasPrefix("layer \(name)") == true) }
  }

  @Test("line errors are located at the argument or the line",
        arguments: [
          ("embedding 0 8", "3:13: the vocabulary size must be between 1 and 16777216, not 0"),
          ("embedding 10", "3:3: embedding needs a vocabulary size and a vector size"),
          ("embedding 10 4 mask_zero=maybe", "3:28: mask_zero must be true or false"),
          ("embedding 10 4 init=glorot", "3:23: unknown initializer 'glorot'"),
          ("last 2", "3:8: unexpected argument: last takes no arguments"),
        ])
  func lineErrors(_ line: String, _ expected: String) throws {
    let (s, out) = session()
    #expect(!s.run("model m {\n  input 6\n  \(line)\n}", file: "m.dl"))
    let d = try #require(out.diagnostics.first)
    let got = "\(d.range.start.line):\(d.range.start.column): \(d.message)"
    #expect(got.hasPrefix(expected), "\(got)")
  }

  @Test("dense on a sequence applies per step; on an image it still asks for flatten")
  func denseShapes() throws {
    let (s, out) = session()
    #expect(s.run("model m {\n  input 5x3\n  dense 2 tanh\n}", file: "m.dl"), "\(out.stderr)")
    #expect(out.stdout.contains("dense_1  → (None, 5, 2)  8 params"), "\(out.stdout)")
    let (s2, out2) = session()
    #expect(!s2.run("model m {\n  input 4x4x1\n  dense 2\n}", file: "m.dl"))
    #expect(out2.diagnostics.first?.message.hasPrefix("dense needs a flat input (None, N)") == true)
  }
}
