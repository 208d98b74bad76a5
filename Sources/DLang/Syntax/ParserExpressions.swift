// Expressions: options, arithmetic, postfix member/index access, literals, calls, lists.

/// A call argument: positional or `name=value`.
enum CallArgument {
  case positional(Expr)
  case option(Option)
}

extension Parser {
  /// option = identifier , "=" , expression ;
  mutating func parseOption(of spec: StatementSpec? = nil) throws(ParseAbort) -> Option {
    let name = name(advance())
    let equals = advance()
    guard startsExpression(peek) else {
      let example = spec?.option(name.text).map { ": \($0.example)" } ?? ""
      throw fail("'\(name.text)' expects a value\(example)",
                 at: name.range.union(equals.range))
    }
    return Option(name: name, value: try parseExpression())
  }

  /// expression = term , { ( "+" | "-" ) , term } ;
  ///
  /// Each operator of a chain deepens the (left-leaning) tree by one level, so it counts
  /// against the nesting limit like a bracket: every later walk of the tree stays shallow.
  mutating func parseExpression() throws(ParseAbort) -> Expr {
    var left = try parseTerm()
    let entered = depth
    defer { depth = entered }
    while let op = binaryOperator(["+": .add, "-": .subtract]) {
      try enter()
      let right = try parseTerm()
      left = Expr(kind: .binary(op, left, right), range: left.range.union(right.range))
    }
    return left
  }

  /// term = unary , { ( "*" | "/" | "@" ) , unary } ;
  mutating func parseTerm() throws(ParseAbort) -> Expr {
    var left = try parseUnary()
    let entered = depth
    defer { depth = entered }
    while let op = binaryOperator(["*": .multiply, "/": .divide, "@": .matmul]) {
      try enter()
      let right = try parseUnary()
      left = Expr(kind: .binary(op, left, right), range: left.range.union(right.range))
    }
    return left
  }

  /// Consumes the next token if it is one of `operators`, returning that operator.
  private mutating func binaryOperator(_ operators: [String: BinaryOp]) -> BinaryOp? {
    guard peek.kind == .symbol, let op = operators[peek.text] else { return nil }
    advance()
    return op
  }

  /// unary = "-" , unary | postfix ;
  mutating func parseUnary() throws(ParseAbort) -> Expr {
    try enter()
    defer { leave() }
    guard peek.isSymbol("-") else { return try parsePostfix() }
    let minus = advance()
    let operand = try parseUnary()
    return Expr(kind: .unary(.negate, operand), range: minus.range.union(operand.range))
  }

  /// postfix = primary , { "." , identifier | "[" , expression , "]" | "(" , [ expression , { "," , expression } ] , ")" } ;
  ///
  /// The `(…)` form applies a layer to a value (`net.dense_1(x)`); it follows a `.member`
  /// directly, without a space.
  mutating func parsePostfix() throws(ParseAbort) -> Expr {
    var base = try parsePrimary()
    let entered = depth
    defer { depth = entered }
    while true {
      let applies = peek.isSymbol("(") && !peek.spaceBefore && isMember(base)
      if peek.isSymbol(".") || (peek.isSymbol("[") && !peek.spaceBefore) || applies { try enter() }
      if match(".") {
        let member = try expectIdentifier("expected a name after '.'")
        base = Expr(kind: .member(base, member), range: base.range.union(member.range))
      } else if peek.isSymbol("[") && !peek.spaceBefore {
        base = try parseIndex(of: base)
      } else if applies {
        base = try parseApplication(of: base)
      } else {
        return base
      }
    }
  }

  private func isMember(_ e: Expr) -> Bool {
    if case .member = e.kind { return true }
    return false
  }

  /// The `( expression , … )` part of `postfix`: `net.dense_1(x)`.
  private mutating func parseApplication(of base: Expr) throws(ParseAbort) -> Expr {
    let open = advance()
    openBrackets.append(open)
    var args: [Expr] = []
    try parseSeparated(open, close: ")", what: "arguments") { (parser) throws(ParseAbort) in
      args.append(try parser.parseExpression())
    }
    _ = openBrackets.popLast()
    return Expr(kind: .apply(base, args: args), range: base.range.union(previous.range))
  }

  /// The `[ expression ]` part of `postfix`.
  private mutating func parseIndex(of base: Expr) throws(ParseAbort) -> Expr {
    let open = advance()
    openBrackets.append(open)
    skipNewlines()
    try checkUnclosed(open)
    let index = try parseExpression()
    try expectClosing(open, "]", expected: "']' after the index")
    _ = openBrackets.popLast()
    return Expr(kind: .index(base, index), range: base.range.union(previous.range))
  }

  /// primary = number | string | shape | "true" | "false" | call | identifier | list | "(" , expression , ")" ;
  mutating func parsePrimary() throws(ParseAbort) -> Expr {
    let token = peek
    switch token.kind {
    case .number(let value, let isInteger):
      return literal(.number(value, isInteger: isInteger))
    case .string(let value):
      return literal(.string(value))
    case .shape(let dims):
      return literal(.shape(dims))
    case .keyword where Keywords.literals.contains(token.text):
      return literal(.bool(token.text == "true"))
    case .identifier:
      let next = self.token(at: current + 1)
      if next.isSymbol("("), !next.spaceBefore {
        return try parseCall()
      }
      return literal(.identifier(token.text))
    case .symbol where token.text == "[":
      return try parseList()
    case .symbol where token.text == "(":
      return try parseGroup()
    default:
      if token.endsStatement { throw fail("expected a value", at: afterPrevious) }
      let hint = token.kind == .keyword ? "'\(token.text)' is a reserved word" : nil
      throw failAt(token, "expected a value, found \(token.quoted)", hint: hint)
    }
  }

  /// Consumes the current token as a literal expression.
  private mutating func literal(_ kind: ExprKind) -> Expr {
    Expr(kind: kind, range: advance().range)
  }

  /// The `"(" , expression , ")"` alternative of `primary`.
  private mutating func parseGroup() throws(ParseAbort) -> Expr {
    let open = advance()
    openBrackets.append(open)
    skipNewlines()
    try checkUnclosed(open)
    var inner = try parseExpression()
    try expectClosing(open, ")", expected: "')'")
    _ = openBrackets.popLast()
    inner.range = open.range.union(previous.range)
    return inner
  }

  /// call = identifier , "(" , [ call_argument , { "," , call_argument } , [ "," ] ] , ")" ;
  mutating func parseCall() throws(ParseAbort) -> Expr {
    let callee = name(advance())
    let open = advance()
    openBrackets.append(open)
    var args: [Expr] = []
    var options: [Option] = []
    try parseSeparated(open, close: ")", what: "arguments") { (parser) throws(ParseAbort) in
      switch try parser.parseCallArgument() {
      case .positional(let expr): args.append(expr)
      case .option(let option): options.append(option)
      }
    }
    _ = openBrackets.popLast()
    let range = callee.range.union(previous.range)
    return Expr(kind: .call(callee, args: args, options: options), range: range)
  }

  /// call_argument = option | expression ;
  mutating func parseCallArgument() throws(ParseAbort) -> CallArgument {
    if atOption { return .option(try parseOption()) }
    return .positional(try parseExpression())
  }

  /// list = "[" , [ list_item , { "," , list_item } , [ "," ] ] , "]" ;
  /// list_item = option | expression ;
  ///
  /// A keyed item `age=median` (as in `missing=[age=median, income=0]`) is kept as a call of
  /// the key with that one option, `age(age=median)`, which only such options read.
  mutating func parseList() throws(ParseAbort) -> Expr {
    let open = advance()
    openBrackets.append(open)
    var items: [Expr] = []
    try parseSeparated(open, close: "]", what: "list items") { (parser) throws(ParseAbort) in
      if parser.atOption {
        let o = try parser.parseOption()
        items.append(Expr(kind: .call(o.name, args: [], options: [o]), range: o.range))
        return
      }
      items.append(try parser.parseExpression())
    }
    _ = openBrackets.popLast()
    return Expr(kind: .list(items), range: open.range.union(previous.range))
  }

  /// Parses `item , item , ... [,]` up to and including `close`, across newlines.
  private mutating func parseSeparated(
    _ open: Token, close: String, what: String,
    item: (inout Parser) throws(ParseAbort) -> Void
  ) throws(ParseAbort) {
    skipNewlines()
    while !match(close) {
      try checkUnclosed(open)
      try item(&self)
      let sawNewline = skipNewlines()
      if match(",") {
        skipNewlines()
        continue
      }
      if peek.isSymbol(close) { continue }
      throw closingError(open, sawNewline: sawNewline,
                         expected: "',' between \(what) or '\(close)'")
    }
  }

  /// Consumes `close` (after optional newlines) or fails.
  private mutating func expectClosing(_ open: Token, _ close: String,
                                      expected: String) throws(ParseAbort) {
    let sawNewline = skipNewlines()
    if match(close) { return }
    throw closingError(open, sawNewline: sawNewline, expected: expected)
  }

  /// Fails with "unclosed" when the input ends or a new statement begins inside `open`.
  private mutating func checkUnclosed(_ open: Token) throws(ParseAbort) {
    if peek.kind == .endOfInput || startsStatement(at: current) || peek.isSymbol("}") {
      throw unclosed(open)
    }
  }

  private mutating func closingError(_ open: Token, sawNewline: Bool,
                                     expected: String) -> ParseAbort {
    if peek.kind == .endOfInput || startsStatement(at: current) || peek.isSymbol("}") {
      return unclosed(open)
    }
    if sawNewline && !startsExpression(peek) && !peek.isSymbol(",") {
      return unclosed(open)
    }
    return failAt(peek, "expected \(expected), found \(peek.quoted)")
  }

  /// "unclosed '[' opened at 3:5", placed where the closing bracket is missing. Parsing
  /// resumes at the current token when it starts a new statement.
  private mutating func unclosed(_ open: Token) -> ParseAbort {
    let resume = startsStatement(at: current) ? current : nil
    let closer = open.text == "(" ? ")" : "]"
    return fail("unclosed '\(open.text)' opened at \(open.range.start)", at: afterPrevious,
                hint: "add '\(closer)' to close it", resumeAt: resume)
  }
}
