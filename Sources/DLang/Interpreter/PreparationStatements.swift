import Autograd
import NeuralNet
import TermPlot

/// `describe`, `impute`, `onehot`, `resample`.
extension Interpreter {
  /// The datasets named by `args`, by name; an error at the first that is not one.
  private func namedDatasets(_ c: Command, _ args: ArraySlice<Expr>) throws -> [(String, Dataset)] {
    try args.map { e in
      guard case .identifier(let n) = e.kind, case .dataset(let d) = try evaluate(e) else {
        throw Diagnostic.error("\(c.keyword.text) works on datasets by name", at: e.range)
      }
      return (n, d)
    }
  }

  /// `describe DATA`: the per-feature statistics table, then the class counts as bars.
  func describeData(_ c: Command) throws {
    guard let e = c.args.first, case .dataset(let d) = try evaluate(e) else {
      throw Diagnostic.error("describe needs a dataset", at: c.args.first?.range ?? c.range)
    }
    let name: String
    if case .identifier(let n) = e.kind { name = n } else { name = "data" }
    var lines = ["\(name): " + d.describe]
    let summaries = ColumnSummary.of(d)
    func number(_ x: Double) -> String { x.isNaN ? "—" : Format.decimal(x, places: 4) }
    var rows = summaries.map { s in
      [s.name, String(s.count), String(s.missing), number(s.mean), number(s.std), number(s.min),
       number(s.q25), number(s.median), number(s.q75), number(s.max)]
    }
    if rows.count > 24 { rows = Array(rows.prefix(12)) + [Array(repeating: "…", count: 10)] + Array(rows.suffix(6)) }
    lines.append(Table.render(headers: ["feature", "count", "missing", "mean", "std", "min", "25%", "50%", "75%", "max"],
                              rows: rows, alignments: [.left] + Array(repeating: .right, count: 9), style: style))
    if let balance = try? ClassBalance(d) {
      lines.append("target '\(d.targetName ?? "y")':")
      lines.append(classBars(balance))
    }
    show(lines.joined(separator: "\n"))
  }

  /// One bar per class: name, bar, count and share.
  func classBars(_ b: ClassBalance) -> String {
    let names = b.counts.indices.map { k in
      b.classNames.flatMap { k < $0.count ? $0[k] : nil } ?? String(k)
    }
    let widest = names.map(\.count).max() ?? 0
    let most = max(1, b.counts.max() ?? 1)
    let total = max(1, b.total)
    return b.counts.indices.map { k in
      let length = Int((Double(b.counts[k]) / Double(most) * 30).rounded())
      let bar = String(repeating: style.unicode ? "█" : "#", count: length)
      let pad = String(repeating: " ", count: widest - names[k].count)
      let share = Format.fixed(100 * Double(b.counts[k]) / Double(total), decimals: 1)
      return "  \(names[k])\(pad) \(style.unicode ? "│" : "|")\(bar) \(b.counts[k]) (\(share)%)"
    }.joined(separator: "\n")
  }

  /// `impute A B … RULE`: fits the fills on the first dataset, applies them to all.
  func impute(_ c: Command) throws {
    guard let last = c.args.last, let rule = ImputeRule.parse(last) else {
      throw Diagnostic.error("impute ends with mean, median, zero or a number", at: c.args.last?.range ?? c.range)
    }
    let datasets = try namedDatasets(c, c.args.dropLast())
    guard let (firstName, first) = datasets.first else { return }
    let imputer: Imputer
    do {
      imputer = try Imputer.fit(first, rule: rule, skip: first.categories?.featureNames ?? [])
    } catch {
      throw Diagnostic.error("\(firstName): \(error)", at: c.range)
    }
    var counts: [(String, [Int])] = []
    for (n, d) in datasets {
      do {
        let (filled, perFeature) = try imputer.apply(d)
        session.bind(n, .dataset(filled))
        counts.append((n, perFeature))
      } catch {
        throw Diagnostic.error("\(n): \(error)", at: c.range)
      }
    }
    let shown = imputer.featureNames.indices.filter { j in
      imputer.values[j] != nil && counts.contains { $0.1[j] > 0 }
    }
    let head = "imputed \(datasets.map(\.0).joined(separator: ", ")) with the \(rule) of \(firstName)"
    guard !shown.isEmpty else { show(head + ": no missing values"); return }
    let rows = shown.map { j in
      [imputer.featureNames[j], Format.decimal(Double(imputer.values[j] ?? 0), places: 4)]
        + counts.map { String($0.1[j]) }
    }
    show(head + ":\n" + Table.render(headers: ["feature", "fill"] + counts.map { "filled in \($0.0)" },
                                     rows: rows, style: style))
  }

  /// `onehot A B …`: class targets become one-hot rows.
  func onehot(_ c: Command) throws {
    var parts: [String] = []
    for (n, d) in try namedDatasets(c, c.args[...]) {
      do {
        let out = try d.oneHotTargets()
        session.bind(n, .dataset(out))
        parts.append("\(n): target (\(plural(out.count, "row")), \(out.y?.shape.last ?? 0) one-hot values per row)")
      } catch {
        throw Diagnostic.error("\(n): \(error)", at: c.range)
      }
    }
    show(parts.joined(separator: "\n"))
  }

  /// `resample DATA oversample|undersample`: the class counts before and after.
  func resample(_ c: Command) throws {
    guard c.args.count == 2, case .identifier(let word) = c.args[1].kind,
          let method = Resample.Method(rawValue: word) else {
      throw Diagnostic.error("resample takes a dataset and oversample or undersample", at: c.range)
    }
    guard let (name, d) = try namedDatasets(c, c.args.prefix(1)).first else { return }
    let before: ClassBalance
    let out: Dataset
    do {
      before = try ClassBalance(d)
      out = try Resample.balance(d, method, rng: &session.rng)
    } catch {
      throw Diagnostic.error("\(name): \(error)", at: c.range)
    }
    session.bind(name, .dataset(out))
    let after = (try? ClassBalance(out)) ?? before
    show("\(name): \(method.rawValue)d from \(plural(d.count, "row")) to \(plural(out.count, "row"))\n"
         + "before:\n" + classBars(before) + "\nafter:\n" + classBars(after))
  }
}

extension Interpreter {
  /// The CSV options of `load`: missing=, categorical=, and the encoding categories= names.
  func csvOptions(_ c: Command) throws -> CSVOptions {
    var options = try PreparationOptions.read(c)
    if let o = c.option("categories") {
      switch try evaluate(o.value) {
      case .dataset(let d) where d.categories != nil: options.knownCategories = d.categories
      case .model(let m) where m.categories != nil: options.knownCategories = m.categories
      default:
        throw Diagnostic.error("categories= needs a dataset or model with categorical columns (load … categorical=[…])",
                               at: o.value.range)
      }
    }
    return options
  }

  /// What `load` adds about missing cells and categories, one line each.
  static func preparationLines(_ report: LoadReport, _ d: Dataset) -> [String] {
    var lines: [String] = []
    if !report.missingCounts.isEmpty {
      let total = report.missingCounts.reduce(0) { $0 + $1.count }
      lines.append("  missing: \(plural(total, "cell")) — "
        + report.missingCounts.map { "\($0.column) \($0.count)" }.joined(separator: ", "))
    }
    if report.rowsDropped > 0 { lines.append("  dropped \(plural(report.rowsDropped, "row")) with missing values") }
    for fill in report.missingFilled {
      let rule = d.imputer.flatMap { imp in imp.featureNames.firstIndex(of: fill.column).flatMap { imp.rules[$0] } }
      let how: String
      if case .value? = rule { how = "" } else { how = rule.map { "the \($0), " } ?? "" }
      lines.append("  filled \(fill.column): \(plural(fill.count, "cell")) with \(how)"
        + (fill.value == fill.value.rounded() && abs(fill.value) < 1e7 ? String(Int(fill.value))
           : Format.decimal(Double(fill.value), places: 4)))
    }
    let kept = Imputer.missingCounts(d.x).reduce(0, +)
    if kept > 0 { lines.append("  kept \(plural(kept, "missing cell")) as NaN: fill them with impute (e.g. impute train test mean) before training") }
    for column in report.categories?.columns ?? [] {
      lines.append("  \(column.name): " + column.categories.enumerated()
        .map { "\($0.element) → \(column.name)=\($0.element)" }.joined(separator: ", "))
    }
    return lines
  }
}

extension Interpreter {
  /// `x` with its missing (NaN) cells filled by the model's imputer (from the data it was
  /// trained on); an error when it has missing cells and the model no fills for them.
  func filledForPrediction(_ x: Tensor, model: ModelRef, at range: SourceRange) throws -> Tensor {
    let missing = Imputer.missingCounts(x).reduce(0, +)
    guard missing > 0 else { return x }
    guard let imputer = model.imputer else {
      throw Diagnostic.error("the data has \(plural(missing, "missing cell")), and model '\(model.name)' has no fill values for them",
                             at: range, hint: "fill them first (impute DATA mean), or train on data loaded with missing=mean|median|zero|VALUE")
    }
    let flat = x.reshaped([x.shape.first ?? 0, x.count / max(1, x.shape.first ?? 1)])
    do {
      return try imputer.apply(to: flat).0.reshaped(x.shape)
    } catch {
      throw Diagnostic.error("\(error)", at: range)
    }
  }
}
