import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The memory bound of streaming, proved on the release binary: a CSV file several times larger
/// than the streaming reader's working set trains to the end under an address-space limit
/// (`ulimit -v`) that the in-memory load of the same file does not fit in, and its peak RSS
/// (the binary's VmHWM, sampled while it runs) stays far below the file's size.
@Suite("Streaming under a memory limit", .serialized)
struct StreamMemoryTests {
  /// Rows of 16 features in [-1, 1) with 4 decimals and a 0/1 label (about 122 bytes a row),
  /// written as bytes.
  static func writeCSV(rows: Int, to path: String) {
    var out = [UInt8]()
    out.reserveCapacity(rows * 100 + 200)
    out += Array(((1...16).map { "f\($0)" } + ["label"]).joined(separator: ",").utf8) + [10]
    var state: UInt64 = 99
    for _ in 0..<rows {
      var sum = 0
      for j in 0..<16 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let v = Int(state >> 33) % 20000 - 10000  // -1.0000 … 0.9999
        sum += j < 8 ? v : 0
        if v < 0 { out.append(45) }
        let a = abs(v)
        out += [UInt8(48 + a / 10000), 46, UInt8(48 + a / 1000 % 10), UInt8(48 + a / 100 % 10),
                UInt8(48 + a / 10 % 10), UInt8(48 + a % 10), 44]
      }
      out += [sum > 0 ? 49 : 48, 10]
    }
    FileManager.default.createFile(atPath: path, contents: Data(out))
  }

  struct Run { var status: Int32; var maxRSSMB: Double; var output: String }

  /// Runs `dl script` through `bash -c 'ulimit -v KB; exec dl …'` and samples its peak RSS
  /// until it exits.
  static func run(_ dl: String, script: String, limitKB: Int, dir: String) throws -> Run {
    let log = dir + "/out-\(UUID().uuidString).txt"
    let command = "ulimit -v \(limitKB) && exec '\(dl)' '\(script)' > '\(log)' 2>&1"
    var pid: pid_t = 0
    let args = ["/bin/bash", "-c", command]
    let argv = args.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var env = ProcessInfo.processInfo.environment
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["MALLOC_ARENA_MAX"] = "1"  // one malloc arena: no 64 MB reservation per thread
    let envp = env.map { strdup("\($0)=\($1)") } + [nil]
    defer { for p in envp { free(p) } }
    guard posix_spawn(&pid, "/bin/bash", nil, nil, argv, envp) == 0 else { throw CocoaError(.featureUnsupported) }
    // Not wait4's ru_maxrss: posix_spawn's child shares this process's memory until it execs,
    // and the kernel carries that high-water mark over the exec. The exec'd binary's own mm
    // starts fresh, so its VmHWM (monotonic) is sampled until it exits.
    var status: Int32 = 0
    var peakKB = 0
    while waitpid(pid, &status, WNOHANG) == 0 {
      if let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
         let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
         let kb = line.split(separator: " ").compactMap({ Int($0) }).first {
        peakKB = max(peakKB, kb)
      }
      usleep(20_000)
    }
    let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return Run(status: exit, maxRSSMB: Double(peakKB) / 1024, output: text)
  }

  @Test func streamedFitStaysWithinTheLimitThatTheInMemoryLoadExceeds() throws {
    let dl = try PTYDriver.requireBinary()
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dl-stream-mem-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let csv = dir + "/big.csv"
    let rows = 1_200_000
    Self.writeCSV(rows: rows, to: csv)
    let size = try #require(try FileManager.default.attributesOfItem(atPath: csv)[.size] as? Int)
    let model = """
      model net {
        input 16
        dense 16 relu
        dense 2 softmax
      }
      compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]
      """
    // The baseline: the smallest address-space limit (in 32 MB steps) under which the binary
    // runs a tiny streamed fit (libraries, thread stacks, the reader's chunk).
    let tiny = dir + "/tiny.csv"
    Self.writeCSV(rows: 1000, to: tiny)
    let tinyScript = dir + "/tiny.dl"
    try "t = load \"\(tiny)\" target=label stream=true\n\(model)\nfit net t epochs=1 batch=256 verbose=0\n"
      .write(toFile: tinyScript, atomically: true, encoding: .utf8)
    var baseKB = 256 * 1024
    while baseKB < 8 * 1024 * 1024, try Self.run(dl, script: tinyScript, limitKB: baseKB, dir: dir).status != 0 {
      baseKB += 32 * 1024
    }
    // Room for the streaming reader (its chunk, blocks and buffer: tens of MB), not the file.
    let limitKB = baseKB + 128 * 1024
    #expect(size / 1024 > 128 * 1024, "the file must be larger than the headroom it is tested in")

    let streamScript = dir + "/stream.dl"
    try "big = load \"\(csv)\" target=label stream=true\n\(model)\nfit net big epochs=1 batch=256 verbose=0\nevaluate net big batch=4096\n"
      .write(toFile: streamScript, atomically: true, encoding: .utf8)
    let streamed = try Self.run(dl, script: streamScript, limitKB: limitKB, dir: dir)
    #expect(streamed.status == 0, "\(streamed.output)")
    #expect(streamed.output.contains("rows streamed)"), "\(streamed.output)")
    #expect(streamed.maxRSSMB < 200, "peak RSS \(streamed.maxRSSMB) MB")
    #expect(streamed.maxRSSMB < Double(size) / 1e6 / 2, "peak RSS \(streamed.maxRSSMB) MB for a \(size / 1_000_000) MB file")

    let memoryScript = dir + "/memory.dl"
    try "big = load \"\(csv)\" target=label\n".write(toFile: memoryScript, atomically: true, encoding: .utf8)
    let whole = try Self.run(dl, script: memoryScript, limitKB: limitKB, dir: dir)
    #expect(whole.status != 0, "the in-memory load fit in the limit too, so it proves nothing: \(whole.output)")
  }
}
