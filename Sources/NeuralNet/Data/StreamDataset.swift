import Autograd

/// A dataset too large for memory: a file read in blocks on every pass, never held whole.
///
/// A split part keeps the rows whose hashed row number falls in its share (`selections`), so
/// parts never overlap and need no index list; `standardize` composes an affine scaling that is
/// applied as rows are read. Batches come from `StreamBatches`, whose background reader keeps a
/// few blocks ahead of training.
public struct StreamDataset: Sendable {
  /// The file, read again on every pass.
  public let source: any RowSource
  /// The file name as the user wrote it (for messages).
  public let name: String
  /// Rows in the whole file.
  public let fileRows: Int
  /// The shape of one sample's features.
  public var featureShape: [Int]
  /// One name per feature.
  public var featureNames: [String]
  /// The target column's name, when it came from a named column.
  public var targetName: String?
  /// Class labels in index order, for text (or mapped) labels.
  public var classNames: [String]?
  /// Kept rows: every selection must accept a row's number.
  public var selections: [RowSelection] = []
  /// `(x − offset) / scale` per feature, applied as rows are read; nil for raw values.
  public var scaling: (offset: [Float], scale: [Float])?
  /// Rows of the seeded shuffle buffer `fit` draws batches from (`load … buffer=ROWS`).
  public var bufferRows = 10_000
  /// Rows kept by the selections (computed once, by hashing every row number).
  public private(set) var count: Int
  /// What the load did with missing cells (`missing=`): counts, fills, dropped rows.
  public var loadReport: LoadReport?

  init(source: any RowSource, name: String, fileRows: Int, featureShape: [Int],
       featureNames: [String], targetName: String?, classNames: [String]?) {
    self.source = source
    self.name = name
    self.fileRows = fileRows
    self.featureShape = featureShape
    self.featureNames = featureNames
    self.targetName = targetName
    self.classNames = classNames
    count = fileRows
  }

  /// Whether the rows have targets.
  public var hasTarget: Bool { source.targetWidth > 0 }

  /// Feature values per sample.
  public var featureCount: Int { source.width }

  /// Whether row `r` (0-based in the file) belongs to this dataset.
  @inline(__always)
  public func keeps(_ r: Int) -> Bool {
    for s in selections where !s.accepts(r) { return false }
    return true
  }

  /// One line for the REPL: `4,000,000 rows × 32 features (streamed from big.csv), target 'y' (2 classes)`.
  public var describe: String {
    var out = "\(plural(count, "row")) × "
      + (featureShape.count == 1 ? plural(featureCount, "feature") : featureShape.map(String.init).joined(separator: "×") + " features")
      + " (streamed from \(name))"
    guard hasTarget else { return out + ", no target" }
    let t = targetName.map { "target '\($0)'" } ?? "target"
    if let classNames { out += ", \(t) (\(classNames.count == 1 ? "1 class" : "\(classNames.count) classes"))" }
    else { out += ", \(t)" }
    return out
  }

  /// Parts of the rows with the given fractions (summing to at most 1), chosen by a seeded
  /// hash of the row number: the same seed gives the same parts on every pass.
  public func split(fractions: [Double], seed: UInt64) throws -> [StreamDataset] {
    let weights = try Split.partWeights(fractions)
    var parts: [StreamDataset] = []
    var lo = 0.0
    for w in weights {
      var part = self
      let hi = lo + w
      part.selections.append(RowSelection(seed: seed, lower: lo, upper: hi))
      part.count = (0..<fileRows).reduce(0) { $0 + (part.keeps($1) ? 1 : 0) }
      guard part.count > 0 else {
        throw DataError(path: name, message: "a split part of \(w) of \(plural(count, "row")) is empty")
      }
      parts.append(part)
      lo = hi
    }
    return parts
  }

  /// Scales features by `(x − offset) / scale` after any scaling already applied.
  public mutating func compose(offset: [Float], scale: [Float]) {
    guard let (o1, s1) = scaling else { scaling = (offset, scale); return }
    scaling = (zip(zip(o1, s1), offset).map { $0.0 + $1 * $0.1 }, zip(s1, scale).map { $0 * $1 })
  }

  /// Mean and population std per feature over the kept rows, in one pass (shifted sums in
  /// `Double`, shifted by the first row so large offsets do not cancel).
  public func statistics() throws -> (means: [Float], stds: [Float]) {
    let w = featureCount
    var shift: [Double]?
    var sum = [Double](repeating: 0, count: w), squares = [Double](repeating: 0, count: w)
    var n = 0
    try forEachRow { x, _ in
      if shift == nil { shift = x.map(Double.init) }
      guard let k = shift else { return }
      for j in 0..<w {
        let d = Double(x[j]) - k[j]
        sum[j] += d
        squares[j] += d * d
      }
      n += 1
    }
    guard n > 0, let k = shift else { throw DataError(path: name, message: "no rows to compute statistics on") }
    let means = (0..<w).map { k[$0] + sum[$0] / Double(n) }
    let stds = (0..<w).map { j in
      (Swift.max(0, squares[j] / Double(n) - (sum[j] / Double(n)) * (sum[j] / Double(n)))).squareRoot()
    }
    return (means.map { Float($0) }, stds.map { Float($0) })
  }

  /// Calls `body` with every kept row's (scaled) features and target values, in file order,
  /// on the calling thread.
  public func forEachRow(_ body: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) throws -> Void) throws {
    let w = featureCount, tw = source.targetWidth
    var row = [Float](repeating: 0, count: w)
    try source.read(blockRows: 4096) { block in
      try block.x.withUnsafeBufferPointer { xs in
        try block.y.withUnsafeBufferPointer { ys in
          for k in 0..<block.rows where keeps(block.firstRow + k) {
            for j in 0..<w { row[j] = xs[k * w + j] }
            applyScaling(&row)
            try row.withUnsafeBufferPointer { r in
              try body(r, UnsafeBufferPointer(rebasing: ys[(k * tw)..<(k * tw + tw)]))
            }
          }
        }
      }
      return true
    }
  }

  @inline(__always)
  func applyScaling(_ row: inout [Float]) {
    guard let (o, s) = scaling else { return }
    for j in row.indices { row[j] = (row[j] - o[j]) / s[j] }
  }
}

/// Keeps the rows whose hashed number falls in `[lower, upper)` of the unit interval.
public struct RowSelection: Sendable, Equatable {
  public var seed: UInt64
  public var lower: Double
  public var upper: Double

  /// Whether row `r` is in the share.
  @inline(__always)
  public func accepts(_ r: Int) -> Bool {
    let u = Double(RowSelection.mix(seed ^ UInt64(truncatingIfNeeded: r)) >> 11) * 0x1p-53
    return u >= lower && (u < upper || upper >= 1)
  }

  /// SplitMix64's finaliser: a well-spread 64-bit hash.
  @inline(__always)
  static func mix(_ v: UInt64) -> UInt64 {
    var z = v &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension StreamDataset {
  /// Streams `path`: a CSV file (one survey pass counts the rows, checks their field counts and
  /// collects text labels), or a `.npy` / IDX array mapped into memory, with an optional labels
  /// file (read whole: one number per sample). With `missing` (a CSV's `missing=` rules), the
  /// survey also counts the missing cells, takes the means it fills with, and the rows a
  /// missing cell drops; each pass then fills or skips them as it reads.
  public static func open(path: String, name: String, target: TargetSpec, header: Bool,
                          labels: String?, missing: CSVOptions? = nil) throws -> StreamDataset {
    if let format = ArrayDataset.format(of: path) {
      if missing != nil {
        throw DataError(path: path, message: "missing= applies to CSV files; an array file has no missing cells")
      }
      var y: [Float]?
      var classNames: [String]?
      if let labels {
        let t = try ArrayDataset.array(path: labels, format: ArrayDataset.format(of: labels) ?? .npy)
        if let classes = LabelEncoding.classes(t.data) {
          y = classes.values
          classNames = classes.names
        } else {
          y = t.data
        }
      }
      let source = try MappedArraySource(path: path, format: format, labels: y)
      var shape = Array(source.shape.dropFirst())
      if shape.isEmpty { shape = [1] }
      if shape.count == 2 { shape.append(1) }
      return StreamDataset(source: source, name: name, fileRows: source.rows, featureShape: shape,
                           featureNames: (0..<source.width).map { "f\($0 + 1)" },
                           targetName: nil, classNames: classNames)
    }
    let (source, survey) = try CSVRowSource.survey(path: path, header: header, target: target,
                                                   missing: missing)
    var features = survey.names
    var targetName: String?
    if let t = source.targetIndex { targetName = features.remove(at: t) }
    var stream = StreamDataset(source: source, name: name, fileRows: survey.rows,
                               featureShape: [source.width], featureNames: features,
                               targetName: targetName, classNames: survey.classNames)
    stream.loadReport = survey.report
    return stream
  }
}
