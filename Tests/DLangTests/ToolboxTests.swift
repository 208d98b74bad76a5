import Foundation
import Testing
@testable import DLang
import NeuralNet

/// The training toolbox in-process: early stopping, class weights, schedules and `plot MODEL
/// lr`, the best-epoch marker, the NaN guard, the CSV log, checkpoints and resume, and the
/// optimizer text of `compile`.
@Suite("Toolbox")
struct ToolboxTests {
  func session() -> (Session, RecordingOutput) {
    let out = RecordingOutput()
    return (Session(output: out), out)
  }

  /// A fresh temporary directory.
  func temporaryDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("dl-toolbox-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  /// Eight points in two unbalanced classes (6 of class 0, 2 of class 1) and a softmax model.
  static let setup = """
    seed 3
    x = [[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.2], [0.1, 0.9], [0.9, 0.1], [0.3, 0.3]]
    y = [0, 0, 0, 1, 0, 0, 0, 1]
    model net {
      input 2
      dense 8 tanh
      dense 2 softmax
    }
    """

  /// The progress lines of `out` in order.
  func lines(_ out: RecordingOutput) -> [String] {
    out.stderr.split(separator: "\n").map(String.init)
  }

  @Test func earlyStoppingNotesInOrder() {
    let (s, out) = session()
    // An enormous learning rate on random-looking data: the validation loss stops improving.
    #expect(s.run(Self.setup + """

      compile net loss=sparse_categorical_crossentropy optimizer=sgd(lr=0.5) metrics=[accuracy]
      fit net x y epochs=300 validation=0.25 early_stopping=2 verbose=0
      """, file: "a"), "\(out.stderr)")
    let l = lines(out)
    let stop = l.firstIndex { $0.hasPrefix("Epoch ") && $0.hasSuffix(": early stopping") }
    let restore = l.firstIndex { $0.hasPrefix("Restoring model weights from the end of the best epoch: ") }
    #expect(stop != nil, "\(out.stderr)")
    #expect(restore != nil, "\(out.stderr)")
    if let stop, let restore { #expect(stop < restore) }
    // The chart marks the best epoch.
    out.clear()
    #expect(s.run("plot net", file: "b"), "\(out.stderr)")
    #expect(out.stdout.contains(": best epoch "), "\(out.stdout)")
    #expect(out.stdout.contains(" (weights restored)"))
    if let r = restore.map({ l[$0] }), let k = Int(r.split(separator: " ").last!.dropLast()) {
      #expect(out.stdout.contains("best epoch \(k) (weights restored)"), "\(out.stdout)")
    }
  }

  @Test func classWeightsAreShown() {
    let (s, out) = session()
    #expect(s.run(Self.setup + """

      compile net loss=sparse_categorical_crossentropy optimizer=adam
      fit net x y epochs=1 class_weight=balanced verbose=0
      """, file: "a"), "\(out.stderr)")
    // 8 / (2 × 6) and 8 / (2 × 2).
    #expect(out.stderr.contains("class weights: 0: 0.6667, 1: 2"), "\(out.stderr)")
  }

  @Test func plotLearningRate() {
    let (s, out) = session()
    #expect(s.run(Self.setup + """

      compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=step(0.1, every=2, factor=0.5))
      fit net x y epochs=6 verbose=0
      plot net lr
      """, file: "a"), "\(out.stderr)")
    #expect(out.stdout.contains("net: lr per epoch"), "\(out.stdout)")
    #expect(out.stdout.contains("0.1"), "\(out.stdout)")
    #expect(out.stdout.contains("0.025"), "\(out.stdout)")
    // Without a schedule there is no rate history.
    let (s2, out2) = session()
    #expect(!s2.run(Self.setup + """

      compile net loss=sparse_categorical_crossentropy optimizer=adam
      fit net x y epochs=2 verbose=0
      plot net lr
      """, file: "b"))
    #expect(out2.diagnostics.map(\.message) == ["model 'net' has no learning-rate history"])
  }

  @Test func nanGuardStopsTrainingAndKeepsFiniteWeights() {
    let (s, out) = session()
    #expect(s.run("""
      seed 1
      x = [[1e30, -1e30], [2e30, 1e30], [-1e30, 3e30], [1e30, 1e30]]
      y = [[1], [2], [3], [4]]
      model net {
        input 2
        dense 4 relu
        dense 1
      }
      compile net loss=mse optimizer=sgd(lr=1000000)
      fit net x y epochs=20 batch=2 verbose=0
      """, file: "a"), "\(out.stderr)")
    #expect(out.stderr.contains("NaN guard: epoch "), "\(out.stderr)")
    out.clear()
    #expect(s.run("evaluate net [[1, 2], [3, 4]] [[1], [2]]", file: "b"), "\(out.stderr)")
    let text = out.stdout.lowercased()
    #expect(text.hasPrefix("loss: "), "\(out.stdout)")
    #expect(!text.contains("nan") && !text.contains("inf"), "\(out.stdout)")
  }

  @Test func csvLogHasOneRowPerEpoch() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (s, out) = session()
    #expect(s.run(Self.setup + """

      compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=cosine(0.01, epochs=5)) metrics=[accuracy]
      fit net x y epochs=5 validation=0.25 log="\(dir)/net.csv" verbose=0
      """, file: "a"), "\(out.stderr)")
    let csv = try String(contentsOfFile: dir + "/net.csv", encoding: .utf8)
    let rows = csv.split(separator: "\n").map(String.init)
    #expect(rows.first == "epoch,accuracy,loss,val_accuracy,val_loss,lr", "\(csv)")
    #expect(rows.count == 6, "\(csv)")
    for (i, row) in rows.dropFirst().enumerated() {
      #expect(row.split(separator: ",").count == 6, "\(row)")
      #expect(row.hasPrefix("\(i),") || row.hasPrefix("\(i + 1),"), "\(row)")
    }
  }

  @Test func checkpointAndResume() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let ckpt = dir + "/run.ckpt"
    let (s, out) = session()
    #expect(s.run(Self.setup + """

      compile net loss=sparse_categorical_crossentropy optimizer=adam
      fit net x y epochs=3 checkpoint="\(ckpt)" verbose=0
      """, file: "a"), "\(out.stderr)")
    #expect(FileManager.default.fileExists(atPath: ckpt + "/checkpoint.safetensors"))

    // Resuming a finished fit of the same epochs runs no further epoch.
    let (s2, out2) = session()
    #expect(s2.run(Self.setup + """

      compile net loss=sparse_categorical_crossentropy optimizer=adam
      fit net x y epochs=3 resume="\(ckpt)" verbose=2
      """, file: "b"), "\(out2.stderr)")
    #expect(out2.stderr.contains("resuming from \(ckpt): epoch 3/3 done"), "\(out2.stderr)")
    #expect(!out2.stderr.contains("Epoch 1/3"), "\(out2.stderr)")
    #expect(!out2.stderr.contains("Epoch 3/3"), "\(out2.stderr)")

    // A checkpoint of a different number of epochs is refused.
    let (s3, out3) = session()
    #expect(!s3.run(Self.setup + """

      compile net loss=sparse_categorical_crossentropy optimizer=adam
      fit net x y epochs=5 resume="\(ckpt)" verbose=0
      """, file: "c"))
    #expect(out3.diagnostics.map(\.message) == ["the checkpoint in \(ckpt) is of a fit of 3 epochs, not 5"])

    // Resume with no checkpoint starts afresh.
    let (s4, out4) = session()
    #expect(s4.run(Self.setup + """

      compile net loss=sparse_categorical_crossentropy optimizer=adam
      fit net x y epochs=2 resume="\(dir)/none" verbose=0
      """, file: "d"), "\(out4.stderr)")
    #expect(!out4.stderr.contains("resuming"))
  }

  @Test func compileTextShowsScheduleAndClipping() {
    let (s, out) = session()
    #expect(s.run(Self.setup + """

      compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=cosine(0.003, epochs=200), clipnorm=1.0)
      vars
      """, file: "a"), "\(out.stderr)")
    #expect(out.stdout.contains("adam(lr=cosine(0.003, epochs=200), clipnorm=1)"), "\(out.stdout)")
  }

  @Test func earlyStoppingMaximisesAccuracies() {
    // Keras' mode "auto": an accuracy must rise, a loss fall.
    #expect(EarlyStopping(monitor: "val_accuracy").maximizes)
    #expect(EarlyStopping(monitor: "accuracy").maximizes)
    #expect(!EarlyStopping(monitor: "val_loss").maximizes)
    #expect(!EarlyStopping(monitor: "mae").maximizes)
  }
}
