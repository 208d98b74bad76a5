import Foundation
import Testing

/// The release binary on bad inputs and outputs: closed or directory stdin, a full stdout,
/// transcripts that cannot be written, scripts that are directories, not UTF-8, or run
/// themselves. Every case is one clear message and the documented exit code, never a trap.
@Suite("Launcher: bad inputs and outputs")
struct LauncherTests {
  /// Runs `sh -c SCRIPT` with `$0` = the dl binary, in the package root.
  static func shell(_ script: String) throws -> BinaryRun.Result {
    let binary = try PTYDriver.requireBinary()
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", script, binary]
    p.currentDirectoryURL = BinaryRun.root
    var env = ProcessInfo.processInfo.environment
    env["OPENBLAS_CORETYPE"] = "Haswell"
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return BinaryRun.Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                            stderr: String(decoding: errData, as: UTF8.self))
  }

  /// A fresh temp directory, removed by the caller.
  static func temp() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dl-launcher-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  @Test("stdin closed or a directory: exit 64 with a message, no trap")
  func badStandardInput() throws {
    let closed = try Self.shell("exec \"$0\" <&-")
    #expect(closed.status == 64)
    #expect(closed.stderr == "dl: cannot read standard input: it is closed\n")
    let directory = try Self.shell("exec \"$0\" < /tmp")
    #expect(directory.status == 64)
    #expect(directory.stderr == "dl: cannot read standard input: it is a directory\n")
  }

  @Test("a failed write to stdout is an error (exit 74), not exit 0")
  func fullStdout() throws {
    let r = try Self.shell("exec \"$0\" examples/xor.dl > /dev/full")
    #expect(r.status == 74)
    #expect(r.stderr.hasSuffix("dl: cannot write to standard output: no space left on device\n"), "\(r.stderr)")
  }

  @Test("--transcript that cannot be written is a usage error before anything runs")
  func transcriptChecks() throws {
    let dir = try Self.temp()
    defer { try? FileManager.default.removeItem(at: dir) }
    let script = dir.appendingPathComponent("x.dl").path
    try Data("print 1\n".utf8).write(to: URL(fileURLWithPath: script))
    let readOnly = dir.appendingPathComponent("ro.md").path
    try Data("keep".utf8).write(to: URL(fileURLWithPath: readOnly))
    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: readOnly)
    let cases: [(String, String)] = [
      (readOnly, "is read-only"),
      (dir.appendingPathComponent("missing/t.md").path, "directory '\(dir.path)/missing' does not exist"),
      (dir.path, "is a directory"),
      (script, "is the script being run; it would be overwritten"),
      (dir.appendingPathComponent("./x.dl").path, "is the script being run; it would be overwritten"),
    ]
    for (out, why) in cases {
      let r = try BinaryRun.run(["--transcript", out, script])
      #expect(r.status == 64, "\(out)")
      #expect(r.stdout == "", "nothing ran for \(out)")
      #expect(r.stderr == "dl: --transcript '\(out)': \(why)\n")
    }
    #expect(try String(contentsOfFile: readOnly, encoding: .utf8) == "keep")
    #expect(try String(contentsOfFile: script, encoding: .utf8) == "print 1\n")
    // A good path is written, and no temporary file is left next to it.
    let good = dir.appendingPathComponent("run.md").path
    let r = try BinaryRun.run(["--transcript", good, script])
    #expect(r.status == 0)
    #expect(try String(contentsOfFile: good, encoding: .utf8).contains("```dl\nprint 1\n```"))
    let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp.") }
    #expect(left.isEmpty)
  }

  @Test("scripts: a directory says so (64); not UTF-8 names line and byte (65); a BOM is skipped; self-run refused (65)")
  func scripts() throws {
    let dir = try Self.temp()
    defer { try? FileManager.default.removeItem(at: dir) }
    let directory = try BinaryRun.run([dir.path])
    #expect(directory.status == 64)
    #expect(directory.stderr == "dl: cannot read '\(dir.path)': is a directory, not a script\n")
    let bad = dir.appendingPathComponent("bad.dl").path
    try Data(Array("print 1\nprint 2\n# caf".utf8) + [0xE9, 0x0A]).write(to: URL(fileURLWithPath: bad))
    let latin = try BinaryRun.run([bad])
    #expect(latin.status == 65)
    #expect(latin.stderr == "\(bad):3: error: invalid UTF-8 at byte 21 (0xE9); save the script as UTF-8 text\n")
    let bom = dir.appendingPathComponent("bom.dl").path
    try Data([0xEF, 0xBB, 0xBF] + Array("print 7\n".utf8)).write(to: URL(fileURLWithPath: bom))
    let withBOM = try BinaryRun.run([bom])
    #expect(withBOM.status == 0 && withBOM.stdout == "7\n")
    let piped = try BinaryRun.run([], stdin: "\u{FEFF}print 8\n")
    #expect(piped.status == 0 && piped.stdout == "8\n")
    let me = dir.appendingPathComponent("me.dl").path
    try Data("print 1\nrun \"\(me)\"\n".utf8).write(to: URL(fileURLWithPath: me))
    let selfRun = try BinaryRun.run([me])
    #expect(selfRun.status == 65)
    #expect(selfRun.stdout == "")
    #expect(selfRun.stderr.contains("error: run cycle: \(me) → \(me)"), "\(selfRun.stderr)")
  }
}
