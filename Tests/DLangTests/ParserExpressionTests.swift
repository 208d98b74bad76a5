import Testing
@testable import DLang

@Suite("Parser: statements, expressions and locations")
struct ParserExpressionTests {
  /// The sketch of the single statement in `source`, or the diagnostics.
  func parsed(_ source: String) -> String {
    let program = Parser.parse(source: source)
    if !program.diagnostics.isEmpty { return program.diagnostics.map(\.message).joined(separator: "; ") }
    return program.statements.map(\.sketch).joined(separator: " | ")
  }

  @Test func arithmeticPrecedence() {
    #expect(parsed("print 1 + 2") == "print (1 + 2)")
    #expect(parsed("print 1 + 2 * 3 - 4 / 2") == "print ((1 + (2 * 3)) - (4 / 2))")
    #expect(parsed("print (1 + 2) * -3") == "print ((1 + 2) * (-3))")
    #expect(parsed("print --1") == "print (-(-1))")
  }

  @Test func literals() {
    #expect(parsed("x = 1e-3") == "x = 0.001")
    #expect(parsed("x = [true, false, \"a\\\"b\", 8x8x1, 28x28, 2.5]")
      == "x = [true, false, \"a\"b\", 8x8x1, 28x28, 2.5]")
    #expect(parsed("x = []") == "x = []")
  }

  @Test func printSeveralValues() {
    #expect(parsed("print \"acc\", x, net.dense_1.weights") == "print \"acc\" x net.dense_1.weights")
  }

  @Test func memberIndexAndCalls() {
    #expect(parsed("print net.dense_1.weights[0][1]") == "print net.dense_1.weights[0][1]")
    #expect(parsed("compile m optimizer=sgd(0.1, momentum=0.9) loss=mse")
      == "compile m optimizer=sgd(0.1, momentum=0.9) loss=mse")
    #expect(parsed("compile m optimizer=adam(lr=0.05, beta1=0.9,) loss=mse")
      == "compile m optimizer=adam(lr=0.05, beta1=0.9) loss=mse")
  }

  @Test func juxtapositionNeedsTouchingBrackets() {
    #expect(parsed("fit m x [1, 2]") == "fit m x [1, 2]")
    #expect(parsed("fit m x[1] y") == "fit m x[1] y")
  }

  @Test func assignments() {
    #expect(parsed("net.dense_1.weights = [[1, 2], [3, 4]]")
      == "net.dense_1.weights = [[1, 2], [3, 4]]")
    #expect(parsed("train, val, test = split d 0.7 0.15 shuffle=false")
      == "train, val, test = split d 0.7 0.15 shuffle=false")
    #expect(parsed("d = load \"a.csv\" target=last header=false")
      == "d = load \"a.csv\" target=last header=false")
  }

  @Test func assignTargetsAreNamesOrMemberPaths() throws {
    let program = Parser.parse(source: "a, net.b.c = split d 0.5")
    guard case .assign(let targets, .command(let split))? = program.statements.first?.kind else {
      Issue.record("not an assignment")
      return
    }
    #expect(split.keyword.text == "split")
    guard case .name(let a) = targets[0], case .member(let path) = targets[1] else {
      Issue.record("wrong targets \(targets)")
      return
    }
    #expect(a.text == "a")
    #expect(path.sketch == "net.b.c")
  }

  @Test func listsSpanLines() {
    let source = "x = [\n  [0, 0],   # first\n  [1, 1],\n]\nprint x"
    #expect(parsed(source) == "x = [[0, 0], [1, 1]] | print x")
  }

  @Test func sessionCommands() {
    #expect(parsed("vars; reset; history; exit") == "vars | reset | history | exit")
    #expect(parsed("run \"examples/xor.dl\"") == "run \"examples/xor.dl\"")
    #expect(parsed("help") == "help")
    #expect(parsed("help fit") == "help fit")
    #expect(parsed("help dense") == "help dense")
    #expect(parsed("time fit net x y epochs=2") == "time fit net x y epochs=2")
    #expect(parsed("time time vars") == "time time vars")
    #expect(parsed("normalize a b c") == "normalize a b c")
    #expect(parsed("plot net accuracy") == "plot net accuracy")
    #expect(parsed("predict net x top=3 batch=2") == "predict net x top=3 batch=2")
    #expect(parsed("fit net train validation=val shuffle=false verbose=2")
      == "fit net train validation=val shuffle=false verbose=2")
  }

  @Test func layerLinesAcceptAnyKindAndMixedOptions() {
    let source = """
      model cnn {
        input 8x8x1
        conv2d 16 3 padding=same stride=1 relu
        maxpool 2
        flatten
        leaky_relu 0.2
        dense 16 relu init=he_normal name=hidden
        lstm 64 return_sequences=true
        whatever_kind 1 2 3
      }
      """
    #expect(parsed(source) == "model cnn { input 8x8x1; conv2d 16 3 relu padding=same stride=1; "
      + "maxpool 2; flatten; leaky_relu 0.2; dense 16 relu init=he_normal name=hidden; "
      + "lstm 64 return_sequences=true; whatever_kind 1 2 3 }")
  }

  @Test func modelOnOneLineAndEmptyModel() {
    #expect(parsed("model m { input 2; dense 1 }") == "model m { input 2; dense 1 }")
    #expect(parsed("model m {\n}") == "model m {  }")
  }

  @Test func locationsOfNodes() throws {
    let program = Parser.parse(source: TestSupport.script("xor.dl"))
    let statements = program.statements
    try #require(statements.count == 9)
    #expect(statements[0].range == range(2, 1, 2, 7))
    guard case .model(let name, let layers) = statements[3].kind else {
      Issue.record("not a model")
      return
    }
    #expect(name.range == range(7, 7, 7, 10))
    #expect(layers[1].kind.range == range(9, 3, 9, 8))
    #expect(layers[1].range == range(9, 3, 9, 15))
    #expect(statements[3].range == range(7, 1, 11, 2))
    guard case .command(let compile) = statements[4].kind,
      case .command(let fit) = statements[5].kind
    else {
      Issue.record("not commands")
      return
    }
    #expect(compile.args[0].range == range(13, 9, 13, 12))
    let optimizer = try #require(compile.option("optimizer"))
    #expect(optimizer.value.range == range(13, 48, 13, 61))
    #expect(fit.options[0].name.range == range(14, 13, 14, 19))
    #expect(fit.range == range(14, 1, 14, 41))
  }

  @Test func columnsCountCharacters() throws {
    let program = Parser.parse(source: "print \"héllo→\", y")
    guard case .command(let print)? = program.statements.first?.kind else {
      Issue.record("no print")
      return
    }
    #expect(print.args[1].range == range(1, 17, 1, 18))
  }

  func range(_ l1: Int, _ c1: Int, _ l2: Int, _ c2: Int) -> SourceRange {
    SourceRange(start: SourceLocation(line: l1, column: c1), end: SourceLocation(line: l2, column: c2))
  }
}
