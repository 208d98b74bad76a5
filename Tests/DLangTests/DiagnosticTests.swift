import Testing
@testable import DLang

@Suite("Diagnostics and suggestions")
struct DiagnosticTests {
  func at(_ line: Int, _ column: Int, _ endColumn: Int) -> SourceRange {
    SourceRange(start: SourceLocation(line: line, column: column),
                end: SourceLocation(line: line, column: endColumn))
  }

  @Test func renderPointsAtTheRange() {
    let source = "model net {\n    dens 8 relu\n}\n"
    let diagnostic = Diagnostic.error("unknown layer 'dens'; did you mean 'dense'?", at: at(2, 5, 9))
    #expect(diagnostic.render(file: "examples/bad.dl", source: source) == """
      examples/bad.dl:2:5: error: unknown layer 'dens'; did you mean 'dense'?
          dens 8 relu
          ^~~~
      """)
  }

  @Test func renderWithHintTabsAndEmptyRange() {
    let source = "\tfit net"
    let diagnostic = Diagnostic.error("expected training data after 'fit net'", at: at(1, 9, 9),
                                      hint: "usage: fit MODEL DATA")
    #expect(diagnostic.render(file: "a.dl", source: source) == """
      a.dl:1:9: error: expected training data after 'fit net'
      \tfit net
      \t       ^
        hint: usage: fit MODEL DATA
      """)
  }

  @Test func renderMultiLineRangeAndMissingLine() {
    let source = "model m {\n  input 2\n}"
    let span = SourceRange(start: SourceLocation(line: 1, column: 7), end: SourceLocation(line: 3, column: 2))
    let lines = Diagnostic(range: span, severity: .warning, message: "w").render(file: "f", source: source)
    #expect(lines == "f:1:7: warning: w\nmodel m {\n      ^~~")
    let far = Diagnostic.error("e", at: at(9, 1, 2)).render(file: "f", source: source)
    #expect(far == "f:9:1: error: e")
  }

  @Test func renderWithColor() {
    let text = Diagnostic.error("bad", at: at(1, 1, 2)).render(file: "f", source: "x", useColor: true)
    #expect(text.contains("\u{1B}[1;31merror:\u{1B}[0m"))
    #expect(text.contains("\u{1B}[1;32m^\u{1B}[0m"))
  }

  @Test func renderParserDiagnosticEndToEnd() {
    let source = "seed 1\nfit net train epoch=10\n"
    let program = Parser.parse(source: source)
    #expect(program.diagnostics.first?.render(file: "s.dl", source: source) == """
      s.dl:2:15: error: unknown option 'epoch' for 'fit'; did you mean 'epochs'?
      fit net train epoch=10
                    ^~~~~
        hint: options of 'fit': epochs, batch, validation, shuffle, verbose, early_stopping, class_weight, log, checkpoint, resume, augment, health, teacher_forcing
      """)
  }

  @Test func suggestions() {
    #expect(Suggest.closest(to: "fitt", in: Keywords.statements) == "fit")
    #expect(Suggest.closest(to: "dens", in: ["dropout", "dense"]) == "dense")
    #expect(Suggest.closest(to: "desne", in: ["dropout", "dense"]) == "dense")
    #expect(Suggest.closest(to: "DENSE", in: ["dense"]) == "dense")
    #expect(Suggest.closest(to: "epoch", in: ["epochs", "batch"]) == "epochs")
    #expect(Suggest.closest(to: "xyzzy", in: ["dense", "fit"]) == nil)
    #expect(Suggest.closest(to: "x", in: ["y"]) == nil)
    #expect(Suggest.closest(to: "sparse_categorical_crossentropi",
                            in: ["categorical_crossentropy", "sparse_categorical_crossentropy"])
      == "sparse_categorical_crossentropy")
    #expect(Suggest.closest(to: "", in: []) == nil)
  }

  @Test func distance() {
    #expect(Suggest.distance(Array("ca"), Array("abc")) == 3)
    #expect(Suggest.distance(Array("abcd"), Array("acbd")) == 1)
    #expect(Suggest.distance(Array(""), Array("abc")) == 3)
  }

  @Test func statementTable() throws {
    let fit = try #require(Statements.spec("fit"))
    #expect(fit.optionNames == ["epochs", "batch", "validation", "shuffle", "verbose", "early_stopping",
                               "class_weight", "log", "checkpoint", "resume", "augment", "health",
                               "teacher_forcing"])
    #expect(fit.option("verbose")?.allowedValues == ["0", "1", "2"])
    #expect(Statements.spec("plot")?.optionNames == ["log"])
    #expect(Statements.spec("dense") == nil)
    #expect(Set(Statements.all.map(\.name)).count == Statements.all.count)
    for name in ["seed", "model", "compile", "fit", "evaluate", "predict", "summary", "plot",
                 "print", "standardize", "normalize", "help", "vars", "reset", "run", "time",
                 "history", "exit", "load", "split"] {
      #expect(Statements.spec(name) != nil, "\(name)")
    }
  }
}
