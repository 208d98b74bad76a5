import Autograd

/// The cells of a CSV load as they arrive: features row-major as floats (NaN marks a missing
/// cell, since non-finite values are rejected), target cells as byte ranges. `finish()`
/// applies the missing-value policy and encodes the target.
struct CSVTable {
  let path: String
  let bytes: UnsafeBufferPointer<UInt8>
  let names: [String]
  let targetIndex: Int?
  let missing: MissingPolicy
  let header: Bool

  private var features: [Float] = []
  private var targetCells: [CSVField] = []
  private var missingCounts: [Int]
  private var rowsWithMissing: [Int] = []
  private var rows = 0

  init(path: String, bytes: UnsafeBufferPointer<UInt8>, names: [String], targetIndex: Int?,
       missing: MissingPolicy, header: Bool) {
    self.path = path
    self.bytes = bytes
    self.names = names
    self.targetIndex = targetIndex
    self.missing = missing
    self.header = header
    missingCounts = [Int](repeating: 0, count: names.count)
    features.reserveCapacity(bytes.count / 4)
  }

  /// Adds one data record that starts on `line`.
  mutating func add(_ fields: [CSVField], line: Int) throws {
    guard fields.count == names.count else {
      let reference = header ? "the header has" : "the first row has"
      throw DataError(path: path, row: line, message:
        "row has \(plural(fields.count, "field")), \(reference) \(names.count)")
    }
    var rowMissing = false
    for (column, field) in fields.enumerated() {
      let (start, end) = trimmed(field)
      let isMissing = CSVTable.isMissingToken(bytes, start, end)
      if column == targetIndex {
        if isMissing { rowMissing = true; try missingTarget(line: line, column: column) }
        targetCells.append(field)
        continue
      }
      if isMissing {
        try missingFeature(line: line, column: column)
        rowMissing = true
        features.append(.nan)
        continue
      }
      features.append(try number(start, end, line: line, column: column))
    }
    if rowMissing { rowsWithMissing.append(rows) }
    rows += 1
  }

  /// The cell's value, or an error saying why it is not a usable float32.
  private func number(_ start: Int, _ end: Int, line: Int, column: Int) throws -> Float {
    switch FloatParser.parse(bytes, start, end) {
    case .value(let v): return v
    case .notANumber: throw cellError(line, column, "'\(text(start, end))' is not a number")
    case .notFinite: throw cellError(line, column, "'\(text(start, end))' is not a finite number")
    case .outOfRange: throw cellError(line, column, "'\(text(start, end))' is too large for float32")
    }
  }

  private mutating func missingFeature(line: Int, column: Int) throws {
    if missing == .error {
      throw cellError(line, column,
                      "missing value; fill or remove this cell (or its row) and load the file again")
    }
    missingCounts[column] += 1
  }

  private func missingTarget(line: Int, column: Int) throws {
    if missing != .drop {
      throw cellError(line, column, "missing target value; fill it in or remove the row, then load the file again")
    }
  }

  private func cellError(_ line: Int, _ column: Int, _ message: String) -> DataError {
    DataError(path: path, row: line, column: column + 1, columnName: names[column],
              message: message)
  }

  /// The field's content bounds without surrounding blanks (quoted content may have some).
  private func trimmed(_ f: CSVField) -> (Int, Int) { CSVTable.trimmed(f, bytes) }

  /// `f`'s content bounds in `bytes` without surrounding blanks.
  static func trimmed(_ f: CSVField, _ bytes: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
    var start = f.start
    var end = f.end
    while start < end, CSVTable.isSpace(bytes[start]) { start += 1 }
    while end > start, CSVTable.isSpace(bytes[end - 1]) { end -= 1 }
    return (start, end)
  }

  /// Space, tab, or a line end inside quotes.
  private static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }

  /// The cell's text for an error message: at most 40 bytes, control characters escaped.
  private func text(_ start: Int, _ end: Int) -> String {
    let shown = CSVField(start: start, end: min(end, start + 40), quoted: false,
                         hasEscapedQuote: false).text(in: bytes)
    let escaped = shown.unicodeScalars.map { c -> String in
      switch c {
      case "\n": return "\\n"
      case "\r": return "\\r"
      case "\t": return "\\t"
      default: return c.value < 32 ? "\\u{\(String(c.value, radix: 16))}" : String(c)
      }
    }.joined()
    return end - start > 40 ? escaped + "…" : escaped
  }

  /// Empty, `NA`, `N/A`, `nan` or `null`, in any case (compared byte by byte).
  static func isMissingToken(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    let n = end - start
    if n <= 0 { return true }
    guard n >= 2, n <= 4, p[start] | 0x20 == UInt8(ascii: "n") else { return false }
    func lower(_ k: Int) -> UInt8 { p[start + k] | 0x20 }
    switch n {
    case 2: return lower(1) == UInt8(ascii: "a")
    case 3:
      return (lower(1) == UInt8(ascii: "a") && lower(2) == UInt8(ascii: "n"))
        || (p[start + 1] == UInt8(ascii: "/") && lower(2) == UInt8(ascii: "a"))
    default:
      return lower(1) == UInt8(ascii: "u") && lower(2) == UInt8(ascii: "l")
        && lower(3) == UInt8(ascii: "l")
    }
  }

  // MARK: - Assembly

  /// Applies the missing-value policy, encodes the target and builds the dataset.
  mutating func finish() throws -> (Dataset, LoadReport) {
    guard rows > 0 else { throw DataError(path: path, message: "no data rows after the header") }
    let featureNames = names.indices.filter { $0 != targetIndex }.map { names[$0] }
    let width = featureNames.count
    var report = LoadReport(rowsRead: rows, rowsDropped: 0, missingFilled: [], labelMapping: [])
    if missing == .drop, !rowsWithMissing.isEmpty { dropMissingRows(width: width, &report) }
    if missing == .mean || missing == .zero { try fillMissing(width: width, &report) }
    let count = rows - report.rowsDropped
    if count == 0 {
      throw DataError(path: path, message:
        "every one of the \(plural(rows, "row")) has a missing value; nothing is left after missing=drop")
    }
    let x = Tensor(shape: [count, width], data: features)
    var y: Tensor?
    var classNames: [String]?
    var targetName: String?
    if let targetIndex {
      targetName = names[targetIndex]
      let encoded = encodeTarget()
      y = Tensor(shape: [count], data: encoded.values)
      classNames = encoded.classNames
      if encoded.mapped {
        report.labelMapping = encoded.classNames.map { $0.enumerated().map { ($1, $0) } } ?? []
      }
    }
    let dataset = Dataset(unchecked: x, y: y, featureNames: featureNames, targetName: targetName,
                          classNames: classNames)
    return (dataset, report)
  }

  /// Removes the rows listed in `rowsWithMissing` (ascending) from features and target.
  private mutating func dropMissingRows(width: Int, _ report: inout LoadReport) {
    var keptFeatures: [Float] = []
    keptFeatures.reserveCapacity(features.count)
    var keptTargets: [CSVField] = []
    var next = 0
    for row in 0..<rows {
      if next < rowsWithMissing.count, rowsWithMissing[next] == row { next += 1; continue }
      keptFeatures.append(contentsOf: features[(row * width)..<((row + 1) * width)])
      if targetIndex != nil { keptTargets.append(targetCells[row]) }
    }
    features = keptFeatures
    targetCells = keptTargets
    report.rowsDropped = rowsWithMissing.count
  }

  /// Replaces NaN cells column by column with the column mean (or zero).
  private mutating func fillMissing(width: Int, _ report: inout LoadReport) throws {
    let featureColumns = names.indices.filter { $0 != targetIndex }
    for (j, column) in featureColumns.enumerated() where missingCounts[column] > 0 {
      var sum = 0.0
      var present = 0
      for row in 0..<rows where !features[row * width + j].isNaN {
        sum += Double(features[row * width + j])
        present += 1
      }
      if missing == .mean, present == 0 {
        throw DataError(path: path, column: column + 1, columnName: names[column],
                        message: "every value is missing, so there is no mean to fill with")
      }
      let value: Float = missing == .mean ? Float(sum / Double(present)) : 0
      for row in 0..<rows where features[row * width + j].isNaN { features[row * width + j] = value }
      report.missingFilled.append(
        MissingFill(column: names[column], count: missingCounts[column], value: value))
    }
  }

  private func encodeTarget() -> (values: [Float], classNames: [String]?, mapped: Bool) {
    CSVTable.encodeTarget(targetCells, bytes)
  }

  /// Text labels → indices in sorted label order; whole numbers (few distinct values, written
  /// without a decimal point) → classes likewise, unless they already are 0…K-1 (`mapped` is
  /// then false); other numbers as they are.
  static func encodeTarget(_ cells: [CSVField], _ bytes: UnsafeBufferPointer<UInt8>)
    -> (values: [Float], classNames: [String]?, mapped: Bool)
  {
    var values: [Float] = []
    values.reserveCapacity(cells.count)
    var integers = true
    for cell in cells {
      let (start, end) = trimmed(cell, bytes)
      guard case .value(let v) = FloatParser.parse(bytes, start, end) else {
        let labels = encodeLabels(cells, bytes)
        return (labels.values, labels.classNames, true)
      }
      if integers && !LabelEncoding.isWrittenAsInteger(bytes, start, end) { integers = false }
      values.append(v)
    }
    if integers, let classes = LabelEncoding.classes(values) {
      return (classes.values, classes.names, classes.mapped)
    }
    return (values, nil, false)
  }

  private static func encodeLabels(_ cells: [CSVField], _ bytes: UnsafeBufferPointer<UInt8>)
    -> (values: [Float], classNames: [String]?)
  {
    let labels = cells.map { cell -> String in
      cell.quoted ? cell.text(in: bytes) : cell.text(in: bytes).trimmingBlanks()
    }
    let sorted = Array(Set(labels)).sorted()
    var index: [String: Int] = [:]
    for (i, label) in sorted.enumerated() { index[label] = i }
    return (labels.map { Float(index[$0] ?? 0) }, sorted)
  }
}
