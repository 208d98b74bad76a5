import Autograd

/// How `CSVLoader.loadText` turns a text column into token ids.
public struct TextOptions: Sendable, Equatable {
  /// The column holding the texts, by header name (`colN` without a header).
  public var column: String
  /// Token ids in all: padding, unknown, and the `vocabulary − 2` most frequent words.
  public var vocabulary: Int
  /// Ids per text.
  public var length: Int
  /// Where short texts are padded.
  public var padding: Tokenizer.Side
  /// Where long texts are cut.
  public var truncating: Tokenizer.Side

  /// Options for `column`.
  public init(column: String, vocabulary: Int, length: Int, padding: Tokenizer.Side = .pre,
              truncating: Tokenizer.Side = .pre) {
    self.column = column
    self.vocabulary = vocabulary
    self.length = length
    self.padding = padding
    self.truncating = truncating
  }
}

extension CSVLoader {
  /// Loads a CSV file of texts: the `options.column` cells become the token ids (N, length) of
  /// a tokenizer fitted on them, kept with the dataset; the target column is encoded as in
  /// `load(path:…)`; other columns are not read. A missing (empty) text or target cell, a text
  /// column that holds only numbers, or a column that is not there is an error naming the
  /// file, the row and the column.
  public static func loadText(path: String, options: TextOptions, target: TargetSpec,
                              header: Bool = true) throws -> (Dataset, LoadReport) {
    try loadText(bytes: FileBytes.read(path), path: path, options: options, target: target, header: header)
  }

  /// `loadText(path:…)` on the bytes of the file `path` (named in errors only).
  static func loadText(bytes: [UInt8], path: String, options: TextOptions, target: TargetSpec,
                       header: Bool = true) throws -> (Dataset, LoadReport) {
    try bytes.withUnsafeBufferPointer { buffer in
      try TextCheck.check(buffer, path: path)
      var reader = TextCSVReader(path: path, bytes: buffer, options: options)
      return try reader.run(target: target, header: header)
    }
  }
}

/// One text load: the records, the text and target cells, then the tokenizer.
struct TextCSVReader {
  let path: String
  let bytes: UnsafeBufferPointer<UInt8>
  let options: TextOptions
  private var names: [String] = []
  private var texts: [String] = []
  private var targetCells: [CSVField] = []
  private var firstLine = 0

  init(path: String, bytes: UnsafeBufferPointer<UInt8>, options: TextOptions) {
    self.path = path
    self.bytes = bytes
    self.options = options
  }

  mutating func run(target: TargetSpec, header: Bool) throws -> (Dataset, LoadReport) {
    var scanner = CSVScanner(bytes)
    var fields: [CSVField] = []
    guard let first = try scan(&scanner, &fields) else {
      throw DataError(path: path, message: "file is empty")
    }
    names = header
      ? fields.enumerated().map { i, f in
          let name = f.text(in: bytes).trimmingBlanks()
          return name.isEmpty ? "col\(i + 1)" : name
        }
      : (0..<fields.count).map { "col\($0 + 1)" }
    let textIndex = try column(options.column, role: "text")
    let targetIndex: Int?
    switch target {
    case .none: targetIndex = nil
    case .last: targetIndex = names.count - 1
    case .named(let name): targetIndex = try column(name, role: "target")
    }
    if let targetIndex, targetIndex == textIndex {
      throw DataError(path: path, message: "column '\(names[textIndex])' cannot be both the text and the target")
    }
    if !header { try add(fields, line: first, text: textIndex, target: targetIndex) }
    while let line = try scan(&scanner, &fields) {
      try add(fields, line: line, text: textIndex, target: targetIndex)
    }
    guard !texts.isEmpty else { throw DataError(path: path, message: "no data rows after the header") }
    try rejectNumbers(text: textIndex, header: header)
    let (values, overflow) = texts.count.multipliedReportingOverflow(by: options.length)
    guard !overflow, values <= Windows.maxValues else {
      throw DataError(path: path, message: "\(plural(texts.count, "text")) of length=\(options.length) would hold "
        + "more than \(Windows.maxValues) token ids; give a smaller length=")
    }
    let tokenizer = try Tokenizer.fit(texts, vocabulary: options.vocabulary, length: options.length,
                                      padding: options.padding, truncating: options.truncating)
    var report = LoadReport(rowsRead: texts.count, rowsDropped: 0, missingFilled: [], labelMapping: [])
    var y: Tensor?, classNames: [String]?
    if targetIndex != nil {
      let encoded = CSVTable.encodeTarget(targetCells, bytes)
      y = Tensor(shape: [texts.count], data: encoded.values)
      classNames = encoded.classNames
      if encoded.mapped {
        report.labelMapping = encoded.classNames.map { $0.enumerated().map { ($1, $0) } } ?? []
      }
    }
    let featureNames = (0..<options.length).map { "\(names[textIndex])[\($0)]" }
    let dataset = Dataset(unchecked: tokenizer.encode(texts), y: y, featureNames: featureNames,
                          targetName: targetIndex.map { names[$0] }, classNames: classNames,
                          tokenizer: tokenizer)
    return (dataset, report)
  }

  /// The index of the column `name`, or an error with a suggestion.
  private func column(_ name: String, role: String) throws -> Int {
    let matches = names.indices.filter { names[$0] == name }
    if matches.count > 1 {
      throw DataError(path: path, message: "\(role) column '\(name)' is ambiguous: it names columns "
        + matches.map { String($0 + 1) }.joined(separator: ", "))
    }
    guard let only = matches.first else {
      throw DataError(path: path, message: "\(role) column '\(name)' not found; " + NameSuggestion.hint(for: name, in: names))
    }
    return only
  }

  private mutating func add(_ fields: [CSVField], line: Int, text: Int, target: Int?) throws {
    guard fields.count == names.count else {
      throw DataError(path: path, row: line, message:
        "row has \(plural(fields.count, "field")), the header has \(names.count)")
    }
    if texts.isEmpty { firstLine = line }
    let cell = fields[text]
    let (start, end) = CSVTable.trimmed(cell, bytes)
    guard end > start else {
      throw cellError(line, text, "missing text; fill it in or remove the row, then load the file again")
    }
    texts.append(cell.text(in: bytes))
    if let target {
      let (s, e) = CSVTable.trimmed(fields[target], bytes)
      if CSVTable.isMissingToken(bytes, s, e) {
        throw cellError(line, target, "missing target value; fill it in or remove the row, then load the file again")
      }
      targetCells.append(fields[target])
    }
  }

  /// A text column whose every cell is a number is a mistake (a numeric column named by text=).
  private func rejectNumbers(text: Int, header: Bool) throws {
    for t in texts {
      let utf8 = Array(t.utf8)
      let isNumber = utf8.withUnsafeBufferPointer { p -> Bool in
        let (s, e) = CSVTable.trimmed(CSVField(start: 0, end: p.count, quoted: true, hasEscapedQuote: false), p)
        if case .value = FloatParser.parse(p, s, e) { return true }
        return false
      }
      if !isNumber { return }
    }
    throw cellError(firstLine, text, "the text column holds numbers, not text ('\(texts[0].prefix(40))' …); "
      + "text= names a column of words, e.g. text=review")
  }

  private func cellError(_ line: Int, _ column: Int, _ message: String) -> DataError {
    DataError(path: path, row: line, column: column + 1, columnName: names[column], message: message)
  }

  private func scan(_ scanner: inout CSVScanner, _ fields: inout [CSVField]) throws -> Int? {
    do {
      return try scanner.next(into: &fields)
    } catch {
      throw DataError(path: path, row: error.line, column: error.column, message: error.message)
    }
  }
}
