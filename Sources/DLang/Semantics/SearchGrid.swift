import NeuralNet

/// The settings of `crossval` and `search`, read in one place for the checker and the
/// interpreter: the folds, and for `search` the grid (every combination of the learning
/// rates, batch sizes and epoch counts listed, in that nesting order).
struct SearchGrid {
  /// One combination.
  struct Setting: Equatable {
    /// Nil: the compiled optimizer's own rate.
    var lr: Double?
    var batch: Int
    var epochs: Int
  }

  var folds: Int
  var stratify: Bool
  var rates: [Double?] = [nil]
  var batches: [Int] = [32]
  var epochs: [Int] = [1]
  var augment: Augmentation?

  /// Every combination, learning rate outermost.
  var settings: [Setting] {
    rates.flatMap { lr in batches.flatMap { b in epochs.map { Setting(lr: lr, batch: b, epochs: $0) } } }
  }

  /// The most combinations one `search` may try.
  static let maxSettings = 1000

  /// Reads `c`'s options (`search` when `grid`, else `crossval`); problems go to `errors`,
  /// one per option. A value not known yet (checking) keeps its default.
  static func read(_ c: Command, _ args: Arguments, grid: Bool, errors: inout [Diagnostic]) -> SearchGrid {
    let defaultFolds = grid ? 3 : 5
    var g = SearchGrid(folds: (try? TableOptions.int(c, "folds", args)) ?? defaultFolds,
                       stratify: (try? TableOptions.bool(c, "stratify", args)) ?? false)
    func each(_ name: String, _ body: (Option) throws -> Void) {
      guard let opt = c.option(name) else { return }
      do { try body(opt) } catch let d as Diagnostic { errors.append(d) } catch {
        errors.append(.error("\(error)", at: opt.value.range))
      }
    }
    if grid {
      each("lr") { o in
        if let v = try list(o.value, "learning rate", { e in
          let v = try args.number(e, what: "a learning rate", lo: 0)
          if v == 0 { throw Diagnostic.error("the learning rate must be above 0", at: e.range) }
          return v
        }) { g.rates = v.map { Optional($0) } }
      }
      each("batch") { o in
        if let v = try list(o.value, "batch size", { try args.int($0, what: "a batch size", min: 1, max: 1 << 24) }) {
          g.batches = v
        }
      }
      each("epochs") { o in
        if let v = try list(o.value, "epoch count", { try args.int($0, what: "an epoch count", min: 1, max: 1_000_000) }) {
          g.epochs = v
        }
      }
      if g.settings.count > maxSettings, let o = c.option("lr") ?? c.option("batch") ?? c.option("epochs") {
        errors.append(.error("the grid has \(g.settings.count) combinations; search tries at most \(maxSettings)",
                             at: o.range))
      }
    } else {
      g.epochs = [(try? TableOptions.int(c, "epochs", args)) ?? 1]
      g.batches = [(try? TableOptions.int(c, "batch", args)) ?? 32]
      each("augment") { g.augment = try AugmentOptions.read($0.value, args) }
    }
    return g
  }

  /// A list of values (or one value), each read by `item`; duplicates are refused. Nil when
  /// a value is not known yet (checking).
  private static func list<T: Equatable>(_ e: Expr, _ what: String, _ item: (Expr) throws -> T?) throws -> [T]? {
    let items: [Expr]
    if case .list(let xs) = e.kind { items = xs } else { items = [e] }
    guard !items.isEmpty else { throw Diagnostic.error("give at least one \(what)", at: e.range) }
    var values: [T] = []
    for x in items {
      guard let v = try item(x) else { return nil }
      if values.contains(v) { throw Diagnostic.error("this \(what) is listed twice", at: x.range) }
      values.append(v)
    }
    return values
  }
}

extension Checker {
  /// The model and data of `crossval` and `search`: a compiled model and a labelled dataset
  /// (not X Y tensors: the dataset's rows are dealt to the folds).
  mutating func checkValidationData(_ c: Command) {
    if let e = c.args.dropFirst().first, let k = try? kind(of: e), !(k.isDataset || k == .unknown) {
      record(Diagnostic.error("'\(c.keyword.text)' needs a dataset (its rows are dealt to the folds), not \(k.description)",
                              at: e.range, hint: "load one with target=COLUMN, e.g. iris = load \"examples/data/iris.csv\" target=label"))
      return
    }
    checkTraining(c)
  }

  /// The options of `crossval` and `search`, each mistake on its own.
  mutating func checkValidation(_ c: Command) {
    var errors: [Diagnostic] = []
    _ = SearchGrid.read(c, arguments(c), grid: c.keyword.text == StatementTable.search.name, errors: &errors)
    diagnostics += errors
  }
}
