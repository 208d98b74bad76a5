import Autograd

/// Rebalancing a labelled dataset by its classes, and class targets as one-hot rows.
public enum Resample {
  /// The two ways to even out the classes.
  public enum Method: String, Sendable, CaseIterable {
    /// Repeat rows of the smaller classes, drawn with replacement, up to the largest class.
    case oversample
    /// Keep a random subset of each larger class, down to the smallest class.
    case undersample
  }

  /// `d` with every present class at the same count: the rows kept (or repeated), in their
  /// original order, drawn from `rng`. An error when the targets are not class labels.
  public static func balance(_ d: Dataset, _ method: Method,
                             rng: inout SeededRandom) throws -> Dataset {
    guard let labels = d.classLabels else {
      let why = d.y == nil ? "the dataset has no target"
        : "its target does not hold class indices (one per row)"
      throw DataError(path: nil, message: "resample needs class labels, but \(why)")
    }
    var byClass: [Int: [Int]] = [:]
    for (row, label) in labels.enumerated() { byClass[label, default: []].append(row) }
    let classes = byClass.keys.sorted()
    let goal = method == .oversample
      ? byClass.values.map(\.count).max() ?? 0
      : byClass.values.map(\.count).min() ?? 0
    var keep: [Int] = []
    keep.reserveCapacity(goal * classes.count)
    for label in classes {
      let rows = byClass[label] ?? []
      switch method {
      case .oversample:
        keep += rows
        for _ in rows.count..<max(rows.count, goal) { keep.append(rows[rng.int(below: rows.count)]) }
      case .undersample:
        let chosen = rng.permutation(rows.count).prefix(goal).map { rows[$0] }
        keep += chosen
      }
    }
    return d.subset(keep.sorted())
  }
}

extension Dataset {
  /// The dataset with class-index targets (N,) turned into one-hot rows (N, K), as
  /// categorical cross-entropy takes them. An error for targets that are not class labels.
  public func oneHotTargets() throws -> Dataset {
    guard let y else { throw DataError(path: nil, message: "onehot needs a target, and the dataset has none") }
    if y.rank == 2 {
      throw DataError(path: nil, message: "the target already has \(y.shape[1]) values per row; onehot turns class indices into such rows")
    }
    guard let labels = classLabels, let k = classCount, k >= 2 else {
      throw DataError(path: nil, message: "onehot needs class indices 0…K-1 as the target; "
        + "target '\(targetName ?? "y")' holds other numbers")
    }
    var data = [Float](repeating: 0, count: labels.count * k)
    for (i, label) in labels.enumerated() where label < k { data[i * k + label] = 1 }
    var out = self
    out.y = Tensor(shape: [labels.count, k], data: data)
    return out
  }
}

/// Per-feature summary statistics over the present (non-NaN) values, as pandas' `describe`:
/// count, missing, mean, sample std, min, quartiles (linear interpolation) and max.
public struct ColumnSummary: Sendable, Equatable {
  public var name: String
  public var count: Int
  public var missing: Int
  public var mean: Double
  public var std: Double
  public var min: Double
  public var q25: Double
  public var median: Double
  public var q75: Double
  public var max: Double

  /// One summary per feature of `d`.
  public static func of(_ d: Dataset) -> [ColumnSummary] {
    let n = d.count
    let width = d.featureCount
    var out: [ColumnSummary] = []
    for j in 0..<width {
      var present: [Double] = []
      present.reserveCapacity(n)
      for i in 0..<n where !d.x.data[i * width + j].isNaN { present.append(Double(d.x.data[i * width + j])) }
      present.sort()
      let name = j < d.featureNames.count ? d.featureNames[j] : "f\(j + 1)"
      out.append(summary(name, present, missing: n - present.count))
    }
    return out
  }

  static func summary(_ name: String, _ sorted: [Double], missing: Int) -> ColumnSummary {
    let c = sorted.count
    guard c > 0 else {
      return ColumnSummary(name: name, count: 0, missing: missing, mean: .nan, std: .nan, min: .nan,
                           q25: .nan, median: .nan, q75: .nan, max: .nan)
    }
    let mean = sorted.reduce(0, +) / Double(c)
    let squares = sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    let std = c > 1 ? (squares / Double(c - 1)).squareRoot() : .nan
    func quantile(_ q: Double) -> Double {
      let position = q * Double(c - 1)
      let lo = Int(position.rounded(.down))
      let hi = Swift.min(lo + 1, c - 1)
      return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - Double(lo))
    }
    return ColumnSummary(name: name, count: c, missing: missing, mean: mean, std: std,
                         min: sorted[0], q25: quantile(0.25), median: quantile(0.5),
                         q75: quantile(0.75), max: sorted[c - 1])
  }
}
