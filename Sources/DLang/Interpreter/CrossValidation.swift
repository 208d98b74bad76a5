import Autograd
import NeuralNet
import TermPlot

/// `crossval` and `search`: K-fold cross-validation of fresh copies of a model.
///
/// Randomness: one number drawn from the session's generator seeds the run. The fold
/// partition comes from it, and fold k's copy gets its initial weights (and its shuffling and
/// dropout) from a generator seeded by it and k, so every setting of a `search` sees the same
/// folds and the same initial weights, and the same seed repeats the same table.
extension Interpreter {
  /// The scores of one cross-validated setting: per fold, the validation loss then metrics.
  struct FoldScores {
    var names: [String]
    var folds: [[Double]] = []
    var trainSizes: [Int] = []
    var valSizes: [Int] = []

    /// Mean and std of column `k` over the folds.
    func summary(_ k: Int) -> (mean: Double, std: Double) { meanAndStd(folds.map { $0[k] }) }
  }

  func crossval(_ c: Command) throws {
    let model = try modelArg(c)
    let (data, x, y) = try validationData(c, model)
    var errors: [Diagnostic] = []
    let grid = SearchGrid.read(c, arguments(c), grid: false, errors: &errors)
    if let e = errors.first { throw e }
    let (folds, seed) = try partition(data, grid, c)
    guard let setting = grid.settings.first else { return }
    let scores = try crossValidate(model, x, y, folds: folds, seed: seed, setting: setting,
                                   augment: grid.augment, c)
    model.lastCrossval = Self.crossvalRecord(model, x, y, setting, "crossval")
    let names = scores.names
    var rows = scores.folds.enumerated().map { i, values in
      ["\(i + 1)", "\(scores.trainSizes[i])", "\(scores.valSizes[i])"] + values.map(Format.metric)
    }
    rows.append(["mean ± std", "", ""] + names.indices.map { k in
      let s = scores.summary(k)
      return Format.metric(s.mean) + " ± " + Format.metric(s.std)
    })
    let title = "crossval \(model.name): \(folds.count) folds\(grid.stratify ? " (stratified)" : ""), "
      + "\(plural(setting.epochs, "epoch")), batch \(setting.batch), a fresh copy of \(model.name) per fold"
    show(Table(title: title, headers: ["fold", "train", "val"] + names.map { "val " + $0 }, rows: rows)
      .render(style: style))
  }

  func search(_ c: Command) throws {
    let model = try modelArg(c)
    let (data, x, y) = try validationData(c, model)
    var errors: [Diagnostic] = []
    let grid = SearchGrid.read(c, arguments(c), grid: true, errors: &errors)
    if let e = errors.first { throw e }
    if c.option("lr") == nil && c.option("batch") == nil && c.option("epochs") == nil {
      throw Diagnostic.error("search needs settings to try", at: c.range,
                             hint: "e.g. search \(model.name) DATA lr=[0.01, 0.001] batch=[16, 32]")
    }
    let (folds, seed) = try partition(data, grid, c)
    var results: [(SearchGrid.Setting, FoldScores)] = []
    for (i, setting) in grid.settings.enumerated() {
      if session.interruptLevel() > 0 { break }
      output.progress(.note("search \(i + 1)/\(grid.settings.count): " + settingText(setting, model)))
      results.append((setting, try crossValidate(model, x, y, folds: folds, seed: seed, setting: setting,
                                                  augment: nil, c)))
    }
    guard let names = results.first?.1.names else { return }
    // Rank by mean validation loss; ties keep the grid's order.
    let ranked = results.enumerated().sorted { a, b in
      let la = a.element.1.summary(0).mean, lb = b.element.1.summary(0).mean
      return la != lb ? (la.isNaN ? false : lb.isNaN ? true : la < lb) : a.offset < b.offset
    }.map(\.element)
    let metric = names.count > 1 ? names[1] : nil
    let rows = ranked.enumerated().map { r, entry -> [String] in
      let (s, scores) = entry
      var row = ["\(r + 1)", s.lr.map { ValueFormat.number($0) } ?? currentRate(model), "\(s.batch)", "\(s.epochs)"]
      for k in 0..<(metric == nil ? 1 : 2) {
        let v = scores.summary(k)
        row.append(Format.metric(v.mean) + " ± " + Format.metric(v.std))
      }
      return row
    }
    let title = "search \(model.name): \(plural(results.count, "setting")) × \(folds.count) folds"
      + "\(grid.stratify ? " (stratified)" : ""), ranked by mean validation loss (lower is better)"
    var text = Table(title: title, headers: ["rank", "lr", "batch", "epochs", "val loss"] + (metric.map { ["val " + $0] } ?? []),
                     rows: rows).render(style: style)
    if let best = ranked.first {
      model.lastCrossval = Self.crossvalRecord(model, x, y, best.0, "search (its best setting)")
      text += "\nbest: " + settingText(best.0, model) + " (val loss " + Format.metric(best.1.summary(0).mean) + ")"
    }
    show(text)
  }

  /// The dataset of a `crossval`/`search` and its features and targets as the model takes them.
  private func validationData(_ c: Command, _ model: ModelRef) throws -> (Dataset, Tensor, Tensor) {
    guard let e = c.args.dropFirst().first else { throw Diagnostic.error("'\(c.keyword.text)' needs data", at: c.range) }
    guard case .dataset(let d) = try evaluate(e) else {
      throw Diagnostic.error("'\(c.keyword.text)' needs a dataset (its rows are dealt to the folds)", at: e.range)
    }
    guard let y = d.y else {
      throw Diagnostic.error("this dataset has no target column", at: e.range, hint: "load it with target=COLUMN")
    }
    guard model.compiled != nil else {
      throw Diagnostic.error("model '\(model.name)' is not compiled yet", at: c.args[0].range,
                             hint: "add: compile \(model.name) loss=… optimizer=adam")
    }
    guard model.source != nil else {
      throw Diagnostic.error("model '\(model.name)' was not declared by a model block, so there is no declaration to copy",
                             at: c.args[0].range)
    }
    return (d, try checkedFeatures(d.x, model, at: e.range), try checkedTargets(y, model))
  }

  /// The folds of `d` and the seed of the run (one draw from the session's generator).
  private func partition(_ d: Dataset, _ grid: SearchGrid, _ c: Command) throws -> ([[Int]], UInt64) {
    let seed = session.rng.next()
    var rng = SeededRandom(seed: seed)
    let at = c.args.count > 1 ? c.args[1].range : c.range
    do {
      let folds = try Folds.partition(d, folds: grid.folds, stratify: grid.stratify, rng: &rng)
      if grid.stratify, let thin = Folds.thinClass(d, folds: grid.folds) {
        let name = d.classNames.flatMap { thin.label < $0.count ? $0[thin.label] : nil } ?? "\(thin.label)"
        output.progress(.note("class \(name) has only \(thin.count) rows: some of the \(grid.folds) folds hold none of it"))
      }
      return (folds, seed)
    } catch {
      throw Diagnostic.error("\(error)", at: at)
    }
  }

  /// Trains a fresh copy of `model` on all folds but one, for each fold, and scores it on
  /// the fold held out.
  private func crossValidate(_ model: ModelRef, _ x: Tensor, _ y: Tensor, folds: [[Int]], seed: UInt64,
                             setting: SearchGrid.Setting, augment: Augmentation?, _ c: Command) throws -> FoldScores {
    var scores = FoldScores(names: ["loss"] + (model.compiled?.metrics ?? []))
    for (k, held) in folds.enumerated() {
      var rng = SeededRandom(seed: seed &+ UInt64(k + 1) &* 0x9E37_79B9_7F4A_7C15)
      let copy = try freshCopy(model, lr: setting.lr, rng: &rng, c)
      let train = Folds.training(folds, except: k)
      do {
        try copy.fit(x: Folds.rows(x, train), y: Folds.rows(y, train), epochs: setting.epochs,
                     batchSize: setting.batch, augment: augment, rng: &rng)
        let values = try copy.evaluate(x: Folds.rows(x, held), y: Folds.rows(y, held), batchSize: setting.batch)
        scores.names = values.map(\.0)
        scores.folds.append(values.map(\.1))
      } catch {
        throw Diagnostic.error("fold \(k + 1): \(error)", at: c.range)
      }
      scores.trainSizes.append(train.count)
      scores.valSizes.append(held.count)
    }
    return scores
  }

  /// A new network from `model`'s declaration, its weights drawn from `rng`, compiled as
  /// `model` is (with learning rate `lr` when given, which replaces any schedule).
  private func freshCopy(_ model: ModelRef, lr: Double?, rng: inout SeededRandom, _ c: Command) throws -> Model {
    guard let source = model.source, let settings = model.compiled?.optionsText else {
      throw Diagnostic.error("model '\(model.name)' cannot be copied", at: c.range)
    }
    let network: Model
    do { network = try ModelFiles.build(source: source, name: model.name, rng: &rng) } catch {
      throw Diagnostic.error("cannot copy model '\(model.name)': \(error)", at: c.range)
    }
    let copy = ModelRef(name: model.name, network: network, source: source)
    let program = Parser.parse(source: "\(StatementTable.compile.name) \(model.name) " + settings)
    guard program.diagnostics.isEmpty, program.statements.count == 1,
          case .command(let command) = program.statements[0].kind else {
      throw Diagnostic.error("cannot copy model '\(model.name)': its compile settings '\(settings)' do not parse", at: c.range)
    }
    do { try compile(copy, command) } catch let d as Diagnostic {
      throw Diagnostic.error("cannot copy model '\(model.name)': \(d.message)", at: c.range)
    }
    if let lr, let optimizer = network.optimizer {
      optimizer.learningRate = Float(lr)
      optimizer.schedule = nil
    }
    return network
  }

  /// What `export MODEL "FILE.py"` trains a never-fitted model on after a crossval or search:
  /// all the rows, with the setting's epochs, batch and rate, from the model's own weights.
  private static func crossvalRecord(_ model: ModelRef, _ x: Tensor, _ y: Tensor, _ s: SearchGrid.Setting,
                                     _ what: String) -> FitRecord {
    FitRecord(x: x, y: y, batch: s.batch, epochs: s.epochs, shuffle: true, learningRate: s.lr,
              origin: "all the rows of the dataset \(model.name) was cross-validated on by \(what); dl never fitted "
                + "\(model.name) itself, so the script trains it from its initial weights on all of them, with the "
                + "setting's epochs, batch and rate")
  }

  private func currentRate(_ model: ModelRef) -> String {
    model.network.optimizer.map { "\($0.learningRate)" } ?? "?"
  }

  private func settingText(_ s: SearchGrid.Setting, _ model: ModelRef) -> String {
    "lr=" + (s.lr.map { ValueFormat.number($0) } ?? currentRate(model)) + " batch=\(s.batch) epochs=\(s.epochs)"
  }
}
