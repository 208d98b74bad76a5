/// What a CSV load does with each file column besides the target: how its missing cells are
/// handled and whether it is categorical. Made from `CSVOptions` once the header is known, so
/// that a misspelled column name is an error before any row is read.
struct CSVColumnPlan {
  /// What happens to a missing cell of one column.
  enum OnMissing: Equatable {
    /// Stop with a located error.
    case error
    /// Drop the row.
    case drop
    /// Keep the cell as NaN (numeric) or all zeros (categorical).
    case keep
    /// Fill with a statistic or constant after reading (numeric columns).
    case fill(Imputation)
  }

  /// Per file column (the target's entry is unused).
  let onMissing: [OnMissing]
  /// Per file column: whether it is one-hot encoded.
  let categorical: [Bool]
  /// Per file column: the categories fixed in advance, if any.
  let known: [[String]?]
  /// Whether a row with a missing target is dropped (`missing=drop`) rather than an error.
  let dropsMissingTargets: Bool

  init(names: [String], targetIndex: Int?, options: CSVOptions, path: String) throws {
    func index(of name: String, what: String) throws -> Int {
      guard let i = names.firstIndex(of: name) else {
        throw DataError(path: path, message: "\(what) column '\(name)' not found; "
          + NameSuggestion.hint(for: name, in: names))
      }
      if i == targetIndex {
        throw DataError(path: path, message: "'\(name)' is the target column; \(what) names feature columns")
      }
      return i
    }
    var categorical = [Bool](repeating: false, count: names.count)
    for name in options.categorical { categorical[try index(of: name, what: "categorical")] = true }
    var onMissing = [OnMissing](repeating: CSVColumnPlan.policy(options), count: names.count)
    for (name, rule) in options.columnFills.sorted(by: { $0.key < $1.key }) {
      let i = try index(of: name, what: "missing=")
      if categorical[i] {
        throw DataError(path: path, message: "'\(name)' is categorical: its missing cells become all-zero one-hot rows "
          + "(or are dropped with missing=drop), so it takes no fill of its own")
      }
      onMissing[i] = .fill(rule)
    }
    for i in names.indices where categorical[i] {
      if case .fill = onMissing[i] { onMissing[i] = .keep }
    }
    self.onMissing = onMissing
    self.categorical = categorical
    known = names.map { options.knownCategories?.column($0)?.categories }
    dropsMissingTargets = options.missing == .drop
  }

  private static func policy(_ options: CSVOptions) -> OnMissing {
    if let fill = options.defaultFill { return .fill(fill) }
    switch options.missing {
    case .error: return .error
    case .drop: return .drop
    default: return .keep
    }
  }

  /// The numeric columns' fills, by file column.
  var fills: [Imputation?] {
    onMissing.indices.map { i in
      if case .fill(let r) = onMissing[i], !categorical[i] { return r }
      return nil
    }
  }
}
