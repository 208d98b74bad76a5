#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd

/// How a classification metric reads the model's output and targets.
enum ClassMode: Equatable {
  /// Sigmoid-style outputs: each output value is one yes/no decision at threshold 0.5, the
  /// target counts as positive when ≥ 0.5. Several outputs (multi-label) are pooled.
  case binary
  /// Softmax-style rows, integer labels: the prediction is the argmax.
  case sparse
  /// Softmax-style rows, one-hot targets: prediction and label are argmaxes.
  case categorical
}

/// A metric resolved against the model's output and targets (Keras' choice of accuracy).
enum MetricKind: Equatable {
  case binaryAccuracy, sparseAccuracy, categoricalAccuracy, mae, mse
  /// Epoch-level metrics: computed from counts (or scores) over all rows seen, not as a mean
  /// of per-row values.
  case precision(ClassMode), recall(ClassMode), f1(ClassMode), auc

  /// Whether the value is a (weighted) mean of per-row values.
  var isMean: Bool {
    switch self {
    case .binaryAccuracy, .sparseAccuracy, .categoricalAccuracy, .mae, .mse: return true
    default: return false
    }
  }

  /// The kind of `metric` for a model trained with `loss` whose output has `width` values per
  /// row (classes for cross-entropies). Keras' rules: sparse labels for the sparse loss, a
  /// 1-unit output (or binary cross-entropy, for precision/recall/f1/auc) is binary, else
  /// one-hot. Throws for `auc` on a multi-class output.
  static func resolve(_ metric: Metric, loss: Loss, width: Int) throws -> MetricKind {
    let mode: ClassMode = loss == .sparseCategoricalCrossentropy ? .sparse
      : (width == 1 || loss == .binaryCrossentropy ? .binary : .categorical)
    switch metric {
    case .mae: return .mae
    case .mse: return .mse
    case .accuracy:
      if loss == .sparseCategoricalCrossentropy { return .sparseAccuracy }
      return width == 1 ? .binaryAccuracy : .categoricalAccuracy
    case .precision: return .precision(mode)
    case .recall: return .recall(mode)
    case .f1: return .f1(mode)
    case .auc:
      guard mode == .binary else {
        throw ModelError("auc is the ROC AUC of a binary output: it needs one sigmoid unit (or "
                         + "binary_crossentropy), but the model has \(width) classes under "
                         + "\(loss.name); use precision, recall or f1 (macro averages) instead")
      }
      return .auc
    }
  }
}

/// Accumulates metric values over the batches of an epoch (or an evaluation) without
/// allocating per batch.
///
/// Mean metrics (accuracies, mae, mse) keep a weighted sum of per-row values; precision,
/// recall and f1 keep per-class true/false positive and false negative counts; auc keeps every
/// (score, label, weight). A row is one sample, or one time step of a sequence output
/// (N, T, C) with (N, T) labels. An optional mask gives each row a weight (Keras' sample
/// weights): 0 leaves the row out of every metric, and means divide by Σ weights.
struct MetricEvaluator {
  let kinds: [MetricKind]
  /// Set when outputs are pre-activation logits (fused loss): the activation to apply.
  let logits: Activation?
  private var scratch: [Float]
  /// Per-kind weighted sums of per-row values (mean kinds only).
  private var sums: [Double]
  /// Σ row weights seen (rows when there is no mask).
  private var weight = 0.0
  /// The counting mode shared by precision / recall / f1, when any is requested.
  private let countMode: ClassMode?
  /// Per-class weighted counts (one class for binary).
  private var truePositives: [Double], falsePositives: [Double], falseNegatives: [Double]
  private let wantsScores: Bool
  /// Every (score, positive?, weight) seen, for auc; kept sorted by score after `values()`.
  private var scores: [ScoredRow] = []

  init(kinds: [MetricKind], logits: Activation?, width: Int) {
    self.kinds = kinds
    self.logits = logits
    scratch = [Float](repeating: 0, count: Swift.max(width, 1))
    sums = [Double](repeating: 0, count: kinds.count)
    var mode: ClassMode?
    for k in kinds {
      switch k {
      case .precision(let m), .recall(let m), .f1(let m): mode = m
      default: break
      }
    }
    countMode = mode
    let classes = mode == .binary ? 1 : (mode == nil ? 0 : Swift.max(width, 1))
    truePositives = [Double](repeating: 0, count: classes)
    falsePositives = truePositives
    falseNegatives = truePositives
    wantsScores = kinds.contains(.auc)
  }

  /// Forgets everything accumulated (the start of an epoch); keeps the buffers.
  mutating func reset() {
    for k in sums.indices { sums[k] = 0 }
    weight = 0
    for c in truePositives.indices { truePositives[c] = 0; falsePositives[c] = 0; falseNegatives[c] = 0 }
    scores.removeAll(keepingCapacity: true)
  }

  /// Adds a batch. `out` is (rows, width…); `y` holds labels (rows,) for the sparse kinds,
  /// the output's shape otherwise; `mask`, when given, one weight per row ((N, T) for a
  /// sequence output (N, T, C) with (N, T) labels; rows past its end weigh 1).
  mutating func accumulate(_ out: Tensor, _ y: Tensor, rows: Int, mask: Tensor? = nil) {
    if kinds.isEmpty || rows == 0 { return }
    let width = out.count / rows
    let kinds = self.kinds, logits = self.logits, countMode = self.countMode
    var scratch = self.scratch, sums = self.sums
    self.scratch = []
    self.sums = []
    defer { self.scratch = scratch; self.sums = sums }
    scratch.withUnsafeMutableBufferPointer { sp in
      out.data.withUnsafeBufferPointer { op in
        y.data.withUnsafeBufferPointer { yp in
          guard let scratchBase = sp.baseAddress, let ob = op.baseAddress, let yb = yp.baseAddress
          else { return }
          for r in 0..<rows {
            let w: Float = mask.map { r < $0.count ? $0.data[r] : 1 } ?? 1
            if w == 0 { continue }
            weight += Double(w)
            let p = MetricEvaluator.probabilities(ob + r * width, width, logits, scratchBase)
            for (k, kind) in kinds.enumerated() where kind.isMean {
              sums[k] += Double(w) * MetricEvaluator.rowValue(kind, p, yb, r, width)
            }
            if let countMode { count(countMode, p, yb, r, width, Double(w)) }
            if wantsScores {
              let t = yb + r * width
              for j in 0..<width {
                // A NaN score sorts last (the comparison must stay a strict order).
                scores.append(ScoredRow(score: p[j].isNaN ? -.infinity : p[j], positive: t[j] >= 0.5, weight: w))
              }
            }
          }
        }
      }
    }
  }

  /// The row as the model's final output: probabilities when `logits` names the activation
  /// left out of a fused output head (written into `scratch`), else the row itself.
  @inline(__always)
  static func probabilities(_ raw: UnsafePointer<Float>, _ width: Int, _ logits: Activation?,
                            _ scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
    switch logits {
    case .some(.sigmoid):
      for j in 0..<width { scratch[j] = 1 / (1 + expf(-raw[j])) }
      return UnsafePointer(scratch)
    case .some(.softmax):
      var mx = -Float.infinity
      for j in 0..<width { mx = Swift.max(mx, raw[j]) }
      var s: Float = 0
      for j in 0..<width { let e = expf(raw[j] - mx); scratch[j] = e; s += e }
      for j in 0..<width { scratch[j] /= s }
      return UnsafePointer(scratch)
    default: return raw
    }
  }

  /// The value of a mean kind on row `r` (probabilities `p`).
  @inline(__always)
  static func rowValue(_ kind: MetricKind, _ p: UnsafePointer<Float>, _ yb: UnsafePointer<Float>,
                       _ r: Int, _ width: Int) -> Double {
    switch kind {
    case .binaryAccuracy:
      let t = yb + r * width
      var hits = 0
      for j in 0..<width where (p[j] > 0.5 ? Float(1) : 0) == t[j] { hits += 1 }
      return Double(hits) / Double(width)
    case .sparseAccuracy:
      return argmax(p, width) == Int(yb[r]) ? 1 : 0
    case .categoricalAccuracy:
      return argmax(p, width) == argmax(yb + r * width, width) ? 1 : 0
    case .mae, .mse:
      let t = yb + r * width
      var s: Float = 0
      if kind == .mae { for j in 0..<width { s += Swift.abs(p[j] - t[j]) } }
      else { for j in 0..<width { let d = p[j] - t[j]; s += d * d } }
      return Double(s) / Double(width)
    default: return 0
    }
  }

  /// Adds row `r` to the per-class counts.
  @inline(__always)
  private mutating func count(_ mode: ClassMode, _ p: UnsafePointer<Float>, _ yb: UnsafePointer<Float>,
                              _ r: Int, _ width: Int, _ w: Double) {
    switch mode {
    case .binary:
      let t = yb + r * width
      for j in 0..<width {
        let predicted = p[j] > 0.5, actual = t[j] >= 0.5
        if predicted && actual { truePositives[0] += w }
        else if predicted { falsePositives[0] += w }
        else if actual { falseNegatives[0] += w }
      }
    case .sparse, .categorical:
      let predicted = argmax(p, width)
      let actual = mode == .sparse ? Int(yb[r]) : argmax(yb + r * width, width)
      guard actual >= 0 && actual < truePositives.count else { return }
      if predicted == actual { truePositives[actual] += w }
      else { falsePositives[predicted] += w; falseNegatives[actual] += w }
    }
  }

  /// One value per kind over everything accumulated since the last `reset`: weighted means
  /// (NaN when nothing was seen), precision / recall / f1 (0 where a denominator is 0, as
  /// scikit-learn's zero_division=0; macro averages over all classes for softmax outputs),
  /// and the exact ROC AUC (NaN until both classes have been seen). Sorts the kept scores in
  /// place, so calling it after every batch stays cheap (the next sort finds two runs).
  mutating func values() -> [Double] {
    let counts = ClassCounts(tp: truePositives, fp: falsePositives, fn: falseNegatives)
    var auc = Double.nan
    if wantsScores {
      scores.sort { $0.score > $1.score }
      auc = rocAUC(sortedDescending: scores)
    }
    return kinds.enumerated().map { k, kind in
      switch kind {
      case .precision: return counts.macro(ClassCounts.precision)
      case .recall: return counts.macro(ClassCounts.recall)
      case .f1: return counts.macro(ClassCounts.f1)
      case .auc: return auc
      default: return weight > 0 ? sums[k] / weight : .nan
      }
    }
  }
}

/// One output value kept for the ROC AUC.
struct ScoredRow {
  var score: Float
  var positive: Bool
  var weight: Float
}

/// Weighted true-positive, false-positive and false-negative counts per class.
struct ClassCounts {
  let tp: [Double], fp: [Double], fn: [Double]

  /// tp / (tp + fp), 0 when nothing was predicted as the class.
  static func precision(_ tp: Double, _ fp: Double, _ fn: Double) -> Double {
    tp + fp > 0 ? tp / (tp + fp) : 0
  }
  /// tp / (tp + fn), 0 when the class has no sample.
  static func recall(_ tp: Double, _ fp: Double, _ fn: Double) -> Double {
    tp + fn > 0 ? tp / (tp + fn) : 0
  }
  /// 2tp / (2tp + fp + fn) (= 2PR / (P + R)), 0 when all three are 0.
  static func f1(_ tp: Double, _ fp: Double, _ fn: Double) -> Double {
    2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0
  }

  /// The mean over classes of `score` (for one class: its value).
  func macro(_ score: (Double, Double, Double) -> Double) -> Double {
    guard !tp.isEmpty else { return .nan }
    var total = 0.0
    for c in tp.indices { total += score(tp[c], fp[c], fn[c]) }
    return total / Double(tp.count)
  }
}

/// The area under the ROC curve of rows sorted by descending score, as scikit-learn's
/// `roc_auc_score`: tied scores form one step of the curve (a diagonal segment), weights
/// count as repeated rows. NaN unless both classes have positive weight.
func rocAUC(sortedDescending rows: [ScoredRow]) -> Double {
  var tp = 0.0, fp = 0.0, area = 0.0
  var i = 0
  while i < rows.count {
    let (tp0, fp0) = (tp, fp)
    let s = rows[i].score
    while i < rows.count && rows[i].score == s {
      if rows[i].positive { tp += Double(rows[i].weight) } else { fp += Double(rows[i].weight) }
      i += 1
    }
    area += (fp - fp0) * (tp + tp0) / 2
  }
  guard tp > 0 && fp > 0 else { return .nan }
  return area / (tp * fp)
}

/// Index of the first maximum of `n` values.
@inline(__always)
func argmax(_ p: UnsafePointer<Float>, _ n: Int) -> Int {
  var best = 0
  for j in 1..<Swift.max(n, 1) where p[j] > p[best] { best = j }
  return best
}
