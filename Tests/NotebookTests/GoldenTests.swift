import Foundation
import Testing

/// Every `examples/*.dl` against its golden `examples/*.out` (stdout when piped), pipe mode and
/// the Markdown transcript. `DL_RECORD=1 swift test` re-records (and fails the run).
@Suite("Golden transcripts")
struct GoldenTests {
  static let examples: [String] = {
    let dir = BinaryRun.root.appendingPathComponent("examples")
    let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return files.filter { $0.hasSuffix(".dl") }.sorted()
  }()

  @Test("examples/*.dl print their golden output", arguments: examples)
  func example(_ file: String) throws {
    let r = try BinaryRun.run(["examples/" + file])
    #expect(r.status == 0, "exit \(r.status): \(r.stderr)")
    BinaryRun.expectGolden(r.stdout, path: "examples/" + file.replacingOccurrences(of: ".dl", with: ".out"))
  }

  @Test("there are examples, including the two contract scripts")
  func examplesExist() {
    #expect(Self.examples.contains("xor.dl") && Self.examples.contains("iris.dl"))
    #expect(Self.examples.count >= 4)
  }

  /// The `exact: X` figures of `evaluate` in a golden output, in order.
  static func exactFigures(_ example: String) throws -> [Double] {
    let text = try String(contentsOf: BinaryRun.root.appendingPathComponent("examples/\(example).out"), encoding: .utf8)
    return text.split(separator: "\n").compactMap { line in
      guard line.hasPrefix("loss: "), let r = line.range(of: " - exact: ") else { return nil }
      return Double(line[r.upperBound...])
    }
  }

  // The golden test above pins these outputs to what the release binary prints; these pin the
  // figures the examples are there to show.
  @Test("encoder–decoder examples: addition ≥ 95% exact on unseen sums; reversal ≥ 95% with attention, less without; teacher forcing ahead")
  func seq2seqFigures() throws {
    let addition = try Self.exactFigures("addition")
    #expect(addition.count == 1 && addition[0] >= 0.95, "\(addition)")
    let reverse = try Self.exactFigures("reverse")
    #expect(reverse.count == 2 && reverse[0] >= 0.95 && reverse[1] < reverse[0], "\(reverse)")
    let forcing = try Self.exactFigures("teacher_forcing")  // forced, half, free
    #expect(forcing.count == 3 && forcing[0] > forcing[1] && forcing[0] > forcing[2], "\(forcing)")
  }

  @Test("piped lines print what the same script prints")
  func pipeMatchesScript() throws {
    let source = try String(contentsOf: BinaryRun.root.appendingPathComponent("examples/xor.dl"), encoding: .utf8)
    let piped = try BinaryRun.run([], stdin: source)
    let script = try BinaryRun.run(["examples/xor.dl"])
    #expect(piped.status == 0)
    #expect(piped.stdout == script.stdout)
    #expect(!piped.stdout.contains("dl> "), "no prompt when stdin is not a terminal")
    #expect(!piped.stdout.contains("\u{1B}") && !piped.stderr.contains("\u{1B}"), "no escape codes in pipes")
  }

  @Test("echo 'print 1 + 2' | dl prints 3")
  func pipeArithmetic() throws {
    let r = try BinaryRun.run([], stdin: "print 1 + 2\n")
    #expect(r.status == 0)
    #expect(r.stdout == "3\n")
  }

  @Test("a piped session with a mistake exits 65 with a located error")
  func pipeError() throws {
    let r = try BinaryRun.run([], stdin: "x = 1\nprint y\n")
    #expect(r.status == 65)
    #expect(r.stderr.hasPrefix("<stdin>:2:7: error: unknown name 'y'"), "\(r.stderr)")
  }

  @Test("the transcript of a script is a golden Markdown report")
  func transcript() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("dl-transcript-\(getpid()).md")
    defer { try? FileManager.default.removeItem(at: out) }
    let r = try BinaryRun.run(["--transcript", out.path, "examples/xor.dl"])
    #expect(r.status == 0, "\(r.stderr)")
    let md = try String(contentsOf: out, encoding: .utf8)
    BinaryRun.expectGolden(md, path: "Tests/NotebookTests/Golden/xor.transcript.md")
  }

  @Test("exit codes: usage 64, script error 65")
  func exitCodes() throws {
    #expect(try BinaryRun.run(["no-such-file.dl"]).status == 64)
    #expect(try BinaryRun.run(["--no-such-flag"]).status == 64)
    #expect(try BinaryRun.run([], stdin: "fit\n").status == 65)
  }

  @Test("--version names the BLAS kernel in use")
  func version() throws {
    let r = try BinaryRun.run(["--version"], environment: ["OPENBLAS_CORETYPE": "Haswell"])
    #expect(r.stdout.contains("kernel Haswell (set by OPENBLAS_CORETYPE)"), "\(r.stdout)")
  }
}
