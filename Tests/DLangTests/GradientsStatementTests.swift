import Autograd
import Foundation
import NeuralNet
import TermPlot
import Testing
@testable import DLang

/// `gradients MODEL DATA`: the gradient of the loss per input time step, run in-process.
@Suite("gradients statement")
struct GradientsStatementTests {
  static let data = InterpreterTests.root + "/examples/data/first_step.csv"

  /// A session holding `seqs` (the first-step sequences) and a compiled SimpleRNN `rnn`.
  static let setup = """
    seed 0
    seqs = load "\(data)" target=label shape=50x1
    model rnn {
      input 50x1
      simple_rnn 8
      dense 1 sigmoid
    }
    compile rnn loss=binary_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]
    """

  /// The figures line's values: `step 1: 1.23e-05   step 25: …   last/first: …`.
  static func figures(_ text: String) -> [String: Double] {
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("  step 1: ") }) else { return [:] }
    var out: [String: Double] = [:]
    for part in line.split(separator: "   ") {
      let pair = part.split(separator: ":")
      guard pair.count == 2, let v = Double(pair[1].trimmingCharacters(in: .whitespaces)) else { continue }
      out[pair[0].trimmingCharacters(in: .whitespaces)] = v
    }
    return out
  }

  @Test("prints the first, middle and last step's norms, their ratio and a log chart; matches NeuralNet")
  func runsAndMatchesTheModel() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.setup + "\ngradients rnn seqs samples=64 batch=20", file: "<cell 1>"), "\(out.stderr)")
    #expect(out.stdout.contains("rnn: gradient of the loss reaching each input step, |dloss/dx_t|, mean over 64 samples of seqs\n"),
            "\(out.stdout)")
    #expect(out.stdout.contains("rnn: |dloss/dx_t| per step t (log scale)"))
    #expect(out.stdout.contains("* gradient norm"))
    let f = Self.figures(out.stdout)
    #expect(f.count == 4, "\(out.stdout)")
    // The same numbers as NeuralNet computes for the same samples.
    guard case .model(let m)? = s.value(named: "rnn"), case .dataset(let d)? = s.value(named: "seqs"),
          let y = d.y else { Issue.record("no model or data"); return }
    let norms = try m.network.inputGradientNorms(x: d.x, y: y.reshaped([y.count, 1]), samples: 64)
    for (key, step) in [("step 1", 0), ("step 25", 24), ("step 50", 49)] {
      let v = try #require(f[key])
      #expect(abs(v - norms.steps[step]) <= 0.006 * norms.steps[step], "\(key): \(v) vs \(norms.steps[step])")
    }
    let ratio = try #require(f["last/first"])
    #expect(abs(ratio - norms.steps[49] / norms.steps[0]) <= 0.006 * ratio)
    // An untrained SimpleRNN on 50 steps: the last step gets far more gradient than the first.
    #expect(ratio > 10)
  }

  @Test("X Y data works like a dataset, and a fit in between leaves the statement's model usable")
  func tensorsAndTraining() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    let script = Self.setup + """

      x = [[[1], [0], [0]], [[-1], [0], [0]]]
      y = [1, 0]
      model tiny {
        input 3x1
        lstm 2
        dense 1 sigmoid
      }
      compile tiny loss=binary_crossentropy optimizer=sgd
      gradients tiny x y
      fit tiny x y epochs=2 verbose=0
      gradients tiny x y batch=1
      """
    #expect(s.run(script, file: "<cell 1>"), "\(out.stderr)")
    #expect(out.stdout.components(separatedBy: "tiny: gradient of the loss reaching each input step").count == 3)
    #expect(out.stdout.contains("mean over 2 samples of x y"))
    #expect(Self.figures(out.stdout)["step 2"] != nil)
  }

  @Test("the checker reports an uncompiled model, a model without a time axis and missing labels")
  func checkerErrors() {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    let script = """
      x = [[1, 2], [3, 4]]
      model flat { input 2; dense 1 }
      compile flat loss=mse optimizer=sgd
      model seq { input 2x1; simple_rnn 2; dense 1 }
      gradients seq x
      gradients flat x [1, 2]
      """
    #expect(!s.run(script, file: "<t>"))
    #expect(out.stderr.contains("<t>:5:11: error: gradients needs the loss: model 'seq' is not compiled yet"), "\(out.stderr)")
    #expect(out.stderr.contains("<t>:5:15: error: 'gradients' with a tensor of features also needs the targets"), "\(out.stderr)")
    #expect(out.stderr.contains("<t>:6:11: error: gradients charts one value per time step, but model 'flat' takes (None, 2)"),
            "\(out.stderr)")
  }

  @Test("help and completion know the statement and its options")
  func helpAndCompletion() {
    let spec = Statements.spec("gradients")
    #expect(spec?.options.map(\.name) == ["samples", "batch"])
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run("help gradients", file: "<t>"))
    #expect(out.stdout.contains("gradients MODEL DATA|X Y [samples=N] [batch=N]"), "\(out.stdout)")
  }
}
