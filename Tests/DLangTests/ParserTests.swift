import Testing
@testable import DLang

@Suite("Parser: the contract scripts and well-formed input")
struct ParserTests {
  @Test func xorScript() {
    let program = Parser.parse(source: TestSupport.script("xor.dl"))
    #expect(program.diagnostics == [])
    #expect(program.statements.map(\.sketch) == [
      "seed 1",
      "x = [[0, 0], [0, 1], [1, 0], [1, 1]]",
      "y = [0, 1, 1, 0]",
      "model xor { input 2; dense 8 tanh; dense 1 sigmoid }",
      "compile xor loss=binary_crossentropy optimizer=adam(lr=0.05) metrics=[accuracy]",
      "fit xor x y epochs=300 batch=4 verbose=0",
      "evaluate xor x y",
      "predict xor x",
      "plot xor",
    ])
  }

  @Test func irisScript() {
    let program = Parser.parse(source: TestSupport.script("iris.dl"))
    #expect(program.diagnostics == [])
    #expect(program.statements.map(\.sketch) == [
      "seed 42",
      "iris = load \"examples/data/iris.csv\" target=label",
      "train, test = split iris 0.8 stratify=true",
      "standardize train test",
      "model net { input 4; dense 16 relu; dropout 0.1; dense 3 softmax }",
      "compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]",
      "summary net",
      "fit net train epochs=60 batch=16 validation=0.1",
      "plot net",
      "evaluate net test",
    ])
  }
}
