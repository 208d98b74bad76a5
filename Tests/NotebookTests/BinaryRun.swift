import Foundation
import Testing

/// Runs the built `dl` binary as a user would from the package root, and golden-file helpers.
enum BinaryRun {
  /// The package root (where Package.swift is).
  static let root: URL = {
    var d = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while d.path != "/" && !FileManager.default.fileExists(atPath: d.appendingPathComponent("Package.swift").path) {
      d = d.deletingLastPathComponent()
    }
    return d
  }()

  struct Result { var status: Int32; var stdout: String; var stderr: String }

  /// Runs `dl args…` in the package root with `stdin` piped in. Goldens pin the OpenBLAS kernel
  /// (Haswell, AVX2) so that the last bits of every sum — and so every printed digit — are the
  /// same on any machine of this kind, whatever kernel dl would pick by itself.
  static func run(_ args: [String], stdin: String = "", environment: [String: String] = [:]) throws -> Result {
    let binary = try PTYDriver.requireBinary()
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = args
    p.currentDirectoryURL = root
    var env = ProcessInfo.processInfo.environment
    env["OPENBLAS_CORETYPE"] = "Haswell"
    env["LANG"] = "C.UTF-8"
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    try p.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    // Read both pipes to the end before waiting: a full pipe would block the child.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    let errHandle = err.fileHandleForReading
    DispatchQueue.global().async { errBox.data = errHandle.readDataToEndOfFile(); group.leave() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errBox.data
    p.waitUntilExit()
    return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                  stderr: String(decoding: errData, as: UTF8.self))
  }

  /// Whether goldens are being re-recorded (`DL_RECORD=1`); recording fails the run on purpose.
  static var recording: Bool { ProcessInfo.processInfo.environment["DL_RECORD"] == "1" }

  /// Compares `actual` with the golden file at `path` (relative to the root), or records it.
  static func expectGolden(_ actual: String, path: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let url = root.appendingPathComponent(path)
    if recording {
      try? Data(actual.utf8).write(to: url, options: .atomic)
      Issue.record("re-recorded \(path) (DL_RECORD=1 always fails; run again without it)", sourceLocation: sourceLocation)
      return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
      Issue.record("missing golden \(path); record it with DL_RECORD=1", sourceLocation: sourceLocation)
      return
    }
    if expected != actual {
      let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
      let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
      let i = Array(zip(e, a)).firstIndex { $0 != $1 } ?? min(e.count, a.count)
      let want = i < e.count ? String(e[i]) : "<end>", got = i < a.count ? String(a[i]) : "<end>"
      Issue.record("\(path) differs at line \(i + 1):\n  expected: \(want)\n  actual:   \(got)", sourceLocation: sourceLocation)
    }
  }
}
