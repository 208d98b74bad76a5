import Testing
@testable import DLang

/// A small deterministic random generator (SplitMix64).
struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

@Suite("Fuzz: any input gives tokens, AST or diagnostics, never a trap")
struct FuzzTests {
  static let alphabet = Array("abcxyz_019 .,;=+-*/()[]{}\"\\#\n\t\r\né→x8x1e-")

  static func freshSession() -> Session { Session(output: RecordingOutput()) }

  /// A session holding a number, a string, a tensor and two models (one compiled), the way
  /// the libFuzzer target fuzz/FrontEndFuzz.swift sets it up, so that the checker's paths for
  /// known names are reached. Made by running a fixed script; fuzzed text is only checked.
  nonisolated(unsafe) static let populatedSession: Session = {
    let session = freshSession()
    let ok = session.run("""
      seed 1
      x = [[0, 0], [0, 1], [1, 0], [1, 1]]
      y = [0, 1, 1, 0]
      rate = 0.5
      name = "run"
      model net {
        input 2
        dense 4 tanh name=hidden
        dense 1 sigmoid
      }
      model img {
        input 8x8x1
        flatten
        dense 3 softmax
      }
      compile net loss=binary_crossentropy optimizer=adam(lr=0.05) metrics=[accuracy]
      """, file: "setup.dl")
    precondition(ok, "the fuzz tests' setup script failed")
    return session
  }()

  /// Fuzz-test text that uses the populated session's names, mutated by the tests below.
  static let sessionScript = """
    print net.hidden.weights
    net.dense_2.bias = [0]
    z = x[0] + x.shape * rate - (2 / 4)
    fit net x y epochs=3 batch=2 validation=0.25 verbose=0 shuffle=false
    evaluate net x y
    compile img loss=sparse_categorical_crossentropy optimizer=sgd(lr=0.1, momentum=0.9) metrics=[accuracy, mae]
    predict img x top=2
    time fit img x y epochs=1
    plot net accuracy
    summary img
    """

  /// Runs every front-end entry point on `source` (parser, checker against a fresh and a
  /// populated session, `InputStatus`, layer lines) and checks basic invariants.
  func exercise(_ source: String, checking: Bool = true) {
    let program = Parser.parse(source: source)
    let lines = source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count
    for diagnostic in program.diagnostics {
      #expect(diagnostic.range.start.line >= 1 && diagnostic.range.start.line <= lines + 1)
      #expect(diagnostic.range.start.column >= 1)
      #expect(diagnostic.range.start <= diagnostic.range.end)
      _ = diagnostic.render(file: "fuzz.dl", source: source, useColor: true)
    }
    if !program.hasErrors {
      #expect(program.diagnostics.isEmpty)
    }
    for session in checking ? [FuzzTests.freshSession(), FuzzTests.populatedSession] : [] {
      let checked = Checker(session: session).check(program.statements, source: source,
                                                    syntaxErrors: program.diagnostics)
      for diagnostic in checked {
        #expect(diagnostic.range.start.line >= 1 && diagnostic.range.start.line <= lines + 1)
        #expect(diagnostic.range.start.column >= 1)
        #expect(diagnostic.range.start <= diagnostic.range.end)
      }
    }
    _ = InputStatus.of(source)
    for (i, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      _ = Parser.parseLayerLine(String(line), line: i + 1)
    }
  }

  func mutate(_ source: String, _ rng: inout SplitMix) -> String {
    var chars = Array(source)
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
      let at = chars.isEmpty ? 0 : Int.random(in: 0..<chars.count, using: &rng)
      switch Int.random(in: 0..<4, using: &rng) {
      case 0 where !chars.isEmpty: chars.remove(at: at)
      case 1: chars.insert(FuzzTests.alphabet.randomElement(using: &rng) ?? "x", at: at)
      case 2 where !chars.isEmpty:
        let end = min(chars.count, at + Int.random(in: 1...20, using: &rng))
        chars.insert(contentsOf: chars[at..<end], at: Int.random(in: 0...chars.count, using: &rng))
      default:
        let end = min(chars.count, at + Int.random(in: 0...30, using: &rng))
        chars.removeSubrange(at..<end)
      }
    }
    return String(chars)
  }

  @Test(arguments: ["xor.dl", "iris.dl"])
  func slicesAndMutationsOfTheContractScripts(_ name: String) {
    let script = TestSupport.script(name)
    let chars = Array(script)
    var rng = SplitMix(state: UInt64(name.count))
    for i in 0..<400 {
      let a = Int.random(in: 0...chars.count, using: &rng)
      let b = Int.random(in: a...chars.count, using: &rng)
      // The checker sees every mutation but only every fourth slice, to keep this quick.
      exercise(String(chars[a..<b]), checking: i % 4 == 0)
      exercise(mutate(script, &rng))
    }
    for length in stride(from: 0, through: chars.count, by: 7) {
      exercise(String(chars[..<length]))
    }
  }

  @Test func mutationsOfStatementsOnKnownNames() {
    #expect(Checker(session: FuzzTests.populatedSession)
      .check(Parser.parse(source: FuzzTests.sessionScript).statements).isEmpty,
      "the unmutated script checks clean, so mutations start from the checker's deep paths")
    var rng = SplitMix(state: 7)
    for _ in 0..<300 { exercise(mutate(FuzzTests.sessionScript, &rng)) }
  }

  @Test func randomGarbage() {
    var rng = SplitMix(state: 42)
    for _ in 0..<500 {
      let length = Int.random(in: 0...80, using: &rng)
      exercise(String((0..<length).map { _ in FuzzTests.alphabet.randomElement(using: &rng) ?? "x" }))
    }
  }

  /// Long chains (the fuzzer's 20,000-deep ones, now seeds in fuzz/corpus/frontend) stop at the
  /// parser's nesting limit, so the checker never sees a deep tree.
  @Test func deepNestingIsReportedNotOverflowed() {
    for source in [
      String(repeating: "[", count: 20_000), "x = " + String(repeating: "[", count: 20_000),
      "x = " + String(repeating: "(", count: 20_000) + "1",
      "x = " + String(repeating: "-", count: 20_000) + "1",
      String(repeating: "time ", count: 5_000) + "vars",
      "x = f(" + String(repeating: "g(", count: 20_000),
      "x = a" + String(repeating: "[0]", count: 20_000),
      "x = a" + String(repeating: ".b", count: 20_000),
      "x = " + Array(repeating: "1", count: 20_000).joined(separator: " + "),
      String(repeating: "model m {\n", count: 2_000),
      String(repeating: "}", count: 5_000), String(repeating: "\"", count: 5_001),
      "x = 99999999999999999999999x2", "x = 1e999999",
    ] {
      exercise(source)  // the checker too: the parser's nesting limit keeps every walk shallow
    }
    let deep = Parser.parse(source: "x = " + String(repeating: "[", count: 1_000) + "1")
    #expect(deep.diagnostics.map(\.message) == ["expression nests too deeply (more than 256 levels)"])
  }

  @Test func moderateNestingIsFine() {
    let source = "x = " + String(repeating: "[", count: 30) + "1" + String(repeating: "]", count: 30)
    #expect(Parser.parse(source: source).diagnostics == [])
  }
}
