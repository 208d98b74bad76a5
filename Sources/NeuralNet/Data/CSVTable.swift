import Autograd

/// The cells of a CSV load as they arrive: features row-major as floats (NaN marks a missing
/// cell, since non-finite values are rejected; a categorical cell holds its category's code),
/// target cells as byte ranges. `finish()` applies the missing-value rules, one-hot encodes the
/// categorical columns and encodes the target.
struct CSVTable {
  let path: String
  let bytes: UnsafeBufferPointer<UInt8>
  let names: [String]
  let targetIndex: Int?
  let plan: CSVColumnPlan
  let header: Bool

  var features: [Float] = []
  private var targetCells: [CSVField] = []
  private(set) var missingCounts: [Int]
  private var rowsWithMissing: [Int] = []
  var rows = 0
  /// Per file column: the category codes of a categorical column.
  var codes: [CategoryCodes?]

  init(path: String, bytes: UnsafeBufferPointer<UInt8>, names: [String], targetIndex: Int?,
       plan: CSVColumnPlan, header: Bool) {
    self.path = path
    self.bytes = bytes
    self.names = names
    self.targetIndex = targetIndex
    self.plan = plan
    self.header = header
    missingCounts = [Int](repeating: 0, count: names.count)
    codes = names.indices.map { plan.categorical[$0] ? CategoryCodes(known: plan.known[$0]) : nil }
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
        if try missingFeature(line: line, column: column) { rowMissing = true }
        features.append(.nan)
        continue
      }
      if plan.categorical[column] {
        features.append(try category(field, line: line, column: column))
        continue
      }
      features.append(try number(start, end, line: line, column: column))
    }
    if rowMissing { rowsWithMissing.append(rows) }
    rows += 1
  }

  /// Adds one record read by `CSVScanner.nextPlainNumeric`: its feature values and its target
  /// cell (nil without a target column); it has no missing cells.
  mutating func addPlain(_ values: UnsafeBufferPointer<Float>, target: CSVField?) {
    features.append(contentsOf: values)
    if let target { targetCells.append(target) }
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

  /// Counts a missing feature cell; true when its row is to be dropped.
  private mutating func missingFeature(line: Int, column: Int) throws -> Bool {
    if plan.onMissing[column] == .error {
      throw cellError(line, column, "missing value; fill or remove this cell (or its row) and load "
        + "the file again, or load with missing=drop|keep|mean|median|zero|VALUE")
    }
    missingCounts[column] += 1
    return plan.onMissing[column] == .drop
  }

  /// The code of a categorical cell; an error for a category outside fixed categories.
  private mutating func category(_ field: CSVField, line: Int, column: Int) throws -> Float {
    let name = field.quoted ? field.text(in: bytes) : field.text(in: bytes).trimmingBlanks()
    guard let code = codes[column]?.code(name) else {
      let known = codes[column]?.names ?? []
      throw cellError(line, column, "unknown category '\(name)': the encoding has "
        + known.map { "'\($0)'" }.joined(separator: ", "))
    }
    return Float(code)
  }

  private func missingTarget(line: Int, column: Int) throws {
    if !plan.dropsMissingTargets {
      throw cellError(line, column, "missing target value; fill it in or remove the row, then load the file again")
    }
  }

  func cellError(_ line: Int, _ column: Int, _ message: String) -> DataError {
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

  /// Empty, `?`, `NA`, `N/A`, `nan` or `null`, in any case (compared byte by byte).
  static func isMissingToken(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    let n = end - start
    if n <= 0 { return true }
    if n == 1 { return p[start] == UInt8(ascii: "?") }
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

  /// Applies the missing-value rules, one-hot encodes, encodes the target and builds the
  /// dataset.
  mutating func finish() throws -> (Dataset, LoadReport) {
    guard rows > 0 else { throw DataError(path: path, message: "no data rows after the header") }
    let width = names.count - (targetIndex == nil ? 0 : 1)
    var report = LoadReport(rowsRead: rows, rowsDropped: 0, missingFilled: [], labelMapping: [])
    report.missingCounts = names.indices.filter { missingCounts[$0] > 0 }
      .map { (names[$0], missingCounts[$0]) }
    if !rowsWithMissing.isEmpty { dropMissingRows(width: width, &report) }
    let count = rows - report.rowsDropped
    if count == 0 {
      throw DataError(path: path, message:
        "every one of the \(plural(rows, "row")) has a missing value; nothing is left after missing=drop")
    }
    rows = count
    let fills = try fillValues(width: width, &report)
    let (x, featureNames, encoding) = oneHot(width: width)
    report.categories = encoding
    var y: Tensor?
    var classNames: [String]?
    var targetName: String?
    if let targetIndex {
      targetName = names[targetIndex]
      let encoded = encodeTarget()
      // Text labels only: a numeric target of one value may be a regression target.
      if let classes = encoded.classNames, classes.count == 1, Float(classes[0]) == nil {
        throw DataError(path: path, column: targetIndex + 1, columnName: names[targetIndex], message:
          "the target holds one class ('\(classes[0])') in all \(plural(count, "row")); a classifier needs two or more")
      }
      y = Tensor(shape: [count], data: encoded.values)
      classNames = encoded.classNames
      if encoded.mapped {
        report.labelMapping = encoded.classNames.map { $0.enumerated().map { ($1, $0) } } ?? []
      }
    }
    var dataset = Dataset(unchecked: x, y: y, featureNames: featureNames, targetName: targetName,
                          classNames: classNames)
    dataset.categories = encoding
    dataset.imputer = imputer(fills, featureNames: featureNames, encoding: encoding)
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

  /// Fills the NaN cells of numeric columns that have a fill rule, returning each feature
  /// column's (rule, value) in feature order (nil without a rule).
  private mutating func fillValues(width: Int, _ report: inout LoadReport) throws
    -> [(Imputation, Float)?]
  {
    let featureColumns = names.indices.filter { $0 != targetIndex }
    let rules = plan.fills
    var out: [(Imputation, Float)?] = []
    for (j, column) in featureColumns.enumerated() {
      guard let rule = rules[column] else { out.append(nil); continue }
      var present: [Float] = []
      present.reserveCapacity(rows)
      for row in 0..<rows where !features[row * width + j].isNaN {
        present.append(features[row * width + j])
      }
      guard let value = rule.value(over: present) else {
        throw DataError(path: path, column: column + 1, columnName: names[column],
                        message: "every value is missing, so there is no \(rule) to fill with")
      }
      out.append((rule, value))
      let filled = rows - present.count
      guard filled > 0 else { continue }
      for row in 0..<rows where features[row * width + j].isNaN { features[row * width + j] = value }
      report.missingFilled.append(MissingFill(column: names[column], count: filled, value: value))
    }
    return out
  }

  /// The imputer that repeats the load's fills on new data; nil when nothing was filled by rule.
  private func imputer(_ fills: [(Imputation, Float)?], featureNames: [String],
                       encoding: CategoryEncoding?) -> Imputer? {
    guard fills.contains(where: { $0 != nil }) else { return nil }
    let featureColumns = names.indices.filter { $0 != targetIndex }
    var values: [Float?] = []
    var rules: [Imputation?] = []
    for (j, column) in featureColumns.enumerated() {
      if let c = codes[column] {
        let k = c.names.count
        values += [Float?](repeating: nil, count: k)
        rules += [Imputation?](repeating: nil, count: k)
      } else {
        values.append(fills[j]?.1)
        rules.append(fills[j]?.0)
      }
    }
    return Imputer(featureNames: featureNames, values: values, rules: rules)
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
