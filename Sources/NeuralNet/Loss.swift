import Autograd

/// A training objective, with Keras names and semantics (mean over the batch).
///
/// When the model's last activation matches the loss (softmax with (sparse) categorical
/// cross-entropy, sigmoid with binary cross-entropy) the model computes the loss from the
/// pre-activation logits with a fused, numerically stable op, exactly as Keras does for such
/// models; otherwise outputs are read as probabilities and clipped to [1e-7, 1 − 1e-7].
public enum Loss: Sendable, Equatable {
  /// Mean squared error.
  case mse
  /// Mean absolute error.
  case mae
  /// Binary cross-entropy: targets in [0, 1], one output per target.
  case binaryCrossentropy
  /// Categorical cross-entropy: one-hot (or probability) targets of shape (N, C).
  case categoricalCrossentropy
  /// Categorical cross-entropy with integer class labels 0…C−1, shape (N,) or (N, 1).
  case sparseCategoricalCrossentropy

  /// The Keras name.
  public var name: String {
    switch self {
    case .mse: return "mse"
    case .mae: return "mae"
    case .binaryCrossentropy: return "binary_crossentropy"
    case .categoricalCrossentropy: return "categorical_crossentropy"
    case .sparseCategoricalCrossentropy: return "sparse_categorical_crossentropy"
    }
  }

  /// Name, value and one help line for every loss, in display order.
  public static let table: [(name: String, value: Loss, help: String)] = [
    ("mse", .mse, "mean squared error: regression"),
    ("mae", .mae, "mean absolute error: regression, robust to outliers"),
    ("binary_crossentropy", .binaryCrossentropy,
     "two classes (or independent labels): 1 sigmoid output, targets 0/1"),
    ("categorical_crossentropy", .categoricalCrossentropy,
     "several classes, one-hot targets: softmax output with one unit per class"),
    ("sparse_categorical_crossentropy", .sparseCategoricalCrossentropy,
     "several classes, integer labels 0…C-1: softmax output with C units"),
  ]

  /// Accepted alternative spellings (Keras' long names).
  static let aliases: [String: Loss] = [
    "mean_squared_error": .mse, "mean_absolute_error": .mae,
  ]

  /// The loss called `name` (Keras names, long or short; case-insensitive), or nil.
  public static func named(_ name: String) -> Loss? {
    let n = name.lowercased()
    return table.first { $0.name == n }?.value ?? aliases[n]
  }

  /// Every loss name, in display order.
  public static var allNames: [String] { table.map(\.name) }

  /// Whether the loss is computed from logits when the model ends in `activation`.
  func fuses(with activation: Activation) -> Bool {
    switch (self, activation) {
    case (.categoricalCrossentropy, .softmax), (.sparseCategoricalCrossentropy, .softmax),
         (.binaryCrossentropy, .sigmoid): return true
    default: return false
    }
  }

  /// The loss (mean over the batch) of `output` against `targets`. `output` holds logits when
  /// `fused`, probabilities / predictions otherwise. Targets are prepared by the model:
  /// (N,) labels for the sparse loss, the output's shape otherwise.
  func compute(_ output: Variable, targets: Tensor, fused: Bool) -> Variable {
    let eps: Float = 1e-7
    switch self {
    case .mse: return meanSquaredError(output, Variable(targets))
    case .mae: return meanAbsoluteError(output, Variable(targets))
    case .binaryCrossentropy:
      return fused ? binaryCrossEntropy(logits: output, targets: targets)
        : binaryCrossEntropy(probabilities: output, targets: targets, epsilon: eps)
    case .sparseCategoricalCrossentropy:
      if fused { return softmaxCrossEntropy(logits: output, labels: targets) }
      return Loss.probabilityCE(output, Loss.oneHot(targets, classes: output.shape[output.shape.count - 1])
                                  .reshaped(output.shape),
                                normalize: false)
    case .categoricalCrossentropy:
      if fused { return softmaxCrossEntropy(logits: output, targets: targets) }
      return Loss.probabilityCE(output, targets, normalize: true)
    }
  }

  /// The loss weighted per row: `weights` holds one value per sample (class or sample
  /// weights), or per sample and time step for sequence outputs (N, T, …) (a mask times the
  /// sample's weight). The result is Σ w·ℓ / `normalizer` (default: the number of weights, as
  /// Keras' sum_over_batch_size; Σ mask for masked sequences).
  func compute(_ output: Variable, targets: Tensor, fused: Bool, weights: Tensor,
               normalizer: Float? = nil) -> Variable {
    let eps: Float = 1e-7
    switch self {
    case .mse, .mae:
      return weightedRegressionLoss(output, targets, weights: weights, normalizer: normalizer,
                                    absolute: self == .mae)
    case .binaryCrossentropy:
      return fused
        ? binaryCrossEntropy(logits: output, targets: targets, weights: weights, normalizer: normalizer)
        : binaryCrossEntropy(probabilities: output, targets: targets, weights: weights,
                             normalizer: normalizer, epsilon: eps)
    case .sparseCategoricalCrossentropy:
      if fused {
        return softmaxCrossEntropy(logits: output, labels: targets, weights: weights, normalizer: normalizer)
      }
      let c = output.shape[output.shape.count - 1]
      return Loss.weightedProbabilityCE(output, Loss.oneHot(targets, classes: c).reshaped(output.shape), weights,
                                        normalizer, normalize: false)
    case .categoricalCrossentropy:
      if fused {
        return softmaxCrossEntropy(logits: output, targets: targets, weights: weights, normalizer: normalizer)
      }
      return Loss.weightedProbabilityCE(output, targets, weights, normalizer, normalize: true)
    }
  }

  /// Σ_rows w·(−Σ t·ln q) / D on probabilities (not fused), from composable ops.
  static func weightedProbabilityCE(_ p: Variable, _ t: Tensor, _ w: Tensor, _ normalizer: Float?,
                                    normalize: Bool) -> Variable {
    let eps: Float = 1e-7
    let last = p.shape.count - 1
    let q = normalize ? p / p.sum(axes: [last], keepDims: true) : p
    let rows = (q.clamp(eps, 1 - eps).log() * Variable(t)).sum(axes: [last])
    let d = normalizer ?? Float(w.count)
    return (rows.reshaped([w.count]) * Variable(w)).sum() * (-1 / d)
  }

  static func probabilityCE(_ p: Variable, _ t: Tensor, normalize: Bool) -> Variable {
    let eps: Float = 1e-7
    let n = Float(p.value.count / Swift.max(p.shape[p.shape.count - 1], 1))
    let q = normalize ? p / p.sum(axes: [p.shape.count - 1], keepDims: true) : p
    let lp = q.clamp(eps, 1 - eps).log()
    return (lp * Variable(t)).sum() * (-1 / n)
  }

  /// (N,) labels → (N, C) one-hot.
  static func oneHot(_ labels: Tensor, classes: Int) -> Tensor {
    var t = Tensor.zeros([labels.count, classes])
    for i in 0..<labels.count { t.data[i * classes + Int(labels.data[i])] = 1 }
    return t
  }
}

/// A quantity reported during training and evaluation (not optimised), Keras names.
///
/// Accuracies, `mae` and `mse` are means of per-sample values. `precision`, `recall`, `f1` and
/// `auc` are computed over all samples of the epoch (or of the evaluation) at once, from
/// counts (or, for `auc`, from every score), so the epoch's value is exact, not a mean of
/// batch values. For a binary output (one sigmoid unit, or binary cross-entropy) a sample is
/// predicted positive when its output is above 0.5 and is positive when its target is 0.5 or
/// more (several outputs are pooled, as Keras does for multi-label outputs). For softmax
/// outputs (C classes) the prediction is the argmax and precision, recall and f1 are macro
/// averages over all C classes; a class never predicted has precision 0, a class without
/// samples recall 0 (scikit-learn's zero_division=0).
public enum Metric: Sendable, Equatable {
  /// Fraction of correct predictions; like Keras, the kind is chosen from the shapes:
  /// binary (threshold 0.5) for a 1-unit output, sparse categorical for integer labels,
  /// categorical (argmax match) for one-hot targets.
  case accuracy
  /// Mean absolute error.
  case mae
  /// Mean squared error.
  case mse
  /// TP / (TP + FP): binary at threshold 0.5, or the macro average over classes.
  case precision
  /// TP / (TP + FN): binary at threshold 0.5, or the macro average over classes.
  case recall
  /// 2·TP / (2·TP + FP + FN): binary at threshold 0.5, or the macro average over classes.
  case f1
  /// Area under the ROC curve of a binary output, exact (every score, ties as one step), as
  /// scikit-learn's roc_auc_score; NaN while only one class has been seen.
  case auc

  /// The name used in logs and history.
  public var name: String {
    switch self {
    case .accuracy: return "accuracy"
    case .mae: return "mae"
    case .mse: return "mse"
    case .precision: return "precision"
    case .recall: return "recall"
    case .f1: return "f1"
    case .auc: return "auc"
    }
  }

  /// Whether larger values are better (early stopping's mode "auto" maximises these).
  public var higherIsBetter: Bool {
    switch self {
    case .accuracy, .precision, .recall, .f1, .auc: return true
    case .mae, .mse: return false
    }
  }

  /// Name, value and one help line for every metric, in display order.
  public static let table: [(name: String, value: Metric, help: String)] = [
    ("accuracy", .accuracy, "fraction of correct predictions (binary, sparse or one-hot: from the shapes)"),
    ("mae", .mae, "mean absolute error"),
    ("mse", .mse, "mean squared error"),
    ("precision", .precision,
     "TP/(TP+FP) over the epoch: binary at threshold 0.5, macro average over classes for softmax"),
    ("recall", .recall,
     "TP/(TP+FN) over the epoch: binary at threshold 0.5, macro average over classes for softmax"),
    ("f1", .f1, "F1 score over the epoch: binary at threshold 0.5, macro average over classes for softmax"),
    ("auc", .auc, "ROC AUC of a binary (sigmoid) output over the epoch, exact as scikit-learn's"),
  ]

  static let aliases: [String: Metric] = [
    "acc": .accuracy, "mean_absolute_error": .mae, "mean_squared_error": .mse,
    "f1_score": .f1,
  ]

  /// The metric called `name` (Keras names; case-insensitive), or nil.
  public static func named(_ name: String) -> Metric? {
    let n = name.lowercased()
    return table.first { $0.name == n }?.value ?? aliases[n]
  }

  /// Every metric name, in display order.
  public static var allNames: [String] { table.map(\.name) }
}
