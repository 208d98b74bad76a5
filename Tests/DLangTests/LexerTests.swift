import Testing
@testable import DLang

@Suite("Lexer")
struct LexerTests {
  func kinds(_ source: String) -> [String] {
    Lexer.tokenize(source).tokens.map { token in
      switch token.kind {
      case .identifier: "id:\(token.text)"
      case .keyword: "kw:\(token.text)"
      case .number(let value, let isInteger): isInteger ? "int:\(Int(value))" : "num:\(value)"
      case .string(let text): "str:\(text)"
      case .shape(let dims): "shape:\(dims)"
      case .symbol: token.text
      case .newline: "NL"
      case .endOfInput: "EOF"
      case .invalid: "invalid:\(token.text)"
      }
    }
  }

  @Test func shapesAreOneToken() {
    #expect(kinds("input 8x8x1") == ["id:input", "shape:[8, 8, 1]", "EOF"])
    #expect(kinds("28x28 2") == ["shape:[28, 28]", "int:2", "EOF"])
    #expect(kinds("2 x 3") == ["int:2", "id:x", "int:3", "EOF"])
  }

  @Test func numbers() {
    #expect(kinds("1e-3 0.05 2.5E+4 300") == ["num:0.001", "num:0.05", "num:25000.0", "int:300", "EOF"])
    #expect(kinds("1.") == ["int:1", ".", "EOF"])
  }

  @Test func stringsDecodeEscapes() {
    #expect(kinds(#""a\"b\\c\nd\te""#) == ["str:a\"b\\c\nd\te", "EOF"])
  }

  @Test func keywordsSymbolsAndComments() {
    #expect(kinds("fit net x # train it\n") == ["kw:fit", "id:net", "id:x", "NL", "EOF"])
    #expect(kinds("a=(b[0]+-c*d/e),{};.") == [
      "id:a", "=", "(", "id:b", "[", "int:0", "]", "+", "-", "id:c", "*", "id:d", "/", "id:e",
      ")", ",", "{", "}", ";", ".", "EOF",
    ])
    #expect(kinds("true false True") == ["kw:true", "kw:false", "id:True", "EOF"])
  }

  @Test func locationsAndSpacing() {
    let tokens = Lexer.tokenize("seed 1\r\n  x=[2]", startLine: 5).tokens
    #expect(tokens.map(\.range.start.description) == ["5:1", "5:6", "5:7", "6:3", "6:4", "6:5", "6:6", "6:7", "6:8"])
    #expect(tokens.map(\.spaceBefore) == [false, true, false, true, false, false, false, false, false])
  }

  @Test func invalidInputBecomesInvalidTokensWithDiagnostics() {
    let (tokens, diagnostics) = Lexer.tokenize("x $ \"open\ny")
    #expect(kinds("x $ \"open\ny") == ["id:x", "invalid:$", "invalid:\"open", "NL", "id:y", "EOF"])
    #expect(diagnostics.map(\.message) == ["unexpected character '$'", "unterminated string"])
    #expect(tokens.count == 6)
  }

  @Test func literalTablesCoverEverySymbol() {
    #expect(Set(Lexer.operators + Lexer.punctuation).count == 15)
    #expect(Keywords.all.contains("fit") && Keywords.all.contains("true"))
    #expect(!Keywords.all.contains("dense"))
  }
}

@Suite("InputStatus and layer lines")
struct InputStatusTests {
  @Test func incompleteInput() {
    #expect(InputStatus.of("model net {") == .incomplete)
    #expect(InputStatus.of("model net {\n  input 2\n  dense 1") == .incomplete)
    #expect(InputStatus.of("x = [1,") == .incomplete)
    #expect(InputStatus.of("compile m optimizer=adam(lr=0.1") == .incomplete)
    #expect(InputStatus.of("x = \"abc") == .incomplete)
  }

  @Test func completeInput() {
    #expect(InputStatus.of("") == .complete)
    #expect(InputStatus.of("fit net x y") == .complete)
    #expect(InputStatus.of("model net {\n  input 2\n}") == .complete)
    #expect(InputStatus.of("x = ]") == .complete)
    #expect(InputStatus.of("x = [1, 2)") == .complete)
    #expect(InputStatus.of("# a comment with [ and {") == .complete)
    #expect(InputStatus.of("print \"[\"") == .complete)
  }

  @Test func layerLineParses() throws {
    let (layer, diagnostics) = Parser.parseLayerLine("  conv2d 16 3 padding=same relu", line: 7)
    #expect(diagnostics == [])
    let decl = try #require(layer)
    #expect(decl.sketch == "conv2d 16 3 relu padding=same")
    #expect(decl.kind.range.start == SourceLocation(line: 7, column: 3))
  }

  @Test func layerLineErrorsAndBlanks() {
    let (bad, diagnostics) = Parser.parseLayerLine("dense 8,", line: 3)
    #expect(bad == nil)
    #expect(diagnostics.map(\.description) == ["3:8: error: unexpected ',' in layer 'dense'"])
    #expect(Parser.parseLayerLine("", line: 1).1 == [])
    #expect(Parser.parseLayerLine("   # comment", line: 1).0 == nil)
    #expect(Parser.parseLayerLine("}", line: 1).1 == [])
    #expect(Parser.parseLayerLine("dense 1 }", line: 1).0?.sketch == "dense 1")
    #expect(Parser.parseLayerLine("dense 1; dense 2", line: 1).1.map(\.message)
      == ["expected one layer per line"])
    #expect(Parser.parseLayerLine("dens$ 1", line: 1).1.map(\.message) == ["unexpected character '$'"])
  }
}
