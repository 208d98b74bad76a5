// Model blocks: `model NAME { ... }` with one layer per line. Layer kinds are not
// validated here; a bad layer line is reported and parsing continues with the next one.

extension Parser {
  /// Parses one layer line as typed in the REPL (no braces). Returns nil for a blank
  /// line, a comment or a lone `}`, and whenever there are errors.
  public static func parseLayerLine(_ text: String, line: Int) -> (LayerDecl?, [Diagnostic]) {
    let (tokens, lexical) = Lexer.tokenize(text, startLine: line)
    var parser = Parser(tokens: tokens)
    parser.skipSeparators()
    var layer: LayerDecl?
    if parser.peek.isKeyword(StatementTable.model.name) {
      parser.report("model blocks cannot be nested: close this block with '}' before starting another",
                    at: parser.peek.range)
    } else if parser.peek.kind != .endOfInput && !parser.peek.isSymbol("}") {
      do {
        let parsed = try parser.parseLayerLine()
        try parser.expectEndOfLayer(parsed)
        try parser.expectOnlyOneLayer()
        layer = parsed
      } catch {}
    }
    let diagnostics = sorted(lexical + parser.diagnostics)
    return (diagnostics.contains { $0.severity == .error } ? nil : layer, diagnostics)
  }

  /// model_stmt = "model" , identifier , "{" , { layer_line | section | newline | ";" } , "}" ;
  mutating func parseModelStatement() throws(ParseAbort) -> Statement {
    let keyword = advance()
    let modelName = try expectIdentifier("expected a model name after 'model'",
                                         hint: "example: model net { ... }")
    let open = try expectModelBrace(modelName)
    openBrackets.append(open)
    let level = openBrackets.count
    var layers: [LayerDecl] = []
    while true {
      skipSeparators()
      if match("}") { break }
      if peek.isKeyword(StatementTable.model.name) {
        report("model blocks cannot be nested: close 'model \(modelName.text)' with '}' before starting another",
               at: peek.range)
        skipNestedModel()
        continue
      }
      try checkModelClosed(open)
      if let section = Parser.sections.first(where: { peek.kind == .identifier && peek.text == $0 }),
         token(at: current + 1).isSymbol("{") {
        layers += try parseSection(section, level: level)
        continue
      }
      if let layer = parseLayerLineRecovering(level: level) { layers.append(layer) }
    }
    _ = openBrackets.popLast()
    let range = keyword.range.union(previous.range)
    return Statement(kind: .model(name: modelName, layers: layers), range: range)
  }

  /// The blocks of an encoder–decoder model.
  static let sections = ["encoder", "decoder"]

  /// section = identifier , "{" , { layer_line | newline | ";" } , "}" ;
  /// An `encoder { … }` or `decoder { … }` block inside a model block (the identifier is one
  /// of the two): its layer lines, tagged with the section.
  private mutating func parseSection(_ section: String, level: Int) throws(ParseAbort) -> [LayerDecl] {
    let word = advance()
    let open = advance()
    openBrackets.append(open)
    var layers: [LayerDecl] = []
    while true {
      skipSeparators()
      if match("}") { break }
      if let inner = Parser.sections.first(where: { peek.kind == .identifier && peek.text == $0 }),
         token(at: current + 1).isSymbol("{") {
        report("'\(inner)' cannot be inside '\(section)': close '\(section) {' with '}' first", at: peek.range)
        _ = advance()
        continue
      }
      try checkModelClosed(open)
      if var layer = parseLayerLineRecovering(level: level + 1) {
        layer.section = section
        layers.append(layer)
      }
    }
    _ = openBrackets.popLast()
    if layers.isEmpty { report("'\(section)' has no layers", at: word.range) }
    return layers
  }

  /// The `{` after the model name; tolerated (with an error) on the next line.
  private mutating func expectModelBrace(_ modelName: Name) throws(ParseAbort) -> Token {
    if peek.isSymbol("{") { return advance() }
    var next = current
    while token(at: next).kind == .newline { next += 1 }
    if peek.kind == .newline && token(at: next).isSymbol("{") {
      report("put '{' on the same line as 'model \(modelName.text)'", at: token(at: next).range)
      current = next
      return advance()
    }
    throw failAt(peek, "expected '{' after 'model \(modelName.text)'",
                 hint: "example: model \(modelName.text) { input 4; dense 1 }")
  }

  /// Skips a `model` line inside a block and, when it opens one, its whole `{ … }`.
  private mutating func skipNestedModel() {
    advance()
    while peek.kind != .endOfInput && peek.kind != .newline && !peek.isSymbol("{") { advance() }
    guard peek.isSymbol("{") else { return }
    var depth = 0
    while peek.kind != .endOfInput {
      let token = advance()
      if token.isSymbol("{") { depth += 1 }
      if token.isSymbol("}") {
        depth -= 1
        if depth == 0 { return }
      }
    }
  }

  /// Fails when the block runs into the end of input or into the next statement.
  private mutating func checkModelClosed(_ open: Token) throws(ParseAbort) {
    guard peek.kind == .endOfInput || startsStatement(at: current) else { return }
    let resume = peek.kind == .endOfInput ? nil : current
    throw fail("unclosed '{' opened at \(open.range.start)", at: afterPrevious,
               hint: "add '}' on a line after the last layer", resumeAt: resume)
  }

  /// One layer line; on error, skips to the end of the line and returns nil.
  private mutating func parseLayerLineRecovering(level: Int) -> LayerDecl? {
    do {
      let layer = try parseLayerLine()
      try expectEndOfLayer(layer)
      return layer
    } catch {
      let extra = max(0, openBrackets.count - level)
      openBrackets.removeLast(extra)
      if let resume = error.resumeAt, resume >= current {
        current = resume
      } else {
        skipLine(depth: extra, stopAtClosingBrace: true)
      }
      return nil
    }
  }

  /// layer_line = identifier , { option | expression } ;
  mutating func parseLayerLine() throws(ParseAbort) -> LayerDecl {
    let kind = try expectIdentifier("expected a layer kind such as 'dense'")
    var args: [Expr] = []
    var options: [Option] = []
    while true {
      if atOption {
        options.append(try parseOption())
      } else if startsExpression(peek) {
        args.append(try parseExpression())
      } else {
        break
      }
    }
    let ranges = args.map(\.range) + options.map(\.range)
    let range = ranges.reduce(kind.range) { $0.union($1) }
    return LayerDecl(kind: kind, args: args, options: options, range: range)
  }

  /// After a layer line: a newline, `;`, `}` or the end of input.
  mutating func expectEndOfLayer(_ layer: LayerDecl) throws(ParseAbort) {
    let token = peek
    if token.endsStatement || token.isSymbol("}") { return }
    if token.isSymbol(",") {
      throw failAt(token, "unexpected ',' in layer '\(layer.kind.text)'",
                   hint: "separate layer arguments with spaces: dense 16 relu")
    }
    throw failAt(token, "unexpected \(token.quoted) in layer '\(layer.kind.text)'")
  }

  /// In `parseLayerLine(_:line:)`: nothing but separators or `}` may follow.
  private mutating func expectOnlyOneLayer() throws(ParseAbort) {
    skipSeparators()
    if peek.kind == .endOfInput || peek.isSymbol("}") { return }
    throw failAt(peek, "expected one layer per line")
  }
}
