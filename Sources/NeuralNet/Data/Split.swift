import Autograd

/// Splits a dataset into parts (train/test, train/validation/test), optionally shuffled and
/// stratified by class.
public enum Split {
  /// Splits `d` into `fractions.count + 1` parts: one per fraction and the rest, e.g. `[0.8]`
  /// → 80 % / 20 %, `[0.7, 0.15]` → 70 % / 15 % / 15 %. Part sizes are rounded by largest
  /// remainder so they add up to `d.count`.
  ///
  /// With `stratify`, each class is split in the same proportions (per-class counts rounded so
  /// that both the part sizes and the class counts add up, and each part gets each class when
  /// possible). With `shuffle` the rows are drawn in an order from `rng`; without it they keep
  /// their order.
  public static func split(_ d: Dataset, fractions: [Double], shuffle: Bool = true,
                           stratify: Bool = false,
                           rng: inout SeededRandom) throws -> [Dataset] {
    let weights = try partWeights(fractions)
    let sizes = apportion(d.count, weights)
    if let empty = sizes.firstIndex(of: 0) {
      let which = empty < fractions.count ? "fraction \(fractions[empty])" : "the rest"
      throw DataError(path: nil, message: "\(plural(d.count, "row")) are too few to split: "
        + "part \(empty + 1) (\(which)) would be empty")
    }
    let parts: [[Int]]
    if stratify {
      parts = try stratifiedIndices(d, sizes: sizes, shuffle: shuffle, rng: &rng)
    } else {
      let order = shuffle ? rng.permutation(d.count) : Array(0..<d.count)
      var start = 0
      parts = sizes.map { size in
        defer { start += size }
        return Array(order[start..<(start + size)])
      }
    }
    return parts.map { d.subset($0) }
  }

  /// The weights of all parts (the fractions plus the rest), after validating the fractions.
  static func partWeights(_ fractions: [Double]) throws -> [Double] {
    guard !fractions.isEmpty else {
      throw DataError(path: nil, message: "split needs at least one fraction, e.g. 0.8")
    }
    for f in fractions where !(f > 0 && f < 1) {
      throw DataError(path: nil, message: "split fraction \(f) must be between 0 and 1")
    }
    let total = fractions.reduce(0, +)
    let listed = fractions.map { "\($0)" }.joined(separator: " + ")
    if total > 1 + 1e-9 {
      throw DataError(path: nil, message: "split fractions \(listed) add up to \(total), more than 1")
    }
    if total > 1 - 1e-9 {
      throw DataError(path: nil, message: "split fractions \(listed) add up to 1, leaving the last "
        + "part empty; give only the first parts (the rest forms the last), e.g. split d 0.8")
    }
    return fractions + [1 - total]
  }

  /// `total` divided in proportion to `weights` (summing to 1), rounded by largest remainder;
  /// ties (within rounding noise, as in 0.15 vs 1 − 0.85) go to the earlier part.
  static func apportion(_ total: Int, _ weights: [Double]) -> [Int] {
    let quotas = weights.map { Double(total) * $0 }
    var sizes = quotas.map { Int(($0 + 1e-9).rounded(.down)) }
    var left = total - sizes.reduce(0, +)
    let byRemainder = quotas.indices.sorted { a, b in
      let ra = quotas[a] - Double(sizes[a]), rb = quotas[b] - Double(sizes[b])
      return abs(ra - rb) > 1e-9 ? ra > rb : a < b
    }
    for i in byRemainder where left > 0 {
      sizes[i] += 1
      left -= 1
    }
    return sizes
  }

  /// Row indices of each part, drawn class by class according to `StratifiedAllocation`.
  private static func stratifiedIndices(_ d: Dataset, sizes: [Int], shuffle: Bool,
                                        rng: inout SeededRandom) throws -> [[Int]] {
    guard let labels = d.classLabels else {
      let why = d.y == nil ? "the dataset has no target"
        : "target '\(d.targetName ?? "y")' does not hold class indices"
      throw DataError(path: nil, message: "stratify=true needs class labels, but \(why)")
    }
    var byLabel = [[Int]](repeating: [], count: (labels.max() ?? -1) + 1)
    for (row, label) in labels.enumerated() { byLabel[label].append(row) }
    // Only the classes present, in label order: a label may be as large as maxClassIndex, and
    // the allocation costs time per class (an empty class would get no rows anyway).
    let members = byLabel.filter { !$0.isEmpty }
    let allocation = StratifiedAllocation(classCounts: members.map(\.count), partSizes: sizes)
    var parts = [[Int]](repeating: [], count: sizes.count)
    for (c, rows) in members.enumerated() {
      let ordered = shuffle ? rng.permutation(rows.count).map { rows[$0] } : rows
      var start = 0
      for p in sizes.indices {
        let k = allocation.counts[c][p]
        parts[p].append(contentsOf: ordered[start..<(start + k)])
        start += k
      }
    }
    return parts.map { part in
      shuffle ? rng.permutation(part.count).map { part[$0] } : part.sorted()
    }
  }
}

/// How many rows of each class go to each part: proportional to the part sizes, rounded so
/// every row total is a class count and every column total a part size.
struct StratifiedAllocation {
  /// `counts[class][part]`.
  private(set) var counts: [[Int]]

  init(classCounts: [Int], partSizes: [Int]) {
    let total = max(1, classCounts.reduce(0, +))
    let quota = classCounts.map { n in partSizes.map { Double(n) * Double($0) / Double(total) } }
    counts = quota.map { row in row.map { Int(($0 + 1e-9).rounded(.down)) } }
    var classLeft = classCounts.indices.map { classCounts[$0] - counts[$0].reduce(0, +) }
    var partLeft = partSizes.indices.map { p in partSizes[p] - counts.reduce(0) { $0 + $1[p] } }
    // Largest remainders first, then any pairing that is still short.
    var cells: [(c: Int, p: Int, r: Double)] = []
    for c in quota.indices { for p in partSizes.indices {
      cells.append((c, p, quota[c][p] - Double(counts[c][p])))
    } }
    cells.sort { abs($0.r - $1.r) > 1e-9 ? $0.r > $1.r : ($0.c, $0.p) < ($1.c, $1.p) }
    while classLeft.contains(where: { $0 > 0 }) {
      for cell in cells where classLeft[cell.c] > 0 && partLeft[cell.p] > 0 {
        counts[cell.c][cell.p] += 1
        classLeft[cell.c] -= 1
        partLeft[cell.p] -= 1
      }
    }
    coverEveryClass(classCounts: classCounts)
  }

  /// Where a part lacks a class that has enough rows, swaps one row of it in from the part
  /// richest in that class against a row of another class the part has two or more of.
  private mutating func coverEveryClass(classCounts: [Int]) {
    let parts = counts.first?.count ?? 0
    for c in counts.indices where classCounts[c] >= parts {
      for p in 0..<parts where counts[c][p] == 0 {
        guard let donor = (0..<parts).max(by: { counts[c][$0] < counts[c][$1] }),
              counts[c][donor] >= 2,
              let other = counts.indices.filter({ $0 != c && counts[$0][p] >= 2 })
                .max(by: { counts[$0][p] < counts[$1][p] }) else { continue }
        counts[c][donor] -= 1
        counts[c][p] += 1
        counts[other][p] -= 1
        counts[other][donor] += 1
      }
    }
  }
}
