import Autograd
import NeuralNet

/// The checks of each statement kind.
extension Checker {
  mutating func checkCommand(_ c: Command, _ range: SourceRange) throws {
    let k = c.keyword.text
    var args = arguments(c)
    // Every simple option against its declared type and bounds (fit reads its own, all at once).
    if k != "fit" {
      var errors: [Diagnostic] = []
      TableOptions.check(c, args, into: &errors)
      diagnostics += errors
    }
    switch k {
    case "seed":
      guard let e = args.next() else { throw Diagnostic.error("seed needs a whole number, e.g. seed 42", at: c.range) }
      _ = try args.int(e, what: "the seed", min: 0)
    case "compile": try checkCompile(c)
    case "fit", "evaluate":
      // The model, the data and each option are independent: each mistake is reported.
      do {
        let m = try model(c.args.first, for: k, at: c.range)
        if case .model(false, _) = m, let e = c.args.first,
           !brokenCompile(of: exprText(e), before: c.range.start.line) {
          throw Diagnostic.error("model '\(exprText(e))' is not compiled yet", at: e.range,
                                 hint: "add: compile \(exprText(e)) loss=… optimizer=adam")
        }
      } catch { record(error) }
      do { try data(c.args.dropFirst(), for: k, at: c.range, needsTarget: true) } catch { record(error) }
      checkFitOptions(c)
    case "predict":
      _ = try model(c.args.first, for: k, at: c.range)
      try data(c.args.dropFirst(), for: k, at: c.range, needsTarget: false)
    case "summary":
      _ = try model(c.args.first, for: k, at: c.range)
      if c.args.count > 1 { throw Diagnostic.error("summary takes one model", at: c.args[1].range) }
    case "plot":
      _ = try model(c.args.first, for: k, at: c.range)
      if c.args.count > 2 { throw Diagnostic.error("plot takes a model and a metric", at: c.args[2].range) }
    case "save": try checkSave(c)
    case "print":
      for e in c.args { try requireNames(e) }
    case "standardize", "normalize":
      guard !c.args.isEmpty else {
        throw Diagnostic.error("\(k) needs at least one dataset", at: c.range, hint: "e.g. \(k) train test")
      }
      for e in c.args {
        let kind = try kind(of: e)
        guard kind.isDataset || kind == .unknown else {
          throw Diagnostic.error("\(k) works on datasets; this is \(kind.description)", at: e.range)
        }
      }
    case "load", "split":
      throw Diagnostic.error("'\(k)' makes a dataset: assign it to a name", at: c.keyword.range,
                             hint: k == "load" ? "e.g. iris = load \"iris.csv\" target=label" : "e.g. train, test = split iris 0.8")
    case "run":
      guard let e = c.args.first, case .string(let path) = e.kind else {
        throw Diagnostic.error("run needs a file name in quotes", at: c.range, hint: "e.g. run \"examples/xor.dl\"")
      }
      try checkRun(path, at: e.range)
    default:
      break  // help, vars, reset, history, exit: the parser checked their shape
    }
  }

  /// `run "FILE"`: checks the file as it will run here, so that the names and models it
  /// defines are known to the lines after it. Its own mistakes are reported when it runs; a
  /// file that cannot be read is reported then too. A cycle (a script that runs itself,
  /// directly or through others) is reported here, before anything runs.
  mutating func checkRun(_ path: String, at range: SourceRange) throws {
    let resolved = session.resolve(path)
    guard case .success(let text) = SourceFile.load(resolved) else { return }
    let identity = SourceFile.identity(resolved) ?? resolved
    if let problem = Session.runProblem(chain: runChain, path: path, identity: identity) {
      runFailure = problem
      throw Diagnostic.error(problem, at: range)
    }
    let program = Parser.parse(source: text)
    var inner = self
    inner.diagnostics = []
    inner.runFailure = nil
    inner.runChain.append((path, identity))
    inner.syntaxErrorLines = Set(program.diagnostics.map(\.range.start.line))
    inner.brokenCompiles = Checker.brokenCompiles(text, program.statements)
    for name in Checker.brokenDefinitions(text, program.statements) {
      inner.kinds[name] = .unknown
      inner.shadowed.insert(name)
    }
    for s in program.statements { inner.check(s) }
    if let failure = inner.runFailure {
      runFailure = failure
      throw Diagnostic.error(failure, at: range)
    }
    kinds = inner.kinds
    shadowed = inner.shadowed
  }

  /// An `Arguments` reader over a command, evaluating only what is known before running.
  func arguments(_ c: Command) -> Arguments {
    let checker = self
    return Arguments(owner: c.keyword.text, args: c.args, options: c.options, range: c.range,
                     evaluate: { try checker.staticValue($0) })
  }

  mutating func checkCompile(_ c: Command) throws {
    let m = try model(c.args.first, for: "compile", at: c.range)
    // A compile line marks its model compiled even when an option is wrong: later `fit`
    // lines are then not reported as a second, dependent mistake.
    if let e = c.args.first, case .identifier(let n) = e.kind, case .model(_, let out) = m {
      kinds[n] = .model(compiled: true, output: out)
    }
    let args = arguments(c)
    do {
      guard let loss = c.option("loss") else {
        throw Diagnostic.error("compile needs a loss", at: c.range,
                               hint: "e.g. loss=mse, or loss=sparse_categorical_crossentropy for class labels")
      }
      let lossName = try args.choice(loss.value, what: "loss", in: LossTable.names)
      if case .model(_, let out?) = m, let lossKind = LossTable.loss(lossName) {
        do { try Model.check(loss: lossKind, outputShape: out) } catch let e as ModelError {
          throw Diagnostic.error(e.message, at: loss.value.range)
        }
      }
    } catch { record(error) }
    do {
      if let o = c.option("optimizer") { _ = try OptimizerTable.build(o.value, args: args) }
    } catch { record(error) }
    do {
      if let o = c.option("metrics") { _ = try MetricTable.parse(o.value, args: args) }
    } catch { record(error) }
  }

  /// The options of `fit` and `evaluate`, each checked on its own.
  mutating func checkFitOptions(_ c: Command) {
    let args = arguments(c)
    if c.keyword.text == "fit" {
      var errors: [Diagnostic] = []
      let o = FitOptions.read(c, args, errors: &errors)
      if let e = o.validationExpr {
        do {
          let k = try kind(of: e)
          if !(k.isDataset || k == .unknown) {
            errors.append(.error("validation must be a fraction such as 0.1, or a dataset; this is \(k.description)",
                                 at: e.range))
          }
        } catch let d as Diagnostic { errors.append(d) } catch {}
      }
      diagnostics += errors
      return
    }
  }

  mutating func checkAssign(_ targets: [AssignTarget], _ value: AssignValue, _ range: SourceRange) throws {
    do {
      try checkAssignValue(targets, value)
    } catch {
      // The names are still defined (as something unknown): using them later is no second mistake.
      for case .name(let n) in targets where kinds[n.text] == nil || !shadowed.contains(n.text) {
        kinds[n.text] = .unknown
        shadowed.insert(n.text)
      }
      throw error
    }
  }

  private mutating func checkAssignValue(_ targets: [AssignTarget], _ value: AssignValue) throws {
    var produced: [Kind]
    if case .command(let c) = value {
      var errors: [Diagnostic] = []
      TableOptions.check(c, arguments(c), into: &errors)
      if let first = errors.first { throw first }
    }
    switch value {
    case .expr(let e):
      produced = [try kind(of: e)]
    case .command(let c) where c.keyword.text == "load":
      guard let e = c.args.first, case .string = e.kind else {
        throw Diagnostic.error("load needs a file name in quotes", at: c.range,
                               hint: "e.g. iris = load \"examples/data/iris.csv\" target=label")
      }
      if c.args.count > 1 { throw Diagnostic.error("load takes one file name", at: c.args[1].range) }
      produced = [try loadKind(c)]
    case .command(let c):  // split
      produced = try checkSplit(c)
    }
    if produced.count == 1 && targets.count > 1 {
      throw Diagnostic.error("\(targets.count) names on the left but one value on the right", at: targets[1].range)
    }
    if produced.count != targets.count {
      throw Diagnostic.error(
        "split makes \(produced.count) datasets here but there are \(targets.count) names on the left",
        at: targets[0].range.union(targets[targets.count - 1].range),
        hint: produced.count == 2 ? "e.g. train, test = split data 0.8" : "e.g. train, val, test = split data 0.7 0.15")
    }
    for (t, k) in zip(targets, produced) {
      switch t {
      case .name(let n):
        kinds[n.text] = k
        shadowed.insert(n.text)
      case .member(let e):
        try requireNames(e)
      }
    }
  }

  /// `save MODEL "FILE.safetensors"`: a model, and a file name with the right extension.
  mutating func checkSave(_ c: Command) throws {
    let m = try model(c.args.first, for: "save", at: c.range)
    guard c.args.count == 2, case .string(let path) = c.args[1].kind else {
      throw Diagnostic.error("save needs a model and a file name in quotes", at: c.range,
                             hint: "e.g. save net \"runs/net.safetensors\"")
    }
    guard ModelFiles.hasModelExtension(path) else {
      throw Diagnostic.error("save writes safetensors files; the name must end in .safetensors",
                             at: c.args[1].range, hint: "e.g. save \(exprText(c.args[0])) \"\(ModelFiles.suggestedName(path))\"")
    }
    savedModels[Checker.normalisedPath(session.resolve(path))] = m.isModel ? m : .model(compiled: true, output: nil)
  }

  /// What `load` gives: a model for a model file (known from an earlier `save` of the
  /// program, or from the file's header), else a dataset.
  func loadKind(_ c: Command) throws -> Kind {
    guard let e = c.args.first, case .string(let path) = e.kind else { return .dataset(nil) }
    let resolved = session.resolve(path)
    if let saved = savedModels[Checker.normalisedPath(resolved)] {
      if let o = c.options.first {
        throw Diagnostic.error("a model file takes no options (\(o.name.text)= is for CSV files)", at: o.range)
      }
      return saved
    }
    guard ModelFiles.isModelFile(resolved) else { return .dataset(nil) }
    if let o = c.options.first {
      throw Diagnostic.error("a model file takes no options (\(o.name.text)= is for CSV files)", at: o.range)
    }
    // A file that cannot be read now is reported when the statement runs.
    guard let header = ModelFiles.header(at: resolved),
          header.metadata[ModelFiles.Key.version] != nil else { return .unknown }
    return .model(compiled: header.metadata[ModelFiles.Key.compile] != nil, output: nil)
  }

  /// `a/./b` and `./a` as `a/b` and `a`, so that two spellings of a path compare equal.
  static func normalisedPath(_ path: String) -> String {
    let absolute = path.hasPrefix("/")
    let parts = path.split(separator: "/").filter { $0 != "." }
    return (absolute ? "/" : "") + parts.joined(separator: "/")
  }

  func checkSplit(_ c: Command) throws -> [Kind] {
    guard let d = c.args.first else {
      throw Diagnostic.error("split needs a dataset and a fraction", at: c.range, hint: "e.g. train, test = split iris 0.8")
    }
    let k = try kind(of: d)
    guard k.isDataset || k == .unknown else {
      throw Diagnostic.error("split works on a dataset; this is \(k.description)", at: d.range)
    }
    let fractions = c.args.dropFirst()
    guard !fractions.isEmpty, fractions.count <= 2 else {
      throw Diagnostic.error("split takes one or two fractions", at: c.range, hint: "e.g. split iris 0.8, or split iris 0.7 0.15")
    }
    let args = arguments(c)
    var total = 0.0
    for f in fractions {
      total += try args.number(f, what: "a split fraction", lo: 0, hi: 1, openHigh: true) ?? 0
    }
    if total >= 1, let last = fractions.last {
      throw Diagnostic.error("the fractions add up to \(ValueFormat.number(total)); they must leave something for the last part",
                             at: last.range)
    }
    return Array(repeating: .dataset(nil), count: fractions.count + 1)
  }

  /// A model block: every layer line is checked, shapes are inferred layer by layer. A missing
  /// or wrong `input` line is reported once; the lines after it are then checked on their own
  /// (kind, arguments, options) without shapes, so they add no errors of their own making.
  mutating func checkModel(_ name: Name, _ layers: [LayerDecl], _ range: SourceRange) {
    var builder = ModelBuilder(name: name.text, evaluate: { [self] in try self.staticValue($0) })
    var ok = true
    // A line the parser dropped may have been the input line: its absence is no new mistake.
    let brokenLines = syntaxErrorLines.filter { $0 >= range.start.line && $0 <= range.end.line }
    let firstLine = layers.first?.range.start.line ?? range.end.line
    var inputReported = brokenLines.contains { $0 <= firstLine } && layers.first?.kind.text != "input"
    for decl in layers {
      do {
        if !ok || (builder.inputShape == nil && inputReported) {
          // After a wrong line the shapes that follow are unknown: check each line on its own.
          try builder.checkAlone(decl)
        } else {
          try builder.add(decl)
        }
      } catch let d as Diagnostic {
        diagnostics.append(d)
        ok = false
      } catch {
        ok = false
      }
      if builder.inputShape == nil && (decl.kind.text == "input" || !ok) { inputReported = true }
    }
    if ok && builder.inputShape == nil && brokenLines.isEmpty {
      diagnostics.append(.error("model '\(name.text)' has no input layer", at: name.range,
                                hint: "start the block with the shape of one sample, e.g. input 4"))
    }
    kinds[name.text] = .model(compiled: false, output: ok ? builder.outputShape : nil)
    shadowed.insert(name.text)
  }

  /// The source text of a simple expression, for hints.
  func exprText(_ e: Expr) -> String {
    if case .identifier(let s) = e.kind { return s }
    return "MODEL"
  }
}
