import Autograd

/// How the missing cells of one feature are filled.
public enum Imputation: Sendable, Equatable, CustomStringConvertible {
  /// The mean of the present values.
  case mean
  /// The median of the present values (the mean of the middle two for an even count).
  case median
  /// Zero.
  case zero
  /// A constant.
  case value(Float)

  /// `mean`, `median`, `zero` or the constant.
  public var description: String {
    switch self {
    case .mean: return "mean"
    case .median: return "median"
    case .zero: return "zero"
    case .value(let v): return v == v.rounded() && abs(v) < 1e7 ? String(Int(v)) : "\(v)"
    }
  }

  /// The fill value for a column whose present values are `present`; nil when the rule needs
  /// statistics and there are no present values.
  func value(over present: [Float]) -> Float? {
    switch self {
    case .zero: return 0
    case .value(let v): return v
    case .mean:
      guard !present.isEmpty else { return nil }
      return Float(present.reduce(0.0) { $0 + Double($1) } / Double(present.count))
    case .median:
      guard !present.isEmpty else { return nil }
      let sorted = present.sorted()
      let mid = sorted.count / 2
      if sorted.count % 2 == 1 { return sorted[mid] }
      return Float((Double(sorted[mid - 1]) + Double(sorted[mid])) / 2)
    }
  }
}

/// Per-feature fill values for missing (NaN) cells, fitted on one dataset (the training set)
/// and applied to others (the test set, new rows at `predict`) with the same values, as
/// scikit-learn's `SimpleImputer`.
public struct Imputer: Sendable, Equatable {
  /// The fitted dataset's feature names, one per value.
  public let featureNames: [String]
  /// The fill value of each feature; nil for a feature that is not filled (a one-hot column).
  public let values: [Float?]
  /// The rule behind each value, for printing.
  public let rules: [Imputation?]

  /// An imputer with the given values.
  public init(featureNames: [String], values: [Float?], rules: [Imputation?]) {
    self.featureNames = featureNames
    self.values = values
    self.rules = rules
  }

  /// Fits `rule` (or the per-feature `rules`, by name) on the present values of `d`'s
  /// features; features in `skip` (one-hot columns) get no value. An error names a feature
  /// with no present value under mean or median.
  public static func fit(_ d: Dataset, rule: Imputation?, rules: [String: Imputation] = [:],
                         skip: Set<String> = []) throws -> Imputer {
    let width = d.featureCount
    let n = d.count
    var values: [Float?] = []
    var used: [Imputation?] = []
    for j in 0..<width {
      let name = j < d.featureNames.count ? d.featureNames[j] : "f\(j + 1)"
      guard !skip.contains(name), let r = rules[name] ?? rule else {
        values.append(nil)
        used.append(nil)
        continue
      }
      var present: [Float] = []
      present.reserveCapacity(n)
      for i in 0..<n where !d.x.data[i * width + j].isNaN { present.append(d.x.data[i * width + j]) }
      guard let v = r.value(over: present) else {
        throw DataError(path: nil, column: j + 1, columnName: name,
                        message: "every value is missing, so there is no \(r) to fill with")
      }
      values.append(v)
      used.append(r)
    }
    return Imputer(featureNames: d.featureNames, values: values, rules: used)
  }

  /// `d` with its NaN features filled, and the number of cells filled per feature. An error
  /// when the feature counts differ or a missing cell's feature has no value.
  public func apply(_ d: Dataset, source: String? = nil) throws -> (Dataset, filled: [Int]) {
    var out = d
    let (x, filled) = try apply(to: d.x, source: source)
    out.x = x
    out.imputer = self
    return (out, filled)
  }

  /// A feature tensor (N, features…) with its NaN cells filled.
  public func apply(to x: Tensor, source: String? = nil) throws -> (Tensor, filled: [Int]) {
    let width = x.shape.dropFirst().reduce(1, *)
    guard x.rank >= 1, width == values.count else {
      throw DataError(path: source, message: "the imputer was fitted on \(plural(values.count, "feature")); "
        + "this data has \(plural(x.rank >= 1 ? width : 0, "feature"))")
    }
    var out = x
    var filled = [Int](repeating: 0, count: width)
    for i in 0..<out.data.count where out.data[i].isNaN {
      let j = i % width
      guard let v = values[j] else {
        throw DataError(path: source, row: i / width + 1, column: j + 1, columnName: featureNames[j],
                        message: "missing value, and no fill value was fitted for this feature")
      }
      out.data[i] = v
      filled[j] += 1
    }
    return (out, filled)
  }

  /// Number of NaN cells per feature of `x`.
  public static func missingCounts(_ x: Tensor) -> [Int] {
    let width = x.shape.dropFirst().reduce(1, *)
    var counts = [Int](repeating: 0, count: width)
    guard width > 0 else { return counts }
    for i in 0..<x.data.count where x.data[i].isNaN { counts[i % width] += 1 }
    return counts
  }
}

extension Imputer {
  /// The imputer as text, one line per feature: name, rule and value separated by tabs (rule
  /// and value empty for a feature without a fill); the form the model file keeps.
  public var text: String {
    featureNames.indices.map { j in
      featureNames[j] + "\t" + (rules[j]?.description ?? "") + "\t" + (values[j].map { "\($0)" } ?? "")
    }.joined(separator: "\n")
  }

  /// Reads `text`; nil when it is not of that form.
  public init?(text: String) {
    var names: [String] = []
    var values: [Float?] = []
    var rules: [Imputation?] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard parts.count == 3 else { return nil }
      names.append(parts[0])
      if parts[1].isEmpty && parts[2].isEmpty { values.append(nil); rules.append(nil); continue }
      guard let v = Float(parts[2]), v.isFinite else { return nil }
      let rule: Imputation
      switch parts[1] {
      case "mean": rule = .mean
      case "median": rule = .median
      case "zero": rule = .zero
      default: rule = .value(v)
      }
      values.append(v)
      rules.append(rule)
    }
    guard !names.isEmpty else { return nil }
    self.init(featureNames: names, values: values, rules: rules)
  }
}
