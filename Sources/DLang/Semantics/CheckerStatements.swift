import Autograd
import NeuralNet

/// The checks of each statement kind.
extension Checker {
  /// `fit` / `evaluate`: the model (compiled) and the data. Each is independent: each
  /// mistake is reported.
  mutating func checkTraining(_ c: Command) {
    let k = c.keyword.text
    do {
      let m = try model(c.args.first, for: k, at: c.range)
      if case .model(false, _) = m, let e = c.args.first,
         !brokenCompile(of: exprText(e), before: c.range.start.line) {
        throw Diagnostic.error("model '\(exprText(e))' is not compiled yet", at: e.range,
                               hint: "add: compile \(exprText(e)) loss=… optimizer=adam")
      }
    } catch { record(error) }
    do { try data(c.args.dropFirst(), for: k, at: c.range, needsTarget: true) } catch { record(error) }
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
    losses = inner.losses
    networks = inner.networks
  }

  /// An `Arguments` reader over a command, evaluating only what is known before running.
  func arguments(_ c: Command) -> Arguments {
    let checker = self
    return Arguments(owner: c.keyword.text, args: c.args, options: c.options, range: c.range,
                     evaluate: { try checker.staticValue($0) })
  }

  mutating func checkCompile(_ c: Command) throws {
    let m = try model(c.args.first, for: c.keyword.text, at: c.range)
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
      if let e = c.args.first, case .identifier(let n) = e.kind { losses[n] = lossName }
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

  /// The custom options of `fit`, each checked on its own (the simple ones were checked
  /// against the table by `check(_:)`), and a `class_weight` list against the model's classes.
  mutating func checkFitOptions(_ c: Command) {
    let args = arguments(c)
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
    if let weights = c.option("class_weight")?.value,
       !errors.contains(where: { weights.range.start <= $0.range.start && $0.range.start < weights.range.end }),
       let d = classWeightMismatch(weights, model: c.args.first) {
      errors.append(d)
    }
    diagnostics += errors
  }

  /// `class_weight=[W, ...]` with as many weights as the model has classes, when the model's
  /// output and loss are known (fit would refuse the list at its start).
  func classWeightMismatch(_ weights: Expr, model: Expr?) -> Diagnostic? {
    guard case .list(let items) = weights.kind, !items.isEmpty, let model,
          case .identifier(let name) = model.kind, case .model(true, let out?)? = kinds[name],
          let loss = losses[name].flatMap(LossTable.loss),
          let classes = Checker.classCount(loss: loss, output: out), classes != items.count else { return nil }
    return .error("class_weight has \(items.count) weights but the model has \(classes) classes", at: weights.range)
  }

  /// How many classes a model with `loss` and `output` tells apart (as fit's class weights
  /// count them), or nil when the loss is not a classification loss.
  static func classCount(loss: Loss, output: [Int]) -> Int? {
    switch loss {
    case .sparseCategoricalCrossentropy, .categoricalCrossentropy:
      return output.count == 1 ? output[0] : nil
    case .binaryCrossentropy:
      return output.reduce(1, *) == 1 ? 2 : nil
    default:
      return nil
    }
  }

  mutating func checkAssign(_ targets: [AssignTarget], _ value: AssignValue, _ range: SourceRange) throws {
    do {
      try checkAssignValue(targets, value)
    } catch {
      // The names are still defined (as something unknown): using them later is no second mistake.
      for case .name(let n) in targets where kinds[n.text] == nil || !shadowed.contains(n.text) {
        kinds[n.text] = .unknown
        networks[n.text] = nil
        shadowed.insert(n.text)
      }
      throw error
    }
  }

  private mutating func checkAssignValue(_ targets: [AssignTarget], _ value: AssignValue) throws {
    let produced: [Kind]
    switch value {
    case .expr(let e):
      try checkExpression(e)
      produced = [try kind(of: e)]
    case .command(let c):
      guard let row = StatementTable.row(c.keyword.text), case .value(let check, _) = row.role else {
        throw Diagnostic.error("'\(c.keyword.text)' cannot be used as a value", at: c.keyword.range)
      }
      var errors: [Diagnostic] = []
      TableOptions.check(c, arguments(c), into: &errors)
      if let first = errors.first { throw first }
      produced = try check(&self, c)
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
        losses[n.text] = nil
        networks[n.text] = nil
        shadowed.insert(n.text)
      case .member(let e):
        try requireNames(e)
      }
    }
  }

  /// `save MODEL "FILE.safetensors"`: a model, and a file name with the right extension.
  mutating func checkSave(_ c: Command) throws {
    let m = try model(c.args.first, for: c.keyword.text, at: c.range)
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
    if ok && builder.isSeq2Seq {
      do { try builder.finishSeq2Seq(at: name.range) } catch let d as Diagnostic {
        diagnostics.append(d)
        ok = false
      } catch { ok = false }
    }
    if ok && builder.inputShape == nil && brokenLines.isEmpty {
      diagnostics.append(.error("model '\(name.text)' has no input layer", at: name.range,
                                hint: "start the block with the shape of one sample, e.g. input 4"))
    }
    kinds[name.text] = .model(compiled: false, output: ok ? builder.outputShape : nil)
    losses[name.text] = nil
    networks[name.text] = ok && builder.outputShape != nil ? builder.network : nil
    shadowed.insert(name.text)
  }

  /// The source text of a simple expression, for hints.
  func exprText(_ e: Expr) -> String {
    if case .identifier(let s) = e.kind { return s }
    return "MODEL"
  }
}

extension Checker {
  /// `export MODEL "FILE.onnx"` or `"FILE.py"`: a model and a file name of one of the two kinds.
  mutating func checkExport(_ c: Command) throws {
    _ = try model(c.args.first, for: c.keyword.text, at: c.range)
    guard c.args.count == 2, case .string(let path) = c.args[1].kind else {
      throw Diagnostic.error("export needs a model and a file name in quotes", at: c.range,
                             hint: "e.g. export net \"runs/net.onnx\" or export net \"train_net.py\"")
    }
    guard ExportKind(path) != nil else {
      throw Diagnostic.error("export writes ONNX models (.onnx) or PyTorch scripts (.py), not '\(path)'",
                             at: c.args[1].range,
                             hint: "e.g. export \(exprText(c.args[0])) \"net.onnx\" or \"train_net.py\"")
    }
  }
}
