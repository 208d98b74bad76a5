import Autograd

/// Per-feature scaling fitted on one dataset (the training set) and applied to others with the
/// same statistics.
public struct Scaler: Sendable {
  /// The two scalings.
  public enum Kind: String, Sendable {
    /// `(x − mean) / std` (population std, like scikit-learn's `StandardScaler`).
    case standardize
    /// `(x − min) / (max − min)`, mapping the fitted range to [0, 1].
    case minMax
  }

  /// Which scaling `apply` performs.
  public let kind: Kind
  /// The fitted dataset's feature names, one per statistic.
  public let featureNames: [String]
  /// Per-feature mean of the fitted data.
  public let means: [Float]
  /// Per-feature population standard deviation (a 0 here means the feature is only centred).
  public let stds: [Float]
  /// Per-feature minimum of the fitted data.
  public let mins: [Float]
  /// Per-feature maximum (a range of 0 means the feature is only shifted to 0).
  public let maxs: [Float]
  private let offset: [Float]
  private let scale: [Float]

  /// Fits mean and std per feature on `d`; features with std 0 are divided by 1.
  public static func standardize(fitOn d: Dataset) -> Scaler {
    Scaler(kind: .standardize, fitOn: d)
  }

  /// Fits min and max per feature on `d`; features with range 0 are divided by 1.
  public static func minMax(fitOn d: Dataset) -> Scaler {
    Scaler(kind: .minMax, fitOn: d)
  }

  private init(kind: Kind, fitOn d: Dataset) {
    let stats = FeatureStatistics(d.x)
    self.kind = kind
    featureNames = d.featureNames
    means = stats.means
    stds = stats.stds
    mins = stats.mins
    maxs = stats.maxs
    switch kind {
    case .standardize:
      offset = means
      scale = stds.map { $0 > 0 ? $0 : 1 }
    case .minMax:
      offset = mins
      scale = zip(mins, maxs).map { $1 - $0 > 0 ? $1 - $0 : 1 }
    }
  }

  /// `d` with its features scaled by the fitted statistics (targets untouched). Windows cut
  /// from a series lose their `windowSource`, whose series was not scaled.
  public func apply(_ d: Dataset) throws -> Dataset {
    var out = d
    out.x = try apply(to: d.x)
    out.windowSource = nil
    return out
  }

  /// A feature tensor (N, features…) scaled by the fitted statistics.
  public func apply(to x: Tensor) throws -> Tensor {
    let width = x.shape.dropFirst().reduce(1, *)
    guard x.rank >= 1, width == offset.count else {
      throw DataError(path: nil, message: "the scaler was fitted on \(plural(offset.count, "feature")); "
        + "this data has \(plural(x.rank >= 1 ? width : 0, "feature"))")
    }
    var out = x
    let inverse = scale.map { 1 / $0 }
    out.data.withUnsafeMutableBufferPointer { p in
      guard width > 0 else { return }
      for i in 0..<p.count {
        let j = i % width
        p[i] = (p[i] - offset[j]) * inverse[j]
      }
    }
    return out
  }

  /// One line per feature for printing: name, then mean/std or min/max.
  public var summary: [(feature: String, first: Float, second: Float)] {
    let (a, b) = kind == .standardize ? (means, stds) : (mins, maxs)
    return featureNames.indices.map { (featureNames[$0], a[$0], b[$0]) }
  }
}

/// Column statistics of a (N, features…) tensor, accumulated in `Double`.
struct FeatureStatistics {
  var means: [Float]
  var stds: [Float]
  var mins: [Float]
  var maxs: [Float]

  init(_ x: Tensor) {
    let n = x.shape.first ?? 0
    let width = x.shape.dropFirst().reduce(1, *)
    var sum = [Double](repeating: 0, count: width)
    var lo = [Float](repeating: n > 0 ? .infinity : 0, count: width)
    var hi = [Float](repeating: n > 0 ? -.infinity : 0, count: width)
    x.data.withUnsafeBufferPointer { p in
      for i in 0..<(n * width) {
        let j = i % width
        sum[j] += Double(p[i])
        lo[j] = min(lo[j], p[i])
        hi[j] = max(hi[j], p[i])
      }
    }
    let mean = sum.map { n > 0 ? $0 / Double(n) : 0 }
    var squares = [Double](repeating: 0, count: width)
    x.data.withUnsafeBufferPointer { p in
      for i in 0..<(n * width) {
        let dev = Double(p[i]) - mean[i % width]
        squares[i % width] += dev * dev
      }
    }
    means = mean.map { Float($0) }
    stds = squares.map { n > 0 ? Float(($0 / Double(n)).squareRoot()) : 0 }
    mins = lo
    maxs = hi
  }
}
