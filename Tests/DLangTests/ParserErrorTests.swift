import Testing
@testable import DLang

/// A malformed input and the single diagnostic it must produce.
struct BadInput: CustomTestStringConvertible, Sendable {
  var source: String
  var position: String
  var message: String

  init(_ source: String, _ position: String, _ message: String) {
    self.source = source
    self.position = position
    self.message = message
  }

  var testDescription: String { source.debugDescription }
}

@Suite("Parser: malformed input and recovery")
struct ParserErrorTests {
  static let cases: [BadInput] = [
    BadInput("compile", "1:8", "expected a model name after 'compile'"),
    BadInput("x = [1, 2\nfit net x", "1:10", "unclosed '[' opened at 1:5"),
    BadInput("fit net train epochs=", "1:15", "'epochs' expects a value: epochs=10"),
    BadInput("fit net train epochs 10", "1:15", "'epochs' expects a value: epochs=10"),
    BadInput("fitt net train", "1:1", "unknown statement 'fitt'; did you mean 'fit'?"),
    BadInput("fit net train epoch=10", "1:15",
             "unknown option 'epoch' for 'fit'; did you mean 'epochs'?"),
    BadInput("model net {\n  input 4\n  dense 3 softmax\n", "3:18", "unclosed '{' opened at 1:11"),
    BadInput("model {", "1:7", "expected a model name after 'model', found '{'"),
    BadInput("model net\n{\n input 2\n}", "2:1", "put '{' on the same line as 'model net'"),
    BadInput("print", "1:6", "expected a value after 'print'"),
    BadInput("print a b", "1:9", "separate the values to print with ','"),
    BadInput("run examples/xor.dl", "1:5", "'run' expects a file name in quotes"),
    BadInput("x = \"abc", "1:5", "unterminated string"),
    BadInput("x = 3 $", "1:7", "unexpected character '$'"),
    BadInput("fit net", "1:8", "expected training data after 'fit net'"),
    BadInput("fit net a b c", "1:13", "too many arguments for 'fit'"),
    BadInput("summary net verbose=1", "1:13", "'summary' takes no options"),
    BadInput("x = (1 + 2", "1:11", "unclosed '(' opened at 1:5"),
    BadInput("x = [1 2]", "1:8", "expected ',' between list items or ']', found '2'"),
    BadInput("vars now", "1:6", "'vars' takes no arguments"),
    BadInput("x = 300abc", "1:5", "invalid number '300abc'"),
    BadInput("load \"x.csv\"", "1:1", "'load' makes a dataset; assign it to a name"),
    BadInput("x = fit", "1:5", "'fit' cannot be used as a value"),
    BadInput("time", "1:5", "expected a statement after 'time'"),
    BadInput("x = 1 +", "1:8", "expected a value"),
    BadInput("compile net loss=mse optimizer=adam(lr=0.01", "1:44", "unclosed '(' opened at 1:36"),
    BadInput("plot net \"loss\"", "1:10", "expected a metric name after 'plot net', such as accuracy"),
    BadInput("model net {\n  dense 8,\n}", "2:10", "unexpected ',' in layer 'dense'"),
    BadInput("model net {\n  8 dense\n}", "2:3", "expected a layer kind such as 'dense', found '8'"),
    BadInput("fit net epochs=3 train", "1:18", "positional arguments must come before the options"),
    BadInput("x = 8x8x", "1:5", "invalid shape '8x8x'"),
    BadInput("}", "1:1", "expected a statement, found '}'"),
    BadInput("x = \"a\\qb\"", "1:5", "unknown escape '\\q' in string"),
    BadInput("fit net train epochs=5 epochs=6", "1:24", "option 'epochs' is given twice"),
    BadInput("net.dense_1.weights", "1:20", "expected '=' after 'net.dense_1.weights'"),
    BadInput("x", "1:1", "unknown statement 'x'"),
    BadInput("x = [[0, 0], [0, 1]\n     [1, 0]]", "2:6",
             "expected ',' between list items or ']', found '['"),
    BadInput("x = split d", "1:12", "expected a dataset and a fraction after 'split'"),
    BadInput("x = 1 2", "1:7", "unexpected '2'; expected the end of the statement"),
    BadInput("help 3", "1:6", "expected a topic after 'help', such as fit or dense"),
    BadInput("seed 1; compile", "1:16", "expected a model name after 'compile'"),
    BadInput("plot net accuracy width=3", "1:19", "unknown option 'width' for 'plot'"),
    BadInput("x = 1e999", "1:5", "number '1e999' is too large"),
    BadInput("x = 99999999999999999999999x2", "1:5",
             "shape '99999999999999999999999x2' has a dimension that is too large"),
  ]

  @Test(arguments: cases)
  func reportsOneSpecificDiagnostic(_ input: BadInput) {
    let program = Parser.parse(source: input.source)
    #expect(program.diagnostics.map { "\($0.range.start): \($0.message)" }
      == ["\(input.position): \(input.message)"])
    #expect(program.hasErrors)
  }

  @Test func brokenStatementsAreDroppedButOthersKept() {
    let program = Parser.parse(source: "seed 1\nfit net train epoch=10\nsummary net\n")
    #expect(program.statements.map(\.sketch) == ["seed 1", "summary net"])
  }

  @Test func reportsIndependentMistakesInOneScript() {
    let source = """
      seed 1
      fitt net x
      model net {
        input 4
        dense 8,
        dense 3 softmax
      }
      compile net loss=mse optimizer=adam(lr=0.01 metrics=[accuracy]
      fit net train epoch=5
      print 1 +
      summary net
      """
    #expect(TestSupport.messages(source) == [
      "2:1: unknown statement 'fitt'; did you mean 'fit'?",
      "5:10: unexpected ',' in layer 'dense'",
      "8:45: expected ',' between arguments or ')', found 'metrics'",
      "9:15: unknown option 'epoch' for 'fit'; did you mean 'epochs'?",
      "10:10: expected a value",
    ])
    #expect(Parser.parse(source: source).statements.map(\.sketch) == ["seed 1", "summary net"])
  }

  @Test func badLayerLinesAreEachReported() {
    let source = "model net {\n  input 4\n  dense 8 = relu\n  8 dense\n  dense 3 softmax\n}\nsummary net"
    #expect(TestSupport.messages(source) == [
      "3:11: unexpected '=' in layer 'dense'",
      "4:3: expected a layer kind such as 'dense', found '8'",
    ])
    #expect(Parser.parse(source: source).statements.map(\.sketch) == ["summary net"])
  }

  @Test func openParenInALayerStopsAtTheClosingBrace() {
    let source = "model net {\n  dense 8 (\n  8 dense\n  dense 3 softmax\n}\nsummary net"
    #expect(TestSupport.messages(source) == ["3:5: expected ')', found 'dense'"])
    #expect(Parser.parse(source: source).statements.map(\.sketch) == ["summary net"])
  }

  @Test func unclosedModelResumesAtTheNextStatement() {
    let program = Parser.parse(source: "model net {\n  dense 8\nfit net x y")
    #expect(program.diagnostics.map(\.message) == ["unclosed '{' opened at 1:11"])
    #expect(program.statements.map(\.sketch) == ["fit net x y"])
  }

  @Test func unclosedListResumesAtTheNextStatement() {
    let program = Parser.parse(source: "x = [1, 2\ny = 3\nprint y")
    #expect(program.diagnostics.map(\.message) == ["unclosed '[' opened at 1:5"])
    #expect(program.statements.map(\.sketch) == ["y = 3", "print y"])
  }

  @Test func brokenModelHeaderSkipsItsBlock() {
    let program = Parser.parse(source: "model 3 {\n  input 4\n  dense 1\n}\nsummary net")
    #expect(program.diagnostics.map(\.message) == ["expected a model name after 'model', found '3'"])
    #expect(program.statements.map(\.sketch) == ["summary net"])
  }

  @Test func hintsAreAttached() {
    let program = Parser.parse(source: "x")
    #expect(program.diagnostics.first?.hint == "to show a value: print x")
    let fit = Parser.parse(source: "fit net train epoch=10")
    #expect(fit.diagnostics.first?.hint?.hasPrefix("options of 'fit': epochs, batch") == true)
  }
}
