import Autograd

/// A confusion matrix and per-class precision, recall, F1 and support, with accuracy and the
/// macro and weighted averages: the numbers of scikit-learn's `confusion_matrix` and
/// `classification_report` with `labels=range(K)` and `zero_division=0`.
///
/// Every one of the K classes has a row, also a class absent from the labels (support 0,
/// recall 0) or never predicted (precision 0). Macro averages are plain means over the K
/// classes; weighted averages weigh each class by its support.
///
///     let report = try ClassificationReport(predictions: [0, 2, 1], labels: [0, 1, 1],
///                                           classNames: ["cat", "dog", "bird"])
///     report.counts[1][2]      // samples of class 1 (dog) predicted as class 2 (bird): 1
///     report.classes[1].recall // 0.5
///
/// `TermPlot.ConfusionMatrixText` and `TermPlot.ClassificationReportText` render it.
public struct ClassificationReport: Sendable, Equatable {
  /// The numbers of one class (or one average).
  public struct Scores: Sendable, Equatable {
    /// TP / (TP + FP); 0 when the class is never predicted.
    public let precision: Double
    /// TP / (TP + FN); 0 when the class has no sample.
    public let recall: Double
    /// 2·P·R / (P + R); 0 when both are 0.
    public let f1: Double
    /// Samples whose label is the class (for an average: all samples).
    public let support: Int
  }

  /// The class names, index order (`"0"`, `"1"`, … when none were given).
  public let classNames: [String]
  /// `counts[true][predicted]`: K×K sample counts.
  public let counts: [[Int]]
  /// One entry per class, index order.
  public let classes: [Scores]
  /// Fraction of samples predicted correctly.
  public let accuracy: Double
  /// Number of samples.
  public let total: Int
  /// Unweighted means over the K classes.
  public let macro: Scores
  /// Means weighted by each class's support.
  public let weighted: Scores

  /// The report of class indices `predictions` against `labels` (same length, at least one),
  /// with K = `classNames.count` classes, or K = `classes` with names `"0"`…`"K-1"` when
  /// `classNames` is nil. Throws a `ModelError` for differing lengths, no samples, no
  /// classes, or an index outside 0..<K (naming its position).
  public init(predictions: [Int], labels: [Int], classNames: [String]? = nil,
              classes: Int? = nil) throws {
    let k = classNames?.count ?? classes ?? ((Swift.max(predictions.max() ?? -1, labels.max() ?? -1)) + 1)
    if let classNames, let classes, classNames.count != classes {
      throw ModelError("there are \(classes) classes but \(classNames.count) class names")
    }
    guard k > 0 else { throw ModelError("a classification report needs at least one class") }
    guard predictions.count == labels.count else {
      throw ModelError("there are \(predictions.count) predictions but \(labels.count) labels")
    }
    guard !labels.isEmpty else { throw ModelError("there are no samples to report on") }
    for (what, values) in [("label", labels), ("prediction", predictions)] {
      if let i = values.firstIndex(where: { $0 < 0 || $0 >= k }) {
        throw ModelError("\(what) \(i) is \(values[i]), not a class 0…\(k - 1)")
      }
    }
    var counts = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
    for (t, p) in zip(labels, predictions) { counts[t][p] += 1 }
    try self.init(counts: counts, classNames: classNames ?? (0..<k).map(String.init))
  }

  /// The report of a confusion matrix `counts[true][predicted]` (K×K, non-negative, at least
  /// one sample). Throws a `ModelError` otherwise or when the names are not K.
  public init(counts: [[Int]], classNames: [String]) throws {
    let k = counts.count
    guard k > 0, counts.allSatisfy({ $0.count == k }) else {
      throw ModelError("a confusion matrix must be K×K with K ≥ 1")
    }
    guard classNames.count == k else {
      throw ModelError("there are \(k) classes but \(classNames.count) class names")
    }
    guard counts.joined().allSatisfy({ $0 >= 0 }) else {
      throw ModelError("a confusion matrix holds counts of 0 or more")
    }
    let total = counts.joined().reduce(0, +)
    guard total > 0 else { throw ModelError("there are no samples to report on") }
    self.init(checkedCounts: counts, classNames: classNames, total: total)
  }

  private init(checkedCounts counts: [[Int]], classNames: [String], total: Int) {
    let k = counts.count
    var classes: [Scores] = []
    var correct = 0
    for c in 0..<k {
      let tp = Double(counts[c][c])
      let support = counts[c].reduce(0, +)
      let predicted = (0..<k).reduce(0) { $0 + counts[$1][c] }
      correct += counts[c][c]
      let fp = Double(predicted) - tp, fn = Double(support) - tp
      classes.append(Scores(precision: ClassCounts.precision(tp, fp, fn),
                            recall: ClassCounts.recall(tp, fp, fn),
                            f1: ClassCounts.f1(tp, fp, fn), support: support))
    }
    self.classNames = classNames
    self.counts = counts
    self.classes = classes
    self.total = total
    accuracy = Double(correct) / Double(total)
    macro = ClassificationReport.average(classes, total: total) { _ in 1 }
    weighted = ClassificationReport.average(classes, total: total) { Double($0.support) }
  }

  /// The `weight`-weighted means of the classes' scores (0 when all weights are 0).
  static func average(_ classes: [Scores], total: Int, weight: (Scores) -> Double) -> Scores {
    let w = classes.map(weight)
    let sum = w.reduce(0, +)
    func mean(_ f: (Scores) -> Double) -> Double {
      sum > 0 ? zip(classes, w).reduce(0) { $0 + f($1.0) * $1.1 } / sum : 0
    }
    return Scores(precision: mean(\.precision), recall: mean(\.recall), f1: mean(\.f1), support: total)
  }

  /// The report of model outputs against targets, as `confusion M DATA` needs it.
  ///
  /// `outputs` are what `predict` returns: (N, C) class scores (C ≥ 2: the argmax is the
  /// prediction) or (N,) / (N, 1) sigmoid outputs (two classes: positive above 0.5). Sequence
  /// outputs (N, T, C) count every time step. `targets` hold integer labels ((N,), (N, 1),
  /// (N, T)), one-hot rows of the output's shape, or 0/1 values for a sigmoid output (1 when
  /// 0.5 or more). `classNames`, when given, must name the C classes (2 for a sigmoid output).
  /// Throws a `ModelError` for shapes that do not match or labels that are not classes.
  public init(outputs: Tensor, targets: Tensor, classNames: [String]? = nil) throws {
    let (predictions, labels, k) = try ClassificationReport.decisions(outputs, targets)
    if let classNames, classNames.count != k {
      throw ModelError("the outputs have \(k) classes but \(classNames.count) class names are given")
    }
    try self.init(predictions: predictions, labels: labels, classNames: classNames, classes: k)
  }

  /// Predicted and true class per row, and the number of classes.
  static func decisions(_ outputs: Tensor, _ targets: Tensor) throws -> ([Int], [Int], Int) {
    guard outputs.rank >= 1, outputs.count > 0 else { throw ModelError("there are no outputs to report on") }
    let last = outputs.rank >= 2 ? outputs.shape[outputs.rank - 1] : 1
    let binary = last == 1
    let k = binary ? 2 : last
    let rows = outputs.count / last
    let predictions: [Int] = outputs.data.withUnsafeBufferPointer { o in
      guard let base = o.baseAddress else { return [] }
      return (0..<rows).map { r in binary ? (base[r] > 0.5 ? 1 : 0) : argmax(base + r * last, last) }
    }
    let labels: [Int]
    if targets.count == rows * k && !binary && targets.rank == outputs.rank {
      labels = targets.data.withUnsafeBufferPointer { t in
        guard let base = t.baseAddress else { return [] }
        return (0..<rows).map { argmax(base + $0 * k, k) }
      }
    } else if targets.count == rows {
      labels = try targets.data.enumerated().map { i, v in
        if binary {
          guard v >= 0 && v <= 1 else { throw ModelError("target \(i) is \(formatNumber(v)), not 0 or 1") }
          return v >= 0.5 ? 1 : 0
        }
        guard v >= 0 && v < Float(k) && v == v.rounded() else {
          throw ModelError("label \(i) is \(formatNumber(v)), not a class 0…\(k - 1)")
        }
        return Int(v)
      }
    } else {
      throw ShapeError("the outputs have shape \(outputs.shape.kerasShape) (\(rows) rows of \(k) classes) "
                       + "but the targets have shape \(targets.shape.kerasShape)")
    }
    return (predictions, labels, k)
  }
}

extension Model {
  /// The classification report of the model's predictions on `x` against `y` (inference
  /// mode): see `ClassificationReport(outputs:targets:classNames:)`.
  public func classificationReport(x: Tensor, y: Tensor, classNames: [String]? = nil,
                                   batchSize: Int = 32) throws -> ClassificationReport {
    let out = try predict(x: x, batchSize: batchSize)
    return try ClassificationReport(outputs: out, targets: y, classNames: classNames)
  }
}
