#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A block of consecutive data rows read from a streamed file.
public struct RowBlock: Sendable {
  /// Features, `rows × width` values in row order.
  public var x: [Float]
  /// Targets, `rows × targetWidth` values (empty without a target).
  public var y: [Float]
  /// Rows in the block.
  public var rows: Int
  /// 0-based index (among the file's data rows) of the block's first row.
  public var firstRow: Int
}

/// A file read front to back in blocks of rows, never whole: the source behind a
/// `StreamDataset`. `read` may be called again for every pass (epoch).
public protocol RowSource: Sendable {
  /// Feature values per row.
  var width: Int { get }
  /// Target values per row (0 without a target, else 1).
  var targetWidth: Int { get }
  /// Calls `body` with blocks of at most `blockRows` rows, in file order, until the file ends
  /// or `body` returns false. Bad data is a `DataError` naming the file and the row.
  func read(blockRows: Int, _ body: (RowBlock) throws -> Bool) throws
}

/// What a survey pass over a CSV file found: row count and the kind of target.
struct CSVSurvey: Sendable {
  var names: [String]
  /// Data rows kept (not dropped under missing=drop).
  var rows: Int
  /// Sorted text labels when the target column holds text; nil for a numeric target.
  var classNames: [String]?
  /// Missing cells, dropped rows and fills, when the load named a missing= rule.
  var report: LoadReport?
}

/// The survey's part of `load … stream=true missing=…`: per file column, what a missing cell
/// does (`CSVColumnPlan`), how many there are, and the running sum of the present values of
/// the columns filled with their mean (over the rows that are kept).
private final class StreamMissingSurvey {
  let plan: CSVColumnPlan
  let targetIndex: Int?
  var counts: [Int]
  var sums: [Double]
  var present: [Int]
  var dropped = 0
  var rowsRead = 0
  /// The feature columns filled with their mean.
  let meanColumns: [Int]

  init(plan: CSVColumnPlan, columns: Int, targetIndex: Int?) {
    self.plan = plan
    self.targetIndex = targetIndex
    meanColumns = plan.onMissing.indices.filter { $0 != targetIndex && plan.onMissing[$0] == .fill(.mean) }
    counts = [Int](repeating: 0, count: columns)
    sums = [Double](repeating: 0, count: columns)
    present = [Int](repeating: 0, count: columns)
  }

  /// Counts one record's missing cells; false when the row is dropped. A missing cell with
  /// no rule, or a missing target without missing=drop, is a located error.
  func row(_ bytes: UnsafeBufferPointer<UInt8>, _ fields: [CSVField], line: Int,
                    names: [String], path: String) throws -> Bool {
    rowsRead += 1
    var drop = false
    for (j, f) in fields.enumerated() where CSVTable.isMissingToken(bytes, f.start, f.end) {
      counts[j] += 1
      if j == targetIndex {
        guard plan.dropsMissingTargets else {
          throw DataError(path: path, row: line, column: j + 1, columnName: names[j], message:
            "missing target value; drop such rows with missing=drop")
        }
        drop = true
        continue
      }
      switch plan.onMissing[j] {
      case .drop: drop = true
      case .fill: break
      case .error, .keep:
        throw DataError(path: path, row: line, column: j + 1, columnName: names[j], message:
          "missing value; fill such cells as the file streams (missing=mean|zero|VALUE) or drop their rows (missing=drop)")
      }
    }
    if drop { dropped += 1; return false }
    for j in meanColumns {
      let f = fields[j]
      if case .value(let v) = FloatParser.parse(bytes, f.start, f.end) {
        sums[j] += Double(v)
        present[j] += 1
      }
    }
    return true
  }

  /// The fill value per file column, and the report `load` prints.
  func finish(names: [String], path: String) throws -> ([Float?], LoadReport) {
    var fills: [Float?] = []
    var filled: [MissingFill] = []
    for j in names.indices {
      guard j != targetIndex, case .fill(let rule) = plan.onMissing[j] else { fills.append(nil); continue }
      let value: Float
      switch rule {
      case .zero: value = 0
      case .value(let v): value = v
      case .mean:
        guard present[j] > 0 else {
          throw DataError(path: path, message: "column '\(names[j])' has no values to take the mean of")
        }
        value = Float(sums[j] / Double(present[j]))
      case .median:
        throw DataError(path: path, message: "missing=median needs all of a column's values at once, which a stream never holds; use mean, zero or a number")
      }
      fills.append(value)
      if counts[j] > 0 { filled.append(MissingFill(column: names[j], count: counts[j], value: value)) }
    }
    var report = LoadReport(rowsRead: rowsRead, rowsDropped: dropped, missingFilled: filled, labelMapping: [])
    report.missingCounts = names.indices.filter { counts[$0] > 0 }.map { (names[$0], counts[$0]) }
    return (fills, report)
  }
}

/// A CSV file streamed in chunks of `chunkBytes`: each chunk is cut after its last line end
/// and split by `CSVScanner`; a record that runs past the cut (a quoted field with a line
/// break) is carried over to the next chunk. Numbers are parsed by `FloatParser`.
public struct CSVRowSource: RowSource {
  public let path: String
  public let header: Bool
  /// Column names (header names, or `colN`).
  public let names: [String]
  /// The target column's index, or nil.
  public let targetIndex: Int?
  /// Text label → class index, when the target holds text.
  public let classes: [String: Int]?
  /// Whole-number label → class index, when the target's numbers are classes that are not
  /// already 0…K-1 (as `LabelEncoding` maps them in memory).
  var numericClasses: [Float: Float]?
  /// Bytes read per system call and initial chunk size.
  public var chunkBytes = 1 << 22
  /// The fill of a missing cell, per file column (`load … stream=true missing=…`; the mean is
  /// taken in the survey pass); nil where a missing cell is an error or drops its row.
  var fills: [Float?] = []
  /// Whether a row with a missing cell that has no fill (or a missing target) is skipped.
  var dropsMissing = false

  public var width: Int { names.count - (targetIndex == nil ? 0 : 1) }
  public var targetWidth: Int { targetIndex == nil ? 0 : 1 }

  init(path: String, header: Bool, names: [String], targetIndex: Int?, classes: [String: Int]?) {
    self.path = path
    self.header = header
    self.names = names
    self.targetIndex = targetIndex
    self.classes = classes
  }

  public func read(blockRows: Int, _ body: (RowBlock) throws -> Bool) throws {
    let rowsPerBlock = max(1, blockRows)
    var block = RowBlock(x: [], y: [], rows: 0, firstRow: 0)
    block.x.reserveCapacity(rowsPerBlock * width)
    var stop = false
    var rowIndex = 0
    /// After a kept row: hands a full block to `body`; false when `body` says stop.
    func rowAdded() throws -> Bool {
      rowIndex += 1  // kept rows only: the numbers split's hash and the survey's count use
      guard block.rows == rowsPerBlock else { return true }
      if try !body(block) { stop = true; return false }
      block = RowBlock(x: [], y: [], rows: 0, firstRow: rowIndex)
      block.x.reserveCapacity(rowsPerBlock * width)
      return true
    }
    let plain = CSVChunks.PlainRecords(columns: names.count, target: targetIndex)
    try CSVChunks.records(path: path, chunkBytes: chunkBytes, skipHeader: header, plain: plain,
                          plainBody: { x, target, bytes, line in
      block.x.append(contentsOf: x)
      if let target, let targetIndex {
        block.y.append(try targetValue(bytes, target, line: line, column: targetIndex))
      }
      block.rows += 1
      return try rowAdded()
    }) { bytes, fields, line in
      guard try parse(bytes, fields, line: line, into: &block) else { return true }  // dropped
      return try rowAdded()
    }
    if !stop, block.rows > 0 { _ = try body(block) }
  }

  /// Appends one record's features and target to `block`; false (nothing appended) for a
  /// row dropped under `dropsMissing`.
  func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ fields: [CSVField], line: Int,
             into block: inout RowBlock) throws -> Bool {
    guard fields.count == names.count else {
      throw DataError(path: path, row: line, message:
        "expected \(plural(names.count, "field")), found \(fields.count)")
    }
    let (xCount, yCount) = (block.x.count, block.y.count)
    for (j, f) in fields.enumerated() {
      if j == targetIndex {
        if dropsMissing, CSVTable.isMissingToken(bytes, f.start, f.end) {
          block.x.removeLast(block.x.count - xCount)
          return false
        }
        block.y.append(try targetValue(bytes, f, line: line, column: j))
        continue
      }
      if !f.hasEscapedQuote, case .value(let v) = FloatParser.parse(bytes, f.start, f.end) {
        block.x.append(v)
        continue
      }
      if !fills.isEmpty, CSVTable.isMissingToken(bytes, f.start, f.end) {
        if let v = fills[j] { block.x.append(v); continue }
        if dropsMissing {
          block.x.removeLast(block.x.count - xCount)
          block.y.removeLast(block.y.count - yCount)
          return false
        }
      }
      block.x.append(try number(bytes, f, line: line, column: j))
    }
    block.rows += 1
    return true
  }

  private func number(_ bytes: UnsafeBufferPointer<UInt8>, _ f: CSVField, line: Int,
                      column j: Int) throws -> Float {
    if !f.hasEscapedQuote, case .value(let v) = FloatParser.parse(bytes, f.start, f.end) { return v }
    let text = f.text(in: bytes)
    let why: String
    if CSVTable.isMissingToken(bytes, f.start, f.end) {
      why = "missing value; fill such cells as the file streams (missing=mean|zero|VALUE) or drop their rows (missing=drop)"
    } else {
      switch FloatParser.parse(bytes, f.start, f.end) {
      case .outOfRange: why = "'\(text)' is out of float32 range"
      case .notFinite: why = "'\(text)' is not a finite number"
      default: why = "'\(text)' is not a number"
      }
    }
    throw DataError(path: path, row: line, column: j + 1, columnName: names[j], message: why)
  }

  private func targetValue(_ bytes: UnsafeBufferPointer<UInt8>, _ f: CSVField, line: Int,
                           column j: Int) throws -> Float {
    guard let classes else {
      let v = try number(bytes, f, line: line, column: j)
      guard let numericClasses else { return v }
      guard let index = numericClasses[v] else {
        throw DataError(path: path, row: line, column: j + 1, columnName: names[j], message:
          "label \(f.text(in: bytes)) was not in the file when it was loaded")
      }
      return index
    }
    let text = f.text(in: bytes).trimmingBlanks()
    guard let index = classes[text] else {
      throw DataError(path: path, row: line, column: j + 1, columnName: names[j], message:
        "label '\(text)' was not in the file when it was loaded")
    }
    return Float(index)
  }

  /// Reads the header, counts the rows, checks every row's field count and collects the target
  /// labels: the one pass `load … stream=true` makes before training.
  static func survey(path: String, header: Bool, target: TargetSpec, missing: CSVOptions? = nil) throws
    -> (CSVRowSource, CSVSurvey)
  {
    var missingSurvey: StreamMissingSurvey?
    var names: [String]?
    var targetIndex: Int?
    var rows = 0
    var labels = Set<String>()
    var allNumeric = true
    var numbers = Set<Float>()
    var numbersAreClasses = true
    func count(_ fields: [CSVField], _ bytes: UnsafeBufferPointer<UInt8>, line: Int,
               names: [String]) throws -> Bool {
      guard fields.count == names.count else {
        throw DataError(path: path, row: line, message:
          "expected \(plural(names.count, "field")), found \(fields.count)")
      }
      if let survey = missingSurvey, try !survey.row(bytes, fields, line: line, names: names, path: path) {
        return true  // dropped: neither counted nor surveyed for labels
      }
      rows += 1
      if let t = targetIndex {
        let f = fields[t]
        if allNumeric, case .value(let v) = FloatParser.parse(bytes, f.start, f.end) {
          if numbersAreClasses {
            numbers.insert(v)
            numbersAreClasses = LabelEncoding.isWrittenAsInteger(bytes, f.start, f.end)
              && numbers.count <= LabelEncoding.maxClasses
          }
          return true
        }
        allNumeric = false
        if labels.count <= Dataset.maxClassIndex { labels.insert(f.text(in: bytes).trimmingBlanks()) }
      }
      return true
    }
    try CSVChunks.records(path: path, chunkBytes: 1 << 22, skipHeader: false) { bytes, fields, line in
      guard let known = names else {
        let given = header
          ? fields.enumerated().map { i, f in
              let t = f.text(in: bytes).trimmingBlanks()
              return t.isEmpty ? "col\(i + 1)" : t
            }
          : (0..<fields.count).map { "col\($0 + 1)" }
        names = given
        targetIndex = try resolve(target, given, path: path)
        // Without missing= every cell must be there: a missing one is located here, at load.
        let plan = try CSVColumnPlan(names: given, targetIndex: targetIndex, options: missing ?? CSVOptions(),
                                     path: path)
        try checkStreamable(plan, names: given, targetIndex: targetIndex, path: path)
        missingSurvey = StreamMissingSurvey(plan: plan, columns: given.count, targetIndex: targetIndex)
        if header { return true }
        return try count(fields, bytes, line: line, names: given)
      }
      return try count(fields, bytes, line: line, names: known)
    }
    guard let names else { throw DataError(path: path, message: "file is empty") }
    guard rows > 0 else {
      throw DataError(path: path, message: (missingSurvey?.dropped ?? 0) > 0
        ? "every one of the \(plural(missingSurvey?.dropped ?? 0, "row")) has a missing value; nothing is left after missing=drop"
        : "no data rows after the header")
    }
    var classNames: [String]?
    if !allNumeric {
      // Mixed numbers and text: every label is text; collect the numeric ones too.
      if labels.count > Dataset.maxClassIndex {
        throw DataError(path: path, message: "the target column has more than \(Dataset.maxClassIndex) distinct labels")
      }
      classNames = try numericLabels(path: path, header: header, column: targetIndex ?? 0).union(labels).sorted()
    }
    let classes = classNames.map { Dictionary(uniqueKeysWithValues: $0.enumerated().map { ($1, $0) }) }
    var source = CSVRowSource(path: path, header: header, names: names, targetIndex: targetIndex,
                              classes: classes)
    if allNumeric, numbersAreClasses, targetIndex != nil,
       let encoded = LabelEncoding.classes(numbers.sorted()) {
      classNames = encoded.names
      if encoded.mapped {
        let sorted = numbers.sorted()
        source.numericClasses = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, Float($0)) })
      }
    }
    var report: LoadReport?
    if missing != nil, let missingSurvey {
      let (fills, r) = try missingSurvey.finish(names: names, path: path)
      source.fills = fills
      source.dropsMissing = missingSurvey.plan.onMissing.contains(.drop) || missingSurvey.plan.dropsMissingTargets
      report = r
    }
    return (source, CSVSurvey(names: names, rows: rows, classNames: classNames, report: report))
  }

  /// Refuses the missing= rules a stream cannot follow, before any row is read: the median
  /// needs a column's values all at once, and kept NaNs would need an `impute` afterwards.
  private static func checkStreamable(_ plan: CSVColumnPlan, names: [String], targetIndex: Int?,
                                      path: String) throws {
    for (j, rule) in plan.onMissing.enumerated() where j != targetIndex {
      if rule == .fill(.median) {
        throw DataError(path: path, message: "missing=median (column '\(names[j])') needs all of a column's values at once, "
          + "which a stream never holds; use mean, zero or a number")
      }
      if rule == .keep {
        throw DataError(path: path, message: "missing=keep leaves NaN for a later impute, which a stream does not take; "
          + "use mean, zero, a number or drop")
      }
    }
  }

  /// The texts of a column's numeric cells (a second pass, only for a target mixing numbers
  /// and text).
  private static func numericLabels(path: String, header: Bool, column: Int) throws -> Set<String> {
    var out = Set<String>()
    try CSVChunks.records(path: path, chunkBytes: 1 << 22, skipHeader: header) { bytes, fields, _ in
      if column < fields.count, case .value = FloatParser.parse(bytes, fields[column].start, fields[column].end) {
        out.insert(fields[column].text(in: bytes).trimmingBlanks())
      }
      return out.count <= Dataset.maxClassIndex
    }
    return out
  }

  private static func resolve(_ target: TargetSpec, _ names: [String], path: String) throws -> Int? {
    switch target {
    case .none: return nil
    case .last:
      guard names.count > 1 else { throw DataError(path: path, message: "no feature columns: the only column is the target") }
      return names.count - 1
    case .named(let name):
      guard let i = names.firstIndex(of: name) else {
        throw DataError(path: path, message: "target column '\(name)' not found; "
          + NameSuggestion.hint(for: name, in: names))
      }
      guard names.count > 1 else { throw DataError(path: path, message: "no feature columns: the only column is the target") }
      return i
    }
  }
}

/// The chunk loop shared by the survey and the row reader.
enum CSVChunks {
  /// The row reader's fast path: records of `columns` plain numeric fields (the target
  /// column, if any, holding any plain text), handed over as `width` feature values.
  struct PlainRecords {
    var columns: Int
    var target: Int?
    var width: Int { columns - (target == nil ? 0 : 1) }
  }

  /// Calls `body` with every non-blank record of the file (the bytes of its chunk, its fields,
  /// its 1-based line) until it returns false. Memory use is one chunk (grown only for a
  /// record longer than a chunk) plus the carried-over partial record.
  ///
  /// With `plain`, records that `CSVScanner.nextPlainNumeric` reads go to `plainBody` (their
  /// feature values, their target field, the chunk's bytes, the line) instead of `body`.
  static func records(
    path: String, chunkBytes: Int, skipHeader: Bool, plain: PlainRecords? = nil,
    plainBody: (UnsafeBufferPointer<Float>, CSVField?, UnsafeBufferPointer<UInt8>, Int) throws -> Bool
      = { _, _, _, _ in false },
    _ body: (UnsafeBufferPointer<UInt8>, [CSVField], Int) throws -> Bool
  ) throws {
    let fd = open(path, O_RDONLY)
    if fd < 0 { throw DataError(path: path, message: FileBytes.reason(errno)) }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: chunkBytes)
    var filled = 0
    var lineBase = 0
    var eof = false
    var skip = skipHeader
    var fields: [CSVField] = []
    // One plain record's feature values (`plain.width` of them), reused for every record.
    let values = UnsafeMutablePointer<Float>.allocate(capacity: max(1, plain?.columns ?? 1))
    defer { values.deallocate() }
    while !eof {
      if filled == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
      let got = buffer.withUnsafeMutableBytes { raw in
        systemRead(fd, raw.baseAddress.map { $0 + filled }, raw.count - filled)
      }
      if got < 0 {
        if errno == EINTR { continue }
        throw DataError(path: path, message: FileBytes.reason(errno))
      }
      if got == 0 { eof = true }
      filled += max(got, 0)
      // Parse up to the last line end; the rest waits for more bytes (or the end of file).
      var cut = filled
      if !eof {
        guard let last = buffer[0..<filled].lastIndex(of: 10) else { continue }
        cut = last + 1
      }
      var consumed = 0
      var consumedLines = 0
      var keepGoing = true
      try buffer.withUnsafeBufferPointer { all in
        let chunk = UnsafeBufferPointer(rebasing: all[0..<cut])
        var scanner = CSVScanner(chunk)
        while keepGoing {
          if let plain, !skip,
             let record = scanner.nextPlainNumeric(columns: plain.columns, target: plain.target, into: values) {
            keepGoing = try plainBody(UnsafeBufferPointer(start: values, count: plain.width), record.target,
                                      chunk, lineBase + record.line)
            continue
          }
          let start = scanner.offset
          let startLine = scanner.line
          let line: Int?
          do throws(CSVSyntaxError) {
            line = try scanner.next(into: &fields)
          } catch {
            if !eof, error.message.hasPrefix("quoted field is never closed") {
              consumed = start
              consumedLines = startLine - 1
              return
            }
            throw DataError(path: path, row: lineBase + error.line, column: error.column, message: error.message)
          }
          guard let line else { break }
          if skip { skip = false; continue }
          keepGoing = try body(chunk, fields, lineBase + line)
        }
        consumed = cut
        consumedLines = scanner.line - 1
      }
      if !keepGoing { return }
      lineBase += consumedLines
      if consumed > 0 {
        buffer.withUnsafeMutableBufferPointer { p in
          guard let base = p.baseAddress else { return }
          base.update(from: base + consumed, count: filled - consumed)
        }
        filled -= consumed
      }
      if eof && filled > 0 && consumed == 0 { break }
    }
  }
}

/// The C library's `read(2)`.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
  #if canImport(Glibc)
  return Glibc.read(fd, buffer, count)
  #else
  return Darwin.read(fd, buffer, count)
  #endif
}
