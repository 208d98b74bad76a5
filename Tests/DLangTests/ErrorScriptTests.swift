import Foundation
import Testing
@testable import DLang

/// Wrong scripts with their expected diagnostics written inline, Crafting-Interpreters style.
///
/// Each `Tests/DLangTests/ErrorScripts/*.dl` ends with lines such as
/// ```
/// # expect error: 4:9: unknown layer 'dens'; did you mean 'dense'?
/// # expect hint: layers: input, dense, …
/// ```
/// An `expect hint` line belongs to the `expect error` line above it. The script must fail and
/// produce exactly the expected errors (position and message); a hint is compared when one is
/// expected. Paths in the scripts are relative to the package root.
enum ErrorScripts {
  /// The folder of the scripts.
  static let folder = "Tests/DLangTests/ErrorScripts"

  /// Every script, as a path relative to the package root, sorted.
  static let all: [String] = {
    let directory = TestSupport.root.appendingPathComponent(folder).path
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasSuffix(".dl") }.sorted().map { "\(folder)/\($0)" }
  }()

  /// One expected error.
  struct Expectation: Equatable, CustomStringConvertible {
    var line: Int
    var column: Int
    var message: String
    var hint: String?
    /// `line:col: message`, as compared.
    var location: String { "\(line):\(column): \(message)" }
    var description: String { location + (hint.map { " [hint: \($0)]" } ?? "") }
  }

  /// The `# expect error:` / `# expect hint:` lines of `source`; malformed ones are returned
  /// as problems so that a typo in an expectation cannot silently pass.
  static func expectations(in source: String) -> (expected: [Expectation], problems: [String]) {
    var expected: [Expectation] = []
    var problems: [String] = []
    for raw in source.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if let rest = line.dropPrefix("# expect error: ") {
        let parts = rest.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let l = Int(parts[0]), let c = Int(parts[1]), parts[2].hasPrefix(" ") else {
          problems.append("malformed expectation: \(line)")
          continue
        }
        expected.append(Expectation(line: l, column: c, message: String(parts[2].dropFirst())))
      } else if let hint = line.dropPrefix("# expect hint: ") {
        guard !expected.isEmpty, expected[expected.count - 1].hint == nil else {
          problems.append("a hint must follow its error: \(line)")
          continue
        }
        expected[expected.count - 1].hint = hint
      } else if line.hasPrefix("# expect") {
        problems.append("unknown expectation: \(line)")
      }
    }
    return (expected, problems)
  }

  /// Runs `source` in a fresh session based at the package root.
  static func run(_ source: String, file: String) -> (ok: Bool, output: RecordingOutput) {
    let output = RecordingOutput()
    let session = Session(output: output)
    session.baseDirectory = TestSupport.root.path
    let ok = session.run(source, file: file)
    return (ok, output)
  }

  /// The release binary users get (`make test` builds it first), or `$DL_BINARY`.
  static var binary: URL {
    if let path = ProcessInfo.processInfo.environment["DL_BINARY"], !path.isEmpty { return URL(fileURLWithPath: path) }
    return TestSupport.root.appendingPathComponent(".build/release/dl")
  }
  static var binaryExists: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }
}

extension StringProtocol {
  /// The rest of the string after `prefix`, or nil when it does not start with it.
  fileprivate func dropPrefix(_ prefix: String) -> String? {
    hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
  }
}

@Suite("Error scripts")
struct ErrorScriptTests {
  @Test("reports exactly the expected diagnostics", arguments: ErrorScripts.all)
  func expectedDiagnostics(_ path: String) throws {
    let source = TestSupport.read(path)
    let (expected, problems) = ErrorScripts.expectations(in: source)
    #expect(problems.isEmpty, "\(problems)")
    try #require(!expected.isEmpty, "\(path) has no '# expect error:' line")

    let (ok, output) = ErrorScripts.run(source, file: path)
    #expect(!ok, "\(path) should fail")
    let produced = output.diagnostics.map {
      ErrorScripts.Expectation(line: $0.range.start.line, column: $0.range.start.column,
                               message: $0.message, hint: $0.hint)
    }
    let missing = expected.map(\.location).filter { e in !produced.contains { $0.location == e } }
    let unexpected = produced.map(\.location).filter { p in !expected.contains { $0.location == p } }
    #expect(missing.isEmpty && unexpected.isEmpty,
            "\(path)\n  missing: \(missing)\n  unexpected: \(unexpected)\n  stderr:\n\(output.stderr)")
    #expect(produced.count == expected.count, "\(path): one diagnostic per mistake")
    for e in expected {
      guard let hint = e.hint, let p = produced.first(where: { $0.location == e.location }) else { continue }
      #expect(p.hint == hint, "\(path) \(e.location): hint")
    }
    // Rendered as file:line:col: error: message, then the source line and a caret.
    if let first = expected.first {
      let lines = output.stderr.split(separator: "\n").map(String.init)
      let at = lines.firstIndex { $0.hasPrefix(path + ":") }
      #expect(at.map { lines[$0] } == "\(path):\(first.line):\(first.column): error: \(first.message)")
      if let at, at + 2 < lines.count {
        #expect(lines[at + 2].trimmingCharacters(in: .whitespaces).hasPrefix("^"), "caret line")
      }
    }
  }

  @Test("the collection covers the issue's minimum")
  func enoughScripts() {
    let counts = ErrorScripts.all.map { ErrorScripts.expectations(in: TestSupport.read($0)).expected.count }
    #expect(counts.count >= 25)
    #expect(counts.filter { $0 >= 2 }.count >= 3, "scripts with several independent mistakes")
  }

  /// Runs every script, and every prefix of every script (line by line), in this process: a
  /// Swift trap anywhere in parsing, checking or running would crash the test run.
  @Test("no script, nor any prefix of one, traps")
  func noTraps() {
    for path in ErrorScripts.all {
      let lines = TestSupport.read(path).split(separator: "\n", omittingEmptySubsequences: false)
      for n in 1...lines.count {
        let source = lines[0..<n].joined(separator: "\n")
        let (ok, output) = ErrorScripts.run(source, file: path)
        for d in output.diagnostics {
          #expect(d.range.start.line >= 1 && d.range.start.line <= n && d.range.start.column >= 1,
                  "\(path) (first \(n) lines): \(d)")
        }
        if n == lines.count { #expect(!ok, "\(path) should fail") }
      }
    }
  }

  @Test("the binary exits with 65 and prints path:line:col: error:",
        arguments: ["unknown_layer.dl", "load_not_a_number.dl", "label_out_of_range.dl", "token_id_past_vocabulary.dl"])
  func binary(_ name: String) throws {
    let path = "\(ErrorScripts.folder)/\(name)"
    let expected = try #require(ErrorScripts.expectations(in: TestSupport.read(path)).expected.first)
    try #require(ErrorScripts.binaryExists,
                 "the release binary \(ErrorScripts.binary.path) is missing: run `make test` (or swift build -c release --product dl)")
    let process = Process()
    process.executableURL = ErrorScripts.binary
    process.arguments = [path]
    process.currentDirectoryURL = TestSupport.root
    let stderr = Pipe()
    process.standardError = stderr
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let data = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    #expect(process.terminationStatus == 65)
    let firstError = text.split(separator: "\n").first { $0.hasPrefix(path + ":") }.map(String.init)
    #expect(firstError == "\(path):\(expected.line):\(expected.column): error: \(expected.message)", "\(text)")
  }
}
