import Autograd
import Foundation
import NeuralNet
import Testing
@testable import DLang

/// Encoder–decoder blocks, `load … source= target=`, `fit` with teacher forcing, `evaluate`'s
/// exact, `predict` (greedy, beam, raw strings) and `show MODEL.attention`, run in-process on
/// a small slice of the reversal data.
@Suite("Encoder–decoder statements")
struct Seq2SeqStatementTests {
  static let pairs = InterpreterTests.root + "/examples/data/reverse.csv"

  static let setup = """
    seed 0
    pairs = load "\(pairs)" source=src target=tgt
    small, rest = split pairs 0.05
    model rev {
      encoder {
        input 10
        embedding 14 8 mask_zero=true
        lstm 16 return_sequences=true
      }
      decoder {
        embedding 14 8
        lstm 16
        attention kind=additive
        dense 14 softmax
      }
    }
    compile rev loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]
    """

  @Test("a model block with encoder and decoder echoes both halves and builds one graph")
  func declare() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.setup, file: "<cell 1>"), "\(out.stderr)")
    #expect(out.stdout.contains("pairs: 14 ids shared by both sides"))
    guard case .model(let m)? = s.value(named: "rev") else { Issue.record("no model"); return }
    let g = try #require(m.seq2seq)
    #expect(g.sourceLength == 10 && g.targetLength == 11)
    #expect(m.network.outputShape == [11, 14])
    #expect(m.network.layers.map(\.name) == ["embedding_1", "lstm_1", "embedding_2", "lstm_2", "attention", "dense_1"])
  }

  @Test("the parser tags the lines of each block and reports a block nested in a block")
  func parse() {
    let program = Parser.parse(source: "model m {\n  encoder {\n    input 4\n  }\n  decoder { dense 3 }\n}\n")
    #expect(program.diagnostics.isEmpty)
    guard case .model(_, let layers) = program.statements.first?.kind else { Issue.record("no model"); return }
    #expect(layers.map(\.section) == ["encoder", "decoder"])
    let nested = TestSupport.messages("model m {\n  encoder {\n    decoder { dense 3 }\n  }\n}\n")
    #expect(nested.contains { $0.contains("'decoder' cannot be inside 'encoder'") })
  }

  @Test("fit, evaluate with exact, predict greedy and beam, raw strings, attention heatmap")
  func trainAndDecode() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.setup + "\nfit rev small epochs=2 batch=32 verbose=0", file: "<cell 1>"), "\(out.stderr)")
    out.clear()
    #expect(s.run("evaluate rev small", file: "<cell 2>"), "\(out.stderr)")
    #expect(out.stdout.contains(" - exact: "))
    #expect(out.stdout.contains("exact by source length: 4: "))
    out.clear()
    #expect(s.run("predict rev small top=3", file: "<cell 3>"), "\(out.stderr)")
    #expect(out.stdout.contains("prediction") && out.stdout.contains("target") && out.stdout.contains("of 3 exact"))
    out.clear()
    #expect(s.run("predict rev small top=3 beam=3", file: "<cell 4>"), "\(out.stderr)")
    #expect(out.stdout.contains("prediction (beam 3)"))
    out.clear()
    #expect(s.run("predict rev [\"3 1 4 1 5\"]", file: "<cell 5>"), "\(out.stderr)")
    #expect(out.stdout.contains("3 1 4 1 5"))
    out.clear()
    #expect(s.run("show rev.attention small[0]", file: "<cell 6>"), "\(out.stderr)")
    #expect(out.stdout.contains("rev.attention on ") && out.stdout.contains("prediction"))
  }

  @Test("scheduled sampling trains epoch by epoch; teacher_forcing is refused by a plain model")
  func teacherForcing() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.setup + "\nfit rev small epochs=3 batch=32 verbose=0 teacher_forcing=linear(1.0, 0.2)", file: "<cell 1>"),
            "\(out.stderr)")
    guard case .model(let m)? = s.value(named: "rev") else { Issue.record("no model"); return }
    #expect(m.history.epochs == 3)
    #expect(!s.run("model p {\n  input 2\n  dense 1\n}\ncompile p loss=mse\nx = [[1, 2]]\nfit p x [1] teacher_forcing=0.5",
                   file: "<cell 2>"))
    #expect(out.stderr.contains("teacher_forcing= is for encoder–decoder models"))
  }

  @Test("teacher-forcing schedules")
  func schedules() {
    #expect(TeacherForcing.constant(0.5).probability(epoch: 3, of: 10) == 0.5)
    #expect(TeacherForcing.linear(1, 0.2).probability(epoch: 0, of: 5) == 1)
    #expect(abs(TeacherForcing.linear(1, 0.2).probability(epoch: 4, of: 5) - 0.2) < 1e-12)
    #expect(abs(TeacherForcing.linear(1, 0.2).probability(epoch: 2, of: 5) - 0.6) < 1e-12)
  }
}
