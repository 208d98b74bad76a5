import Autograd
import NeuralNet

/// Checks a program before anything runs: names exist and are of the right kind, layer lines
/// are valid and their shapes fit together, compile options name real losses, optimizers and
/// metrics, option values are in range. Every independent mistake is reported, each at its
/// line and column; data-dependent problems (a missing file) are found when the script runs.
struct Checker {
  let session: Session
  /// Kinds of names defined so far: the session's, then the program's as it goes.
  var kinds: [String: Kind] = [:]
  /// Names whose value the program changes (their session value can no longer be used).
  var shadowed: Set<String> = []
  var diagnostics: [Diagnostic] = []
  /// Lines with a syntax error (their statement or layer line was dropped by the parser).
  var syntaxErrorLines: Set<Int> = []
  /// Models named by a `compile` line the parser dropped (a syntax error), with that line: a
  /// later `fit` of the model is then not reported as uncompiled, a second, dependent mistake.
  var brokenCompiles: [(line: Int, name: String)] = []
  /// The scripts being run or checked, outermost first: a `run` of one of them is a cycle.
  var runChain: [(path: String, identity: String)]
  /// A cycle (or too deep a chain) found in a script that a checked `run` runs; reported at
  /// the outermost `run` line.
  var runFailure: String?
  /// Model files an earlier `save` of the program writes (resolved path → the model's kind):
  /// a later `load` of the same file gives that model back.
  var savedModels: [String: Kind] = [:]
  /// The loss each compiled model minimises (by model name), where known: with its output
  /// shape it tells how many classes the model has.
  var losses: [String: String] = [:]
  /// The networks of the models known before running (by model name): the session's, and
  /// those the program's well-formed `model` blocks declare (shapes only, no weights), so
  /// that `show net.conv2d_1 …` can check the layer, its parameters and the sample's shape.
  var networks: [String: Model] = [:]

  init(session: Session) {
    self.session = session
    runChain = session.runChain
    for name in session.names {
      guard let v = session.value(named: name) else { continue }
      kinds[name] = Kind(of: v)
      if case .model(let m) = v {
        if let loss = m.compiled?.loss { losses[name] = loss }
        networks[name] = m.network
      }
    }
  }

  /// All diagnostics for `statements`. `source`, when given, is the text they were parsed
  /// from: names that only a statement with a syntax error defines are then known (as unknown
  /// values), so that their later uses are not reported as a second, dependent mistake.
  /// `syntaxErrors` are the parser's: a model block with a line the parser dropped is then
  /// not also reported for lacking that line.
  func check(_ statements: [Statement], source: String? = nil, syntaxErrors: [Diagnostic] = []) -> [Diagnostic] {
    var c = self
    c.syntaxErrorLines = Set(syntaxErrors.map(\.range.start.line))
    if let source {
      for name in Checker.brokenDefinitions(source, statements) where c.kinds[name] == nil {
        c.kinds[name] = .unknown
        c.shadowed.insert(name)
      }
      c.brokenCompiles = Checker.brokenCompiles(source, statements)
    }
    for s in statements { c.check(s) }
    return c.diagnostics
  }

  /// `compile NAME …` lines of `source` that no statement in `statements` starts on.
  static func brokenCompiles(_ source: String, _ statements: [Statement]) -> [(line: Int, name: String)] {
    let tokens = Lexer.tokenize(source).0
    let parsed = Set(statements.map(\.range.start.line))
    var found: [(line: Int, name: String)] = []
    for i in tokens.indices where tokens[i].isKeyword(StatementTable.compile.name) && i + 1 < tokens.count
      && tokens[i + 1].kind == .identifier && !parsed.contains(tokens[i].range.start.line) {
      found.append((tokens[i].range.start.line, tokens[i + 1].text))
    }
    return found
  }

  /// Whether a dropped `compile` line for `name` comes before `line`.
  func brokenCompile(of name: String, before line: Int) -> Bool {
    brokenCompiles.contains { $0.name == name && $0.line < line }
  }

  /// Names defined at the start of a line of `source` (`model NAME`, `NAME = …`,
  /// `A, B = …`) by no statement in `statements`: the parser dropped their statements.
  static func brokenDefinitions(_ source: String, _ statements: [Statement]) -> Set<String> {
    let tokens = Lexer.tokenize(source).0
    var written: Set<String> = []
    var i = 0
    while i < tokens.count {
      let atLineStart = i == 0 || tokens[i - 1].kind == .newline || tokens[i - 1].isSymbol(";")
      defer { i += 1 }
      guard atLineStart else { continue }
      if tokens[i].isKeyword(StatementTable.model.name), i + 1 < tokens.count, tokens[i + 1].kind == .identifier {
        written.insert(tokens[i + 1].text)
        continue
      }
      var names: [String] = []
      var j = i
      while j < tokens.count, tokens[j].kind == .identifier {
        names.append(tokens[j].text)
        guard j + 1 < tokens.count, tokens[j + 1].isSymbol(",") else { break }
        j += 2
      }
      if !names.isEmpty, j + 1 < tokens.count, tokens[j + 1].isSymbol("=") { written.formUnion(names) }
    }
    return written.subtracting(definedNames(statements))
  }

  /// The names `statements` define, inside `time` and loop bodies too.
  static func definedNames(_ statements: [Statement]) -> Set<String> {
    var defined: Set<String> = []
    for s in statements {
      var kind = s.kind
      while case .time(let inner) = kind { kind = inner.kind }
      switch kind {
      case .model(let name, _): defined.insert(name.text)
      case .assign(let targets, _):
        for case .name(let n) in targets { defined.insert(n.text) }
      case .loop(_, _, let body): defined.formUnion(definedNames(body))
      default: break
      }
    }
    return defined
  }

  /// Checks one statement through its row of the statement table. A command's simple options
  /// are checked against the table first, each on its own, so that no statement skips a bound.
  mutating func check(_ s: Statement) {
    if case .assign(let targets, let value) = s.kind {
      do { try checkAssign(targets, value, s.range) } catch { record(error) }
      return
    }
    guard let row = StatementTable.row(for: s) else { return }
    switch row.role {
    case .command(let check, _):
      guard case .command(let c) = s.kind else { return }
      diagnostics += TableOptions.errors(c, arguments(c))
      do { try check(&self, c) } catch { record(error) }
    case .value:
      if case .command(let c) = s.kind {
        diagnostics.append(.error("'\(row.name)' makes a dataset: assign it to a name", at: c.keyword.range,
                                  hint: "e.g. \(row.spec.example)"))
      }
    case .structure(let check, _):
      check(&self, s)
    }
  }

  /// Keeps a thrown diagnostic as a report.
  mutating func record(_ error: Error) {
    if let d = error as? Diagnostic { diagnostics.append(d) }
  }

  // MARK: names and expressions

  /// The value of `e` when it is known before running (literals, untouched session names).
  func staticValue(_ e: Expr) throws -> Value? {
    try requireNames(e)
    switch e.kind {
    case .identifier(let n):
      return shadowed.contains(n) ? nil : session.value(named: n)
    case .number, .string, .bool, .list, .unary, .binary:
      if containsIdentifier(e) { return nil }
      return try Evaluator(session: session).evaluate(e)
    default:
      return nil
    }
  }

  func containsIdentifier(_ e: Expr) -> Bool {
    switch e.kind {
    case .identifier, .member, .index, .call: return true
    case .list(let items): return items.contains(where: containsIdentifier)
    case .unary(_, let x): return containsIdentifier(x)
    case .binary(_, let l, let r): return containsIdentifier(l) || containsIdentifier(r)
    case .apply: return true
    default: return false
    }
  }

  /// Every identifier that `e` reads must be defined.
  func requireNames(_ e: Expr) throws {
    switch e.kind {
    case .identifier(let n):
      if kinds[n] == nil {
        throw Diagnostic.unknown("unknown name '\(n)'", n, in: Array(kinds.keys).sorted(), at: e.range)
      }
    case .list(let items): for i in items { try requireNames(i) }
    case .member(let base, _): try requireNames(base)
    case .index(let b, let i): try requireNames(b); try requireNames(i)
    case .unary(_, let x): try requireNames(x)
    case .binary(_, let l, let r): try requireNames(l); try requireNames(r)
    case .call(_, let args, let options):
      for a in args { try requireNames(a) }
      for o in options { try requireNames(o.value) }
    case .apply(let base, let args):
      try requireNames(base)
      for a in args { try requireNames(a) }
    default: break
    }
  }

  /// A value's expression: its names are defined, every function it calls exists and gets
  /// the right number of arguments and options (`Functions.validate`), and a value known
  /// before running (literals: `[[1, 2]] @ [[3], [4]]`) evaluates.
  func checkExpression(_ e: Expr) throws {
    try requireNames(e)
    try checkCalls(e)
    if isConstant(e) { _ = try Evaluator(session: session).evaluate(e) }
  }

  /// Whether `e` is made of literals, operators and the calculator's functions only.
  func isConstant(_ e: Expr) -> Bool {
    switch e.kind {
    case .number, .string, .bool, .shape: return true
    case .list(let items): return items.allSatisfy(isConstant)
    case .unary(_, let x): return isConstant(x)
    case .binary(_, let l, let r): return isConstant(l) && isConstant(r)
    case .call(let name, let args, let options):
      return Functions.named(name.text) != nil && args.allSatisfy(isConstant) && options.allSatisfy { isConstant($0.value) }
    default: return false
    }
  }

  private func checkCalls(_ e: Expr) throws {
    switch e.kind {
    case .call(let name, let args, let options):
      try Functions.validate(name, args: args, options: options, at: e.range)
      for a in args { try checkCalls(a) }
      for o in options { try checkCalls(o.value) }
    case .list(let items): for i in items { try checkCalls(i) }
    case .member(let base, _): try checkCalls(base)
    case .index(let b, let i): try checkCalls(b); try checkCalls(i)
    case .unary(_, let x): try checkCalls(x)
    case .binary(_, let l, let r): try checkCalls(l); try checkCalls(r)
    case .apply(let base, let args):
      try checkCalls(base)
      for a in args { try checkCalls(a) }
    default: break
    }
  }

  /// The kind of `e` as far as it can be told.
  func kind(of e: Expr) throws -> Kind {
    try requireNames(e)
    switch e.kind {
    case .identifier(let n): return kinds[n] ?? .unknown
    case .number: return .number
    case .string: return .string
    case .bool: return .bool
    case .list:
      if let v = try staticValue(e) { return Kind(of: v) }
      return .tensor(nil)
    default: return .unknown
    }
  }

  /// `e` must name a model; returns its kind.
  func model(_ e: Expr?, for keyword: String, at range: SourceRange) throws -> Kind {
    guard let e else {
      throw Diagnostic.error("expected a model name after '\(keyword)'", at: range)
    }
    let k = try kind(of: e)
    guard k.isModel || k == .unknown else {
      throw Diagnostic.error("'\(keyword)' needs a model, but this is \(k.description)", at: e.range,
                             hint: modelHint())
    }
    return k
  }

  func modelHint() -> String? {
    let models = kinds.filter { $0.value.isModel }.map(\.key).sorted()
    return models.isEmpty ? "declare one first: model net { … }" : "models: " + models.joined(separator: ", ")
  }

  /// `fit M D` / `fit M X Y`: the data arguments.
  func data(_ args: ArraySlice<Expr>, for keyword: String, at range: SourceRange, needsTarget: Bool) throws {
    guard let first = args.first else {
      throw Diagnostic.error("'\(keyword)' needs data: a dataset, or features and targets",
                             at: range, hint: "e.g. \(keyword) net train, or \(keyword) net x y")
    }
    let k = try kind(of: first)
    switch k {
    case .dataset, .unknown:
      if args.count > 1, k.isDataset {
        throw Diagnostic.error("a dataset already holds its targets; remove this argument",
                               at: args[args.startIndex + 1].range)
      }
    case .tensor(let shape):
      if let shape, shape.first == 0 || shape.isEmpty {
        throw Diagnostic.error("the data is empty: it has no samples", at: first.range)
      }
      if needsTarget && args.count < 2 {
        throw Diagnostic.error("'\(keyword)' with a tensor of features also needs the targets",
                               at: first.range, hint: "e.g. \(keyword) net x y")
      }
      if args.count > 1 {
        let ky = try kind(of: args[args.startIndex + 1])
        guard ky.isTensor || ky == .unknown || ky == .number else {
          throw Diagnostic.error("targets must be a tensor, not \(ky.description)", at: args[args.startIndex + 1].range)
        }
      }
    default:
      throw Diagnostic.error("'\(keyword)' needs a dataset or a tensor, but this is \(k.description)",
                             at: first.range)
    }
    if args.count > 2 {
      throw Diagnostic.error("unexpected argument", at: args[args.startIndex + 2].range)
    }
  }
}
