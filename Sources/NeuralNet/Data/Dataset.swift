import Autograd

/// A table of examples: features `x` (N, features…) and an optional target `y`.
///
/// `y` is either (N,) — class indices stored as floats, or plain regression values — or
/// (N, k) targets. When text labels were mapped to indices, `classNames[i]` is the label of
/// class `i`.
public struct Dataset: Sendable {
  /// Features, one row per example: shape (N, features…).
  public var x: Tensor
  /// Targets: (N,) or (N, k); `nil` for an unlabelled dataset.
  public var y: Tensor?
  /// One name per feature (flattened feature order).
  public var featureNames: [String]
  /// The target column's name, when it came from a named column.
  public var targetName: String?
  /// Class labels in index order, when text labels were mapped to indices.
  public var classNames: [String]?
  /// The tokenizer that turned a text column into the token ids of `x` (`load … text=`);
  /// kept by `subset`, so the parts of a split have it too.
  public var tokenizer: Tokenizer?
  /// Where each sample's window lies in the series it was cut from (`Windows.make`); kept
  /// by `subset`, dropped when the features are rescaled.
  public var windowSource: WindowSource?
  /// The vocabularies of a sequence-pair dataset (`load … source= target=`); kept by `subset`.
  public var pairVocabulary: PairVocabulary?
  /// The fill values of missing features (`load … missing=`, `impute`), for later data and
  /// `predict`; kept by `subset`.
  public var imputer: Imputer?
  /// The one-hot encoding of its categorical columns (`load … categorical=`); kept by `subset`.
  public var categories: CategoryEncoding?

  /// A dataset from tensors, checked for consistent shapes. Empty `featureNames` are
  /// generated as `f1`, `f2`, ….
  public init(x: Tensor, y: Tensor? = nil, featureNames: [String] = [], targetName: String? = nil,
              classNames: [String]? = nil) throws {
    guard x.rank >= 1 else {
      throw DataError(path: nil, message: "features need a row axis; got a scalar tensor")
    }
    let n = x.shape[0]
    let width = x.shape.dropFirst().reduce(1, *)
    if let y, y.rank < 1 || y.rank > 2 || y.shape[0] != n {
      throw DataError(path: nil, message:
        "targets of shape \(pythonShape(y.shape)) do not match \(plural(n, "row")) of features")
    }
    if !featureNames.isEmpty, featureNames.count != width {
      throw DataError(path: nil, message:
        "\(plural(featureNames.count, "feature name")) for \(plural(width, "feature"))")
    }
    self.init(unchecked: x, y: y,
              featureNames: featureNames.isEmpty ? (0..<width).map { "f\($0 + 1)" } : featureNames,
              targetName: targetName, classNames: classNames)
  }

  /// A dataset whose shapes the caller has already made consistent.
  init(unchecked x: Tensor, y: Tensor?, featureNames: [String], targetName: String?,
       classNames: [String]?, tokenizer: Tokenizer? = nil, windowSource: WindowSource? = nil) {
    self.x = x
    self.y = y
    self.featureNames = featureNames
    self.targetName = targetName
    self.classNames = classNames
    self.tokenizer = tokenizer
    self.windowSource = windowSource
  }

  /// Number of examples (rows).
  public var count: Int { x.shape.first ?? 0 }

  /// The shape of one example's features, e.g. `[4]` or `[8, 8]`.
  public var featureShape: [Int] { Array(x.shape.dropFirst()) }

  /// Number of feature values per example (the product of `featureShape`).
  public var featureCount: Int { featureShape.reduce(1, *) }

  /// Largest class index `classLabels` accepts; integer targets beyond it (years, ids) are
  /// treated as numeric values, not classes.
  public static let maxClassIndex = 65_535

  /// The targets as class indices, when `y` is (N,) and every value is an integer in
  /// `0...maxClassIndex`; `nil` otherwise.
  public var classLabels: [Int]? {
    guard let y, y.rank == 1 else { return nil }
    var labels = [Int]()
    labels.reserveCapacity(y.count)
    for v in y.data {
      guard v >= 0, v <= Float(Dataset.maxClassIndex), v == v.rounded() else { return nil }
      labels.append(Int(v))
    }
    return labels
  }

  /// Number of classes: `classNames.count`, else the largest class index + 1; `nil` when the
  /// targets are not class labels.
  public var classCount: Int? {
    if let classNames { return classNames.count }
    guard let labels = classLabels else { return nil }
    return (labels.max() ?? -1) + 1
  }

  /// One line for the REPL, e.g. `150 rows × 4 features, target 'label' (3 classes)`.
  public var describe: String {
    let shape = tokenizer != nil && featureShape.count == 1
      ? plural(featureCount, "token id")
      : featureShape.count == 1
      ? plural(featureCount, "feature")
      : featureShape.map(String.init).joined(separator: "×") + " features"
    var out = "\(plural(count, "row")) × \(shape)"
    guard let y else { return out + ", no target" }
    let name = targetName.map { "target '\($0)'" } ?? "target"
    // Whole numbers without class names are classes only when they are 0…K-1 (10.0 and 20.0
    // are two numbers, not "21 classes").
    if let classes = classCount, classNames != nil || Set(classLabels ?? []).count == classes {
      out += ", \(name) (\(classes == 1 ? "1 class" : "\(classes) classes"))"
    } else if y.rank == 2 {
      out += ", \(name) (\(y.shape[1]) values per row)"
    } else {
      out += ", \(name) (numeric)"
    }
    return out
  }

  /// The dataset with each sample's features reshaped to `shape` (e.g. 64 CSV columns to
  /// 8×8×1); an error naming `source` when the feature count does not match.
  public func reshapingSamples(to shape: [Int], source: String?) throws -> Dataset {
    guard let size = checkedProduct(shape), !shape.isEmpty, shape.allSatisfy({ $0 > 0 }),
          size == featureCount else {
      let want = checkedProduct(shape).map { plural($0, "value") } ?? "too many values"
      throw DataError(path: source, message: "shape=\(shape.map(String.init).joined(separator: "x")) "
        + "needs \(want) per sample, but the \(plural(count, "row")) have \(plural(featureCount, "feature")) each")
    }
    var out = self
    out.x = x.reshaped([count] + shape)
    return out
  }

  /// The rows at `indices`, in that order (indices must be in `0..<count`).
  public func subset(_ indices: [Int]) -> Dataset {
    var d = Dataset(unchecked: Dataset.gather(x, indices),
            y: y.map { Dataset.gather($0, indices) },
            featureNames: featureNames, targetName: targetName, classNames: classNames,
            tokenizer: tokenizer, windowSource: windowSource?.subset(indices))
    d.pairVocabulary = pairVocabulary
    d.imputer = imputer
    d.categories = categories
    return d
  }

  /// Copies whole rows (axis 0) of `t` in the order given.
  static func gather(_ t: Tensor, _ indices: [Int]) -> Tensor {
    let n = t.shape.first ?? 0
    let width = t.shape.dropFirst().reduce(1, *)
    var shape = t.shape
    shape[0] = indices.count
    var out = [Float](repeating: 0, count: indices.count * width)
    t.data.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        for (k, row) in indices.enumerated() {
          precondition(row >= 0 && row < n, "Dataset.subset: row \(row) out of 0..<\(n)")
          (d + k * width).update(from: s + row * width, count: width)
        }
      }
    }
    return Tensor(shape: shape, data: out)
  }
}

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
