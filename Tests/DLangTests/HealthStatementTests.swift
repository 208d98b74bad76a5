import Autograd
import Foundation
import NeuralNet
import Testing
@testable import DLang

/// `fit … health=true`, `plot M gradients|batches`, `plot … log=true`, the lowest-val_loss
/// marker, `lrfind` and `compare`, run in-process.
@Suite("training health statements")
struct HealthStatementTests {
  static let iris = InterpreterTests.root + "/examples/data/iris.csv"

  /// Iris, and a model block `name` with a relu layer (declared after `seed 7`).
  static func setup(_ names: [String] = ["net"], optimizer: String = "adam(lr=0.01)") -> String {
    var s = """
      seed 3
      iris = load "\(iris)" target=label
      train, test = split iris 0.8 stratify=true
      standardize train test
      """
    for name in names {
      s += """

        seed 7
        model \(name) {
          input 4
          dense 8 relu
          dense 3 softmax
        }
        compile \(name) loss=sparse_categorical_crossentropy optimizer=\(optimizer) metrics=[accuracy]
        """
    }
    return s
  }

  static func model(_ s: Session, _ name: String) throws -> ModelRef {
    guard case .model(let m)? = s.value(named: name) else { throw ModelError("no model \(name)") }
    return m
  }

  @Test("health=true reports every epoch, prints a summary and keeps the norms for plot gradients")
  func healthReportsAndPlots() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.setup() + "\nfit net train epochs=3 batch=16 verbose=0 health=true", file: "<c>"), "\(out.stderr)")
    let m = try Self.model(s, "net")
    #expect(m.health.map(\.epoch) == [1, 2, 3])
    #expect(m.health.allSatisfy { $0.norms.map(\.layer) == ["dense_1", "dense_2"] && $0.dead.count == 1 })
    let lines = out.stderr.split(separator: "\n").filter { $0.hasPrefix("net health, epoch ") }
    #expect(lines.count == 3, "\(out.stderr)")
    #expect(lines.first?.contains("dense_1 ") == true && lines.first?.contains("dead ReLU units ") == true)
    #expect(out.stdout.contains("net: training health, epochs 1–3: gradient norm"), "\(out.stdout)")
    #expect(out.stdout.contains("  dead ReLU units (never above 0 on the first 256 samples) after epoch 3: "))
    // The printed norm of dense_1 in epoch 3 is the recorded one.
    let last = try #require(m.health.last?.norms.first?.norm)
    #expect(out.stdout.contains("epoch 3: " + HealthText.number(last)))
    out.clear()
    #expect(s.run("plot net gradients", file: "<c>"), "\(out.stderr)")
    #expect(out.stdout.contains("net: |dloss/dW| per layer (log scale)"), "\(out.stdout)")
    #expect(out.stdout.contains("* dense_1  + dense_2"))
  }

  @Test("health lines flag vanishing layers; a fit without health adds nothing to plot gradients")
  func vanishingIsFlagged() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    // Eight sigmoid layers with tiny weights: the first layers' gradients vanish.
    var block = "seed 1\nx = [[0, 1], [1, 0], [1, 1], [0, 0]]\ny = [0, 1, 1, 0]\nmodel deep {\n  input 2\n"
    for _ in 0..<8 { block += "  dense 4 sigmoid init=random_normal\n" }
    block += "  dense 1 sigmoid\n}\ncompile deep loss=binary_crossentropy optimizer=sgd\n"
    #expect(s.run(block, file: "<c>"), "\(out.stderr)")
    #expect(!s.run("plot deep gradients", file: "<c>"))
    #expect(out.stderr.contains("model 'deep' has no gradient history"), "\(out.stderr)")
    #expect(s.run("fit deep x y epochs=2 verbose=0", file: "<c>"))
    #expect(try Self.model(s, "deep").health.isEmpty)
    #expect(s.run("fit deep x y epochs=2 verbose=0 health=true", file: "<c>"), "\(out.stderr)")
    let m = try Self.model(s, "deep")
    #expect(m.health.map(\.epoch) == [3, 4], "epochs of the whole history")
    let first = try #require(m.health.first)
    #expect(first.vanishing.contains("dense_1"), "\(first.norms)")
    #expect(out.stderr.contains("vanishing (< 1.00e-06): dense_1"), "\(out.stderr)")
    #expect(out.stdout.contains("vanishing in 2/2 epochs"))
  }

  @Test("plot M batches draws every batch's loss; log=true; the loss chart marks the lowest val_loss")
  func batchesLogAndMarker() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.setup() + "\nfit net train epochs=4 batch=40 verbose=0 validation=0.25", file: "<c>"), "\(out.stderr)")
    let m = try Self.model(s, "net")
    // 90 training samples in batches of 40: 3 per epoch.
    #expect(m.batchLosses.count == 12)
    #expect(m.batchLosses.allSatisfy { $0.isFinite && $0 > 0 })
    out.clear()
    #expect(s.run("plot net batches log=true", file: "<c>"), "\(out.stderr)")
    #expect(out.stdout.contains("net: loss of each of 12 batches (log scale)"), "\(out.stdout)")
    out.clear()
    #expect(s.run("plot net", file: "<c>"))
    let val = m.history.series("val_loss")
    let low = try #require(val.indices.min { val[$0] < val[$1] })
    #expect(out.stdout.contains("lowest val_loss: epoch \(low + 1)"), "\(out.stdout)")
    out.clear()
    #expect(s.run("plot net accuracy", file: "<c>"))
    #expect(!out.stdout.contains("lowest val_loss"), "only the loss chart is marked")
  }

  @Test("lrfind prints a suggestion and a chart, and leaves weights, optimizer and generator as they were")
  func lrfindRestores() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.setup() + "\nfit net train epochs=2 batch=16 verbose=0", file: "<c>"), "\(out.stderr)")
    let m = try Self.model(s, "net")
    let optimizer = try #require(m.network.optimizer)
    let weights = m.network.weightsSnapshot(), slots = optimizer.slotState
    let (iterations, rate, rng) = (optimizer.iterations, optimizer.learningRate, s.rng.state)
    out.clear()
    #expect(s.run("lrfind net train steps=60 batch=16", file: "<c>"), "\(out.stderr)")
    #expect(out.stdout.contains("net: learning-rate range test, "), "\(out.stdout)")
    #expect(out.stdout.contains("weights and optimizer state restored"))
    #expect(out.stdout.contains("suggested lr: ") && out.stdout.contains("(steepest descent of the loss)"))
    #expect(out.stdout.contains("net: loss vs learning rate (log scale)"))
    #expect(out.stdout.contains("1e-7") && out.stdout.contains("1e-3"), "decade ticks")
    #expect(zip(m.network.weightsSnapshot(), weights).allSatisfy { $0.1.data == $1.1.data })
    // The restored moments wait in the optimizer until its next step (slotState lists them only
    // then); TrainingHealthTests checks that a fit after lrfind matches a twin model's exactly.
    _ = slots
    #expect(optimizer.iterations == iterations && optimizer.learningRate == rate)
    #expect(s.rng.state == rng, "the session's generator is not advanced")
    #expect(m.history.epochs == 2)
    #expect(m.batchLosses.count == 16, "\(m.batchLosses.count) batch losses")
  }

  @Test("compare overlays several models; the same seed before each block gives the same initial weights")
  func compareModels() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.setup(["a", "b"]), file: "<c>"), "\(out.stderr)")
    let a = try Self.model(s, "a"), b = try Self.model(s, "b")
    #expect(zip(a.network.weightsSnapshot(), b.network.weightsSnapshot()).allSatisfy { $0.1.data == $1.1.data })
    #expect(s.run("fit a train epochs=3 verbose=0\nfit b train epochs=5 verbose=0", file: "<c>"), "\(out.stderr)")
    out.clear()
    #expect(s.run("compare a b metric=accuracy log=true", file: "<c>"), "\(out.stderr)")
    #expect(out.stdout.contains("accuracy per epoch (log scale)"), "\(out.stdout)")
    #expect(out.stdout.contains("* a  + b"))
    #expect(!s.run("compare a b metric=val_loss", file: "<c>"))
    #expect(out.stderr.contains("model 'a' has no history of 'val_loss'"), "\(out.stderr)")
  }
}
