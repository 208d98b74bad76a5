/// Class counts of a labelled dataset and class weights that balance them.
public struct ClassBalance: Sendable {
  /// Rows per class index, for indices `0..<classCount`.
  public let counts: [Int]
  /// Class labels in index order, when the dataset has them.
  public let classNames: [String]?

  /// Counts the classes of `d`; an error when its targets are not class labels.
  public init(_ d: Dataset) throws {
    guard let labels = d.classLabels, let classCount = d.classCount else {
      let why = d.y == nil ? "the dataset has no target" : "its target does not hold class indices"
      throw DataError(path: nil, message: "class counts need class labels, but \(why)")
    }
    var counts = [Int](repeating: 0, count: max(classCount, (labels.max() ?? -1) + 1))
    for label in labels { counts[label] += 1 }
    self.counts = counts
    classNames = d.classNames
  }

  /// Total number of rows.
  public var total: Int { counts.reduce(0, +) }

  /// Keras/scikit-learn "balanced" weights, `n_samples / (n_classes · count_c)`, where
  /// `n_classes` counts the classes present; a class with no rows gets weight 0.
  public var balancedWeights: [Float] {
    let present = counts.filter { $0 > 0 }.count
    return counts.map { c in
      c > 0 ? Float(Double(total) / (Double(present) * Double(c))) : 0
    }
  }
}
