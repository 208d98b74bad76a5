import Autograd

/// K-fold partitions of a dataset's rows for cross-validation (`crossval`, `search`), as
/// scikit-learn's KFold(shuffle=True) and StratifiedKFold(shuffle=True): every row is in
/// exactly one fold, the folds' sizes differ by at most one, and with `stratify` every class's
/// count differs by at most one between folds.
public enum Folds {
  /// The rows of each of `k` folds of `d`, each fold's rows in increasing order. The rows
  /// are shuffled by `rng` first; with `stratify`, the rows of each class (the dataset's
  /// class labels) are dealt to the folds in turn, continuing from class to class.
  public static func partition(_ d: Dataset, folds k: Int, stratify: Bool,
                               rng: inout SeededRandom) throws -> [[Int]] {
    let n = d.count
    guard k >= 2 else { throw DataError(path: nil, message: "cross-validation needs at least 2 folds, not \(k)") }
    guard n >= k else {
      throw DataError(path: nil, message: "\(n) \(n == 1 ? "row is" : "rows are") too few for \(k) folds (each fold needs a row)")
    }
    let order = rng.permutation(n)
    var folds = [[Int]](repeating: [], count: k)
    if stratify {
      guard let labels = d.classLabels else {
        let why = d.y == nil ? "the dataset has no target"
          : "target '\(d.targetName ?? "y")' does not hold class indices"
        throw DataError(path: nil, message: "stratify needs class labels, but \(why)")
      }
      let classes = (labels.max() ?? -1) + 1
      var byClass = [[Int]](repeating: [], count: classes)
      for i in order { byClass[labels[i]].append(i) }
      var next = 0
      for rows in byClass {
        for i in rows {
          folds[next].append(i)
          next = (next + 1) % k
        }
      }
    } else {
      // Contiguous runs of the shuffled order: the first n % k folds get one row more.
      var start = 0
      for f in 0..<k {
        let size = n / k + (f < n % k ? 1 : 0)
        folds[f] = Array(order[start..<(start + size)])
        start += size
      }
    }
    return folds.map { $0.sorted() }
  }

  /// The training rows of fold `f`: every row not in it, in increasing order.
  public static func training(_ folds: [[Int]], except f: Int) -> [Int] {
    folds.indices.filter { $0 != f }.flatMap { folds[$0] }.sorted()
  }

  /// The rows (axis 0) of `t` at `indices`, in that order (each in `0..<t.shape[0]`).
  public static func rows(_ t: Tensor, _ indices: [Int]) -> Tensor { Dataset.gather(t, indices) }

  /// The smallest class count when it is below `k` (some folds will lack that class), or nil.
  public static func thinClass(_ d: Dataset, folds k: Int) -> (label: Int, count: Int)? {
    guard let labels = d.classLabels else { return nil }
    var counts = [Int](repeating: 0, count: (labels.max() ?? -1) + 1)
    for l in labels { counts[l] += 1 }
    guard let i = counts.indices.filter({ counts[$0] > 0 }).min(by: { counts[$0] < counts[$1] }),
          counts[i] < k else { return nil }
    return (i, counts[i])
  }
}

/// The mean and population standard deviation (numpy's default, ddof = 0) of some values.
public func meanAndStd(_ values: [Double]) -> (mean: Double, std: Double) {
  guard !values.isEmpty else { return (.nan, .nan) }
  let mean = values.reduce(0, +) / Double(values.count)
  let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
  return (mean, variance.squareRoot())
}
