import Foundation
import Testing
import Autograd
@testable import DLang

/// Defects a new user found: crashes on deep input and on scripts that run each other,
/// messages, `run` and the checker, the default seed, sigmoid predictions.
@Suite("User-found defects")
struct DefectTests {
  func session(base: String? = TestSupport.root.path) -> (Session, RecordingOutput) {
    let out = RecordingOutput()
    let s = Session(output: out)
    s.baseDirectory = base
    return (s, out)
  }

  /// A fresh temp directory with `files` (name → text); removed by the caller.
  func directory(_ files: [String: String]) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dl-defects-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
    return dir
  }

  // MARK: 1. deep input and run cycles

  @Test("long chains of +, [0] and .shape are one located error, not a stack overflow",
        arguments: [
          "print " + Array(repeating: "1", count: 7_000).joined(separator: "+"),
          "x = [[1]]\nprint x" + String(repeating: "[0]", count: 10_000),
          "x = [[1]]\nprint x" + String(repeating: ".shape", count: 10_000),
          "x = 2\nprint " + Array(repeating: "x", count: 5_000).joined(separator: " * "),
          "net" + String(repeating: ".a", count: 10_000) + " = 1",
        ])
  func deepChains(_ source: String) {
    let (s, out) = session()
    #expect(!s.run(source, file: "deep.dl"))
    #expect(out.diagnostics.count == 1)
    #expect(out.diagnostics.first?.message == "expression nests too deeply (more than 256 levels)")
    #expect(out.diagnostics.first.map { $0.range.start.line >= 1 && $0.range.start.column > 1 } == true)
  }

  @Test("a chain within the limit still runs")
  func moderateChain() {
    let (s, out) = session()
    #expect(s.run("print " + Array(repeating: "1", count: 200).joined(separator: " + "), file: "ok.dl"))
    #expect(out.stdout == "200\n")
  }

  @Test("a script that runs itself, or two that run each other, is refused before running")
  func runCycles() throws {
    let dir = try directory([
      "self.dl": "print 1\nrun \"self.dl\"\n",
      "a.dl": "print \"a\"\nrun \"b.dl\"\n",
      "b.dl": "run \"a.dl\"\n",
    ])
    defer { try? FileManager.default.removeItem(at: dir) }
    let (s, out) = session(base: dir.path)
    #expect(!s.runScript("print 1\nrun \"self.dl\"\n", file: "self.dl"))
    #expect(out.stdout == "", "nothing runs")
    #expect(out.diagnostics.map(\.message)
      == ["run cycle: self.dl → self.dl (a script cannot run itself, directly or through others)"])
    out.clear()
    // In the REPL (no script on the chain): the cycle between a and b is found as well.
    #expect(!s.run("run \"a.dl\"", file: "<cell 1>"))
    #expect(out.diagnostics.map(\.message)
      == ["run cycle: a.dl → b.dl → a.dl (a script cannot run itself, directly or through others)"])
    #expect(out.diagnostics.first?.range.start == SourceLocation(line: 1, column: 5))
    out.clear()
    // The session survives.
    #expect(s.run("print 2", file: "<cell 2>"))
    #expect(out.stdout == "2\n")
  }

  @Test("a chain of more than 32 distinct scripts is refused")
  func runDepth() throws {
    var files: [String: String] = [:]
    for i in 0..<40 { files["s\(i).dl"] = "run \"s\(i + 1).dl\"\n" }
    files["s40.dl"] = "print 40\n"
    let dir = try directory(files)
    defer { try? FileManager.default.removeItem(at: dir) }
    let (s, out) = session(base: dir.path)
    #expect(!s.run("run \"s0.dl\"", file: "<cell 1>"))
    #expect(out.stdout == "")
    #expect(out.diagnostics.count == 1)
    #expect(out.diagnostics.first?.message.hasPrefix("scripts run each other more than 32 deep (s0.dl → s1.dl → s2.dl → … →") == true,
            "\(out.stderr)")
  }

  // MARK: 3. source files

  @Test("a non-UTF-8 script names its line and byte; a BOM is skipped; a directory says so")
  func sourceFiles() throws {
    #expect(SourceFile.decode(Array("print 1\nprint 2\n".utf8) + [0x23, 0xE9, 0x0A])
      == .failure(.notUTF8(line: 3, offset: 17, byte: 0xE9)))
    #expect(SourceFile.decode([0xEF, 0xBB, 0xBF] + Array("print 7".utf8)) == .success("print 7"))
    let dir = try directory(["bad.dl": "x"])
    defer { try? FileManager.default.removeItem(at: dir) }
    #expect(SourceFile.load(dir.path) == .failure(.directory))
    #expect(SourceFile.Failure.notUTF8(line: 3, offset: 17, byte: 0xE9).message(path: "bad.dl")
      == "bad.dl:3: error: invalid UTF-8 at byte 17 (0xE9); save the script as UTF-8 text")
    #expect(SourceFile.Failure.directory.message(path: "d") == "cannot read 'd': is a directory, not a script")
  }

  @Test("diagnostics never print raw control characters")
  func controlCharactersInDiagnostics() {
    let (s, out) = session()
    #expect(!s.run("prin \"a\u{1B}[2J\"\nx = \u{07} 1", file: "c.dl"))
    #expect(!out.stderr.unicodeScalars.contains { ($0.value < 32 && $0 != "\n") || $0.value == 127 }, "\(out.stderr)")
    #expect(out.stderr.contains("prin \"a\u{241B}[2J\""))
    #expect(out.diagnostics.last?.message == "unexpected character 'U+7'")
  }

  // MARK: 6. classes

  @Test("print d.classes shows numeric classes; 10/20 labels are two classes, mapped")
  func numericClasses() throws {
    let dir = try directory(["ten.csv": "a,label\n1,10\n2,20\n3,10\n"])
    defer { try? FileManager.default.removeItem(at: dir) }
    let (s, out) = session(base: dir.path)
    #expect(s.run("d = load \"ten.csv\" target=label\nprint d.classes", file: "t.dl"))
    #expect(out.stdout == "d: 3 rows × 1 feature, target 'label' (2 classes)\n  labels: 10 → 0, 20 → 1\n[10, 20]\n")
    out.clear()
    #expect(s.run("iris = load \"\(TestSupport.root.path)/examples/data/iris.csv\" target=label\nprint iris.classes", file: "t.dl"))
    #expect(out.stdout == "iris: 150 rows × 4 features, target 'label' (3 classes)\n[0, 1, 2]\n")
  }

  // MARK: 7. messages

  @Test("messages: plurals, shapes, seed range, element assignment, nested model, empty data")
  func messages() {
    let (s, out) = session()
    #expect(s.run("seed 1\nmodel m {\n  input 2\n  dense 1\n}\nprint m\nx = [[1, 2], [3, 4]]\nprint x.shape\nprint x[0].shape", file: "m.dl"))
    #expect(out.stdout.contains("model m: 1 layer, 3 params\n"), "\(out.stdout)")
    #expect(out.stdout.hasSuffix("(2, 2)\n(2,)\n"), "\(out.stdout)")
    func firstError(_ source: String) -> String? {
      out.clear()
      #expect(!s.run(source, file: "e.dl"))
      return out.diagnostics.first.map { "\($0.range.start): \($0.message)" }
    }
    #expect(firstError("seed 99999999999999999999999")
      == "1:6: the seed is out of range: it must be between 0 and 999999999999999, not 1e+23")
    #expect(firstError("x = [1, 2]\nx[0] = [5, 5]") == "2:2: assigning to an element ('x[…] = …') is not supported")
    #expect(firstError("model a {\n  input 2\n  model b {\n    input 3\n  }\n  dense 1\n}\nsummary a")
      == "3:3: model blocks cannot be nested: close 'model a' with '}' before starting another")
    #expect(out.diagnostics.count == 1)
    #expect(firstError("model n {\n  input 2\n  dense 1\n}\ncompile n loss=mse\nfit n [] []")
      == "6:7: the data is empty: it has no samples")
    #expect(firstError("help sane") == "1:6: no help for 'sane'; did you mean 'save'?")
    #expect(firstError("help qwerty") == "1:6: no help for 'qwerty'")
    #expect(firstError("help savd") == "1:6: no help for 'savd'; did you mean 'save'?")
    #expect(firstError("help fitt") == "1:6: no help for 'fitt'; did you mean 'fit'?")
  }

  @Test("a model line typed inside a REPL model block says blocks cannot be nested")
  func nestedModelInREPL() {
    let (decl, diagnostics) = Parser.parseLayerLine("  model b {", line: 3)
    #expect(decl == nil)
    #expect(diagnostics.map { "\($0.range.start): \($0.message)" }
      == ["3:3: model blocks cannot be nested: close this block with '}' before starting another"])
  }

  @Test("a compile line with a syntax error is the only error: later fit lines are not 'not compiled'")
  func brokenCompileDoesNotCascade() {
    let (s, out) = session()
    #expect(!s.run("model m {\n  input 2\n  dense 1\n}\ncompile m loss=mse optimizer=adam(lr=0.1\nfit m [[1, 2]] [1]\nevaluate m [[1, 2]] [1]",
                   file: "c.dl"))
    #expect(out.diagnostics.map(\.message) == ["unclosed '(' opened at 5:34"])
  }

  @Test("help evaluate agrees with itself about verbose")
  func evaluateVerbose() throws {
    let spec = try #require(Statements.spec("evaluate"))
    let verbose = try #require(spec.option("verbose"))
    #expect(spec.synopsis.contains("[verbose=\(verbose.valueHint)]"))
    let fit = try #require(Statements.spec("fit"))
    #expect(fit.synopsis.contains("[verbose=\(try #require(fit.option("verbose")).valueHint)]"))
  }

  // MARK: 8. run defines names for the checker

  @Test("a model defined by a script that another runs can be used after the run")
  func runDefinesNames() throws {
    let dir = try directory([
      "define.dl": "seed 1\nmodel inner {\n  input 2\n  dense 1 sigmoid\n}\nx = [[0, 1], [1, 0]]\n",
      "use.dl": "run \"define.dl\"\ncompile inner loss=binary_crossentropy optimizer=adam\npredict inner x\n",
    ])
    defer { try? FileManager.default.removeItem(at: dir) }
    let (s, out) = session(base: dir.path)
    let use = try String(contentsOf: dir.appendingPathComponent("use.dl"), encoding: .utf8)
    #expect(s.runScript(use, file: "use.dl"), "\(out.stderr)")
    #expect(out.stdout.contains("row  class  probability"))
    // The checker still reports names the inner script does not define.
    out.clear()
    #expect(!s.run("run \"define.dl\"\nsummary outer", file: "<cell 1>"))
    #expect(out.diagnostics.map(\.message) == ["unknown name 'outer'"])
  }

  // MARK: 9. seed

  @Test("without seed, the first random choice draws a seed and reports it once")
  func drawnSeed() {
    let (s, out) = session()
    s.systemSeed = { 3_141_592 }
    #expect(s.run("print 1", file: "a.dl"))
    #expect(out.stderr == "", "nothing random, no seed")
    #expect(s.seed == nil)
    #expect(s.run("model a {\n  input 2\n  dense 2\n}\nmodel b {\n  input 2\n  dense 2\n}", file: "b.dl"))
    #expect(out.stderr == "seed 3141592 (write it to repeat this run)\n")
    #expect(s.seed == 3_141_592)
    // The same drawn seed repeats the run exactly.
    let (t, tOut) = session()
    #expect(t.run("seed 3141592\nmodel a {\n  input 2\n  dense 2\n}\nprint a.dense_1.weights", file: "c.dl"))
    let (u, uOut) = session()
    u.systemSeed = { 3_141_592 }
    #expect(u.run("model a {\n  input 2\n  dense 2\n}\nprint a.dense_1.weights", file: "c.dl"))
    #expect(tOut.stdout == uOut.stdout)
    #expect(tOut.stderr == "")
    // reset forgets the seed: the next random choice draws (and reports) a new one.
    out.clear()
    s.systemSeed = { 27 }
    #expect(s.run("reset\nmodel c {\n  input 2\n  dense 2\n}", file: "d.dl"))
    #expect(out.stderr == "seed 27 (write it to repeat this run)\n")
  }

  @Test("different drawn seeds give different initial weights")
  func drawnSeedsDiffer() {
    func weights(_ seed: UInt64) -> String {
      let (s, out) = session()
      s.systemSeed = { seed }
      _ = s.run("model a {\n  input 2\n  dense 2\n}\nprint a.dense_1.weights", file: "w.dl")
      return out.stdout
    }
    #expect(weights(1) != weights(2))
  }

  // MARK: 10. sigmoid predictions

  @Test("predict on a sigmoid model shows the probability of the predicted class")
  func sigmoidProbability() {
    let out = Tensor(shape: [3, 1], data: [0.2, 0.9, 0.5])
    let table = PredictionTable.render(out, truth: nil, classNames: nil, top: nil,
                                       lossName: "binary_crossentropy", style: .ascii)
    let rows = table.split(separator: "\n").dropFirst(2).map { $0.split(separator: " ").map(String.init) }
    #expect(rows == [["0", "0", "0.8000"], ["1", "1", "0.9000"], ["2", "1", "0.5000"]])
  }
}
