import Autograd

/// Sliding windows of a time series: a dataset whose rows are time steps, in order, becomes a
/// dataset of windows of `size` consecutive steps, each labelled with the value of one column
/// `horizon` steps after the window's last step (Keras' `timeseries_dataset_from_array` with
/// `targets = column[size - 1 + horizon:]`).
///
/// Window k starts at row k·stride and covers rows k·stride ..< k·stride + size; its target is
/// the column's value at row k·stride + size − 1 + horizon. A series of N rows gives
/// ⌊(N − size − horizon) / stride⌋ + 1 windows. The inputs are the series' feature columns,
/// shaped (windows, size, features); a target column of the series (`load … target=`) is not
/// among them.
public enum Windows {
  /// Most values the windows of one series may hold (2³⁰ float32, 4 GB): overlapping windows
  /// copy every row `size / stride` times.
  public static let maxValues = 1 << 30

  /// Which column the windows' targets come from.
  public enum Column: Sendable, Equatable {
    /// The series' target column if it has one, else its only feature column.
    case automatic
    /// The feature or target column with this name.
    case named(String)
  }

  /// The windows of `series`; an error when the series is too short for one window, when it
  /// is not one row of features per time step, or when `column` names no column (or is left
  /// out on a series of several features and no target).
  public static func make(_ series: Dataset, size: Int, horizon: Int, column: Column = .automatic,
                          stride: Int = 1) throws -> Dataset {
    guard size >= 1, horizon >= 1, stride >= 1 else {
      throw DataError(path: nil, message: "size, horizon and stride must be at least 1")
    }
    guard series.x.rank == 2 else {
      throw DataError(path: nil, message: "windows needs a series with one row of features per time step; "
        + "these rows have shape \(pythonShape(series.featureShape))")
    }
    let n = series.count
    let (need, overflow) = size.addingReportingOverflow(horizon)
    guard !overflow, n >= need else {
      throw DataError(path: nil, message: "windows of size \(size) with horizon \(horizon) need at least "
        + "\(overflow ? "more than \(Int.max)" : String(need)) rows (\(size) steps and \(horizon) after them), "
        + "but the series has \(plural(n, "row"))")
    }
    let (targets, targetName, classNames) = try targetColumn(series, column)
    let count = (n - need) / stride + 1
    let features = series.featureCount
    let (perWindow, o1) = size.multipliedReportingOverflow(by: features)
    let (total, o2) = perWindow.multipliedReportingOverflow(by: count)
    guard !o1, !o2, total <= maxValues else {
      throw DataError(path: nil, message: "\(plural(count, "window")) of \(size) steps × \(plural(features, "feature")) "
        + "would hold more than \(maxValues) values; use a larger stride= or a smaller size=")
    }
    let starts = (0..<count).map { $0 * stride }
    var x = [Float](repeating: 0, count: count * size * features)
    var y = [Float](repeating: 0, count: count)
    series.x.data.withUnsafeBufferPointer { src in
      x.withUnsafeMutableBufferPointer { dst in
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        for (k, start) in starts.enumerated() {
          (d + k * size * features).update(from: s + start * features, count: size * features)
        }
      }
    }
    for (k, start) in starts.enumerated() { y[k] = targets[start + size - 1 + horizon] }
    let names = (0..<size).flatMap { t in series.featureNames.map { "\($0)[\(t)]" } }
    let source = WindowSource(series: series.x, starts: starts, size: size, horizon: horizon)
    return Dataset(unchecked: Tensor(shape: [count, size, features], data: x),
                   y: Tensor(shape: [count], data: y), featureNames: names, targetName: targetName,
                   classNames: classNames, windowSource: source)
  }

  /// The values of the target column, its name, and its class names (for the series' own
  /// target column).
  static func targetColumn(_ d: Dataset, _ column: Column) throws -> ([Float], String, [String]?) {
    let width = d.featureCount
    func feature(_ j: Int) -> [Float] { (0..<d.count).map { d.x.data[$0 * width + j] } }
    switch column {
    case .automatic:
      if let y = d.y {
        guard y.rank == 1 else { throw severalTargets(d, y) }
        return (y.data, d.targetName ?? "target", d.classNames)
      }
      guard width == 1, let name = d.featureNames.first else {
        throw DataError(path: nil, message: "the series has \(plural(width, "column")) and no target; "
          + "name the one to predict with column=NAME (the columns are "
          + d.featureNames.prefix(12).map { "'\($0)'" }.joined(separator: ", ") + (width > 12 ? ", …" : "") + ")")
      }
      return (feature(0), name, nil)
    case .named(let name):
      if let target = d.targetName, target == name, let y = d.y {
        guard y.rank == 1 else { throw severalTargets(d, y) }
        return (y.data, name, d.classNames)
      }
      if let j = d.featureNames.firstIndex(of: name) { return (feature(j), name, nil) }
      let all = d.featureNames + (d.y != nil ? [d.targetName].compactMap { $0 } : [])
      throw DataError(path: nil, message: "column '\(name)' not found; " + NameSuggestion.hint(for: name, in: all))
    }
  }

  static func severalTargets(_ d: Dataset, _ y: Tensor) -> DataError {
    DataError(path: nil, message: "the series' target has \(y.shape.last ?? 0) values per row; "
      + "windows predicts one column: name it with column=NAME")
  }
}

/// Where the windows of a dataset made by `Windows.make` lie in their series: what `generate`
/// needs to draw the true continuation after a window.
public struct WindowSource: Sendable {
  /// The series' features, (rows, features), as they were when the windows were cut.
  public let series: Tensor
  /// The first row of each window, one per sample of the windowed dataset.
  public let starts: [Int]
  /// Steps per window.
  public let size: Int
  /// How far after a window's last step its target lies.
  public let horizon: Int

  /// The source of the samples at `indices` (in `0..<starts.count`).
  func subset(_ indices: [Int]) -> WindowSource {
    WindowSource(series: series, starts: indices.map { starts[$0] }, size: size, horizon: horizon)
  }

  /// The rows of the series from the start of window `sample` on: its `size` steps and up to
  /// `after` steps that follow (fewer at the end of the series), each row one time step's
  /// features. Nil for an index out of range.
  public func rows(ofWindow sample: Int, after: Int) -> [[Float]]? {
    guard sample >= 0, sample < starts.count, series.rank == 2 else { return nil }
    let rows = series.shape[0], width = series.shape[1]
    let start = starts[sample]
    let end = min(rows, start + size + max(0, after))
    guard start < end else { return nil }
    return (start..<end).map { r in Array(series.data[(r * width)..<((r + 1) * width)]) }
  }
}
