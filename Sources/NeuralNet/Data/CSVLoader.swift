/// Which CSV column holds the target.
public enum TargetSpec: Sendable, Equatable {
  /// The column with this header name (or `colN` for a file without a header).
  case named(String)
  /// The last column.
  case last
  /// No target: every column is a feature.
  case none
}

/// What to do with missing values: empty fields and `NA`, `N/A`, `NaN`, `?`, `null` (any case).
public enum MissingPolicy: String, Sendable, CaseIterable {
  /// Stop with an error naming the row and column (the default).
  case error
  /// Drop every row with a missing feature or target.
  case drop
  /// Keep missing features as NaN, to be filled later (`impute`) from the training part only.
  case keep
  /// Fill a missing feature with its column's mean over the present values.
  case mean
  /// Fill a missing feature with its column's median over the present values.
  case median
  /// Fill a missing feature with zero.
  case zero
}

/// How a CSV load reads its cells beyond the target: missing values and categorical columns.
public struct CSVOptions: Sendable {
  /// The policy for columns without a rule of their own.
  public var missing: MissingPolicy
  /// `missing=VALUE`: fill every missing feature with this constant (overrides `missing`).
  public var fillValue: Float?
  /// Per-column fills, by header name (`missing=[age=median, income=0]`).
  public var columnFills: [String: Imputation]
  /// String feature columns to one-hot encode, by header name.
  public var categorical: [String]
  /// Categories fixed in advance (from a training set or a model): a column named here is
  /// encoded with exactly these categories, and a value outside them is an error.
  public var knownCategories: CategoryEncoding?

  /// Options for a load.
  public init(missing: MissingPolicy = .error, fillValue: Float? = nil,
              columnFills: [String: Imputation] = [:], categorical: [String] = [],
              knownCategories: CategoryEncoding? = nil) {
    self.missing = missing
    self.fillValue = fillValue
    self.columnFills = columnFills
    self.categorical = categorical
    self.knownCategories = knownCategories
  }

  /// The fill of the columns without a rule of their own, if the policy fills.
  var defaultFill: Imputation? {
    if let fillValue { return .value(fillValue) }
    switch missing {
    case .mean: return .mean
    case .median: return .median
    case .zero: return .zero
    case .error, .drop, .keep: return nil
    }
  }
}

/// How many missing values of one column were filled, and with what.
public struct MissingFill: Sendable, Equatable {
  /// The column's header name.
  public var column: String
  /// Number of cells filled.
  public var count: Int
  /// The value they were filled with.
  public var value: Float
}

/// What a CSV load did, for the REPL to print.
public struct LoadReport: Sendable {
  /// Data rows read from the file (not counting the header and blank lines).
  public var rowsRead: Int
  /// Rows dropped under `MissingPolicy.drop`.
  public var rowsDropped: Int
  /// Columns whose missing values were filled (`.mean` / `.zero`), in column order.
  public var missingFilled: [MissingFill]
  /// Text label → class index, sorted by label, when the target column held text.
  public var labelMapping: [(String, Int)]
  /// Missing cells per column, for the columns that have any, in file order.
  public var missingCounts: [(column: String, count: Int)] = []
  /// The one-hot encoding of the categorical columns, when there are any.
  public var categories: CategoryEncoding?
}

/// Loads a CSV file (header row, comma-separated, RFC 4180 quoting) into a `Dataset`.
///
/// The whole file is read as bytes and parsed in place: fields are byte ranges and numbers are
/// parsed from the bytes, so no `String` is made per field.
public enum CSVLoader {
  /// Loads `path`. Feature columns must be numeric; a text target column is mapped to class
  /// indices in sorted label order (reported in `LoadReport.labelMapping`), a numeric one is
  /// used as is. Errors carry the line, the column and its name.
  public static func load(path: String, target: TargetSpec, header: Bool = true,
                          missing: MissingPolicy = .error) throws -> (Dataset, LoadReport) {
    try load(bytes: FileBytes.read(path), path: path, target: target, header: header,
             options: CSVOptions(missing: missing))
  }

  /// Loads `path` with missing-value rules and categorical columns (`options`).
  public static func load(path: String, target: TargetSpec, header: Bool = true,
                          options: CSVOptions) throws -> (Dataset, LoadReport) {
    try load(bytes: FileBytes.read(path), path: path, target: target, header: header,
             options: options)
  }

  /// Parses `bytes` as the contents of the CSV file `path` (named in errors only): the
  /// in-memory entry point behind `load(path:…)`, used by the fuzz targets and tests.
  static func load(bytes: [UInt8], path: String, target: TargetSpec, header: Bool = true,
                   missing: MissingPolicy = .error) throws -> (Dataset, LoadReport) {
    try load(bytes: bytes, path: path, target: target, header: header,
             options: CSVOptions(missing: missing))
  }

  /// The in-memory entry point with full options.
  static func load(bytes: [UInt8], path: String, target: TargetSpec, header: Bool = true,
                   options: CSVOptions) throws -> (Dataset, LoadReport) {
    try bytes.withUnsafeBufferPointer { buffer in
      try TextCheck.check(buffer, path: path)
      var reader = CSVReader(path: path, bytes: buffer, target: target, header: header,
                             options: options)
      return try reader.run()
    }
  }
}

/// One load in progress: header handling and the record loop. Cell storage and the final
/// assembly live in `CSVTable`.
struct CSVReader {
  let path: String
  let bytes: UnsafeBufferPointer<UInt8>
  let target: TargetSpec
  let header: Bool
  let options: CSVOptions

  init(path: String, bytes: UnsafeBufferPointer<UInt8>, target: TargetSpec, header: Bool,
       options: CSVOptions) {
    self.path = path
    self.bytes = bytes
    self.target = target
    self.header = header
    self.options = options
  }

  /// Reads every record and assembles the dataset.
  mutating func run() throws -> (Dataset, LoadReport) {
    var scanner = CSVScanner(bytes)
    var fields: [CSVField] = []
    guard let firstLine = try scan(&scanner, &fields) else {
      throw DataError(path: path, message: "file is empty")
    }
    let names = header
      ? fields.enumerated().map { i, f in columnName(f.text(in: bytes), index: i) }
      : (0..<fields.count).map { "col\($0 + 1)" }
    let targetIndex = try resolveTarget(names)
    let columns = try CSVColumnPlan(names: names, targetIndex: targetIndex, options: options,
                                    path: path)
    var table = CSVTable(path: path, bytes: bytes, names: names, targetIndex: targetIndex,
                         plan: columns, header: header)
    if !header { try table.add(fields, line: firstLine) }
    // Plain numeric records take the fast path; categorical columns (whose cells may look like
    // numbers) and every other record take the general one.
    let plain = !columns.categorical.contains(true)
    let width = names.count - (targetIndex == nil ? 0 : 1)
    let values = UnsafeMutablePointer<Float>.allocate(capacity: max(1, names.count))
    defer { values.deallocate() }
    while true {
      if plain, let record = scanner.nextPlainNumeric(columns: names.count, target: targetIndex, into: values) {
        table.addPlain(UnsafeBufferPointer(start: values, count: width), target: record.target)
        continue
      }
      guard let line = try scan(&scanner, &fields) else { break }
      try table.add(fields, line: line)
    }
    return try table.finish()
  }

  /// The next record, with scanner errors turned into located `DataError`s.
  private func scan(_ scanner: inout CSVScanner, _ fields: inout [CSVField]) throws -> Int? {
    do {
      return try scanner.next(into: &fields)
    } catch {
      throw DataError(path: path, row: error.line, column: error.column, message: error.message)
    }
  }

  /// A header name, trimmed; blank names become `colN`.
  private func columnName(_ raw: String, index: Int) -> String {
    let trimmed = raw.trimmingBlanks()
    return trimmed.isEmpty ? "col\(index + 1)" : trimmed
  }

  /// The target column's index (nil for `.none`), or an error with a suggestion.
  private func resolveTarget(_ names: [String]) throws -> Int? {
    let index: Int?
    switch target {
    case .none: return nil
    case .last: index = names.count - 1
    case .named(let name):
      let matches = names.indices.filter { names[$0] == name }
      if matches.count > 1 {
        let where_ = matches.map { String($0 + 1) }.joined(separator: ", ")
        throw DataError(path: path, message:
          "target column '\(name)' is ambiguous: it names columns \(where_)")
      }
      guard let only = matches.first else {
        throw DataError(path: path, message: "target column '\(name)' not found; "
          + NameSuggestion.hint(for: name, in: names))
      }
      index = only
    }
    if names.count == 1, let index {
      throw DataError(path: path, message:
        "no feature columns: the only column, '\(names[index])', is the target")
    }
    return index
  }
}

extension String {
  /// The string without leading and trailing spaces and tabs.
  func trimmingBlanks() -> String {
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
          let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
    return String(scalars[first...last])
  }
}
