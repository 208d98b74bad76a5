import Foundation
import Testing

/// `fit … checkpoint=DIR resume=DIR`: a run killed with SIGKILL in the middle of an epoch and
/// started again ends with weights bit-identical to a run that was never interrupted. Uses the
/// release binary, as users run it.
@Suite("Checkpoint and resume through the real binary", .serialized)
struct ResumeTests {
  /// A script whose fit uses everything a checkpoint must carry: shuffling and dropout (the
  /// generator), Adam's moments and step count, a schedule, early stopping's best weights.
  static func script(dir: String) -> String {
    """
    seed 11
    digits = load "examples/data/digits.csv" target=label
    train, test = split digits 0.8 stratify=true
    standardize train test
    model net {
      input 64
      dense 128 relu
      dropout 0.3
      dense 64 relu
      dense 10 softmax
    }
    compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=cosine(0.002, epochs=30, warmup=2), clipnorm=1.0) metrics=[accuracy]
    fit net train epochs=30 batch=16 validation=0.2 early_stopping=100 class_weight=balanced checkpoint="\(dir)/ckpt" resume="\(dir)/ckpt" verbose=2
    save net "\(dir)/final.safetensors"
    """
  }

  static func tempDir() throws -> URL {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("dl-resume-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    return d
  }

  @Test func killedAndResumedRunIsBitIdentical() throws {
    let binary = try PTYDriver.requireBinary()
    let a = try Self.tempDir(), b = try Self.tempDir()
    defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
    try Self.script(dir: a.path).write(to: a.appendingPathComponent("run.dl"), atomically: true, encoding: .utf8)
    try Self.script(dir: b.path).write(to: b.appendingPathComponent("run.dl"), atomically: true, encoding: .utf8)

    // Uninterrupted.
    let whole = try BinaryRun.run([a.appendingPathComponent("run.dl").path])
    #expect(whole.status == 0, "\(whole.stderr)")

    // Killed with SIGKILL once a few epochs are checkpointed, in the middle of the next one.
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = [b.appendingPathComponent("run.dl").path]
    p.currentDirectoryURL = BinaryRun.root
    var env = ProcessInfo.processInfo.environment
    env["OPENBLAS_CORETYPE"] = "Haswell"
    p.environment = env
    p.standardOutput = FileHandle.nullDevice
    let err = Pipe()
    p.standardError = err
    final class Box: @unchecked Sendable { var text = "" }
    let log = Box()
    let lock = NSLock()
    err.fileHandleForReading.readabilityHandler = { h in
      let d = h.availableData
      lock.lock(); log.text += String(decoding: d, as: UTF8.self); lock.unlock()
    }
    try p.run()
    let deadline = Date().addingTimeInterval(120)
    var killedAfter = 0
    while Date() < deadline && p.isRunning {
      lock.lock(); let epochs = log.text.components(separatedBy: "Epoch ").count - 1; lock.unlock()
      if epochs >= 4 {
        // Epoch 4's line is out and its checkpoint written: stop somewhere inside epoch 5.
        usleep(UInt32.random(in: 2_000...12_000))
        kill(p.processIdentifier, SIGKILL)
        killedAfter = epochs
        break
      }
      usleep(1_000)
    }
    p.waitUntilExit()
    err.fileHandleForReading.readabilityHandler = nil
    #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL,
            "the first run must be killed, not finish (it printed \(killedAfter) epochs)")
    #expect(!FileManager.default.fileExists(atPath: b.appendingPathComponent("final.safetensors").path))

    // Started again: the same script resumes from the checkpoint.
    let resumed = try BinaryRun.run([b.appendingPathComponent("run.dl").path])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("resuming from \(b.path)/ckpt: epoch "))
    #expect(!resumed.stderr.contains("Epoch 1/30 "), "epoch 1 ran again")

    let wa = try Data(contentsOf: a.appendingPathComponent("final.safetensors"))
    let wb = try Data(contentsOf: b.appendingPathComponent("final.safetensors"))
    #expect(wa.count > 60_000)  // 17,354 weights
    #expect(wa == wb, "the resumed run's weights differ from the uninterrupted run's")
    // The last epoch's logged numbers agree too.
    let lastA = whole.stderr.split(separator: "\n").last { $0.hasPrefix("Epoch 30/30") }
    let lastB = resumed.stderr.split(separator: "\n").last { $0.hasPrefix("Epoch 30/30") }
    #expect(lastA != nil && lastA.map { $0.replacingOccurrences(of: #" - \d+s - \d+[mu]?s/step"#, with: "", options: .regularExpression) }
            == lastB.map { $0.replacingOccurrences(of: #" - \d+s - \d+[mu]?s/step"#, with: "", options: .regularExpression) })
  }
}
