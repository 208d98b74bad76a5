/// One field of a CSV record: a byte range into the file, never a `String`.
struct CSVField {
  /// First byte of the content (after an opening quote, with surrounding blanks trimmed
  /// for unquoted fields).
  var start: Int
  /// One past the last byte of the content.
  var end: Int
  /// Whether the field was quoted (then `""` inside stands for one `"`).
  var quoted: Bool
  /// Whether the quoted content contains a doubled quote that must be unescaped.
  var hasEscapedQuote: Bool

  /// Whether the content is empty.
  var isEmpty: Bool { end <= start }
}

/// A syntax problem found while splitting records; the loader adds the path and column name.
struct CSVSyntaxError: Error {
  var line: Int
  var column: Int?
  var message: String
}

/// Splits a CSV byte buffer into records (RFC 4180): comma separators, `"`-quoted fields with
/// `""` escapes and embedded commas or newlines, `\n`, `\r\n` or `\r` line ends. Fields are
/// reported as byte ranges into the buffer, reusing the caller's array, so scanning allocates
/// nothing per field.
struct CSVScanner {
  private let bytes: UnsafeBufferPointer<UInt8>
  private var position: Int
  /// The 1-based line the scanner is on.
  private(set) var line = 1
  /// The byte offset of the next unread byte (where the next record starts): the streaming
  /// reader carries an incomplete last record of a chunk over to the next one from here.
  var offset: Int { position }

  private static let comma = UInt8(ascii: ",")
  private static let quote = UInt8(ascii: "\"")
  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")

  /// A scanner over `bytes`, skipping a UTF-8 byte-order mark.
  init(_ bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    position = bytes.count >= 3 && bytes[0] == bom[0] && bytes[1] == bom[1] && bytes[2] == bom[2]
      ? 3 : 0
  }

  /// Reads the next non-blank record into `fields` and returns the line it starts on, or
  /// `nil` at the end of the input. Lines that are empty or only blanks are skipped.
  mutating func next(into fields: inout [CSVField]) throws(CSVSyntaxError) -> Int? {
    while position < bytes.count {
      let startLine = line
      fields.removeAll(keepingCapacity: true)
      try readRecord(into: &fields)
      if fields.count == 1, let only = fields.first, !only.quoted, only.isEmpty { continue }
      return startLine
    }
    return nil
  }

  /// The fast path for the common record: `columns` unquoted fields without blanks, each one
  /// a decimal number that `FloatParser.parsePrefix` converts (except the `target` column,
  /// which may hold any unquoted text that is not a missing-value token). Writes the feature
  /// values, in column order without the target, to `x` (room for `columns` values), moves
  /// past the record's line end and returns the line it was on and the target's field.
  /// Any other record (a blank line, quotes, blanks, a missing or non-decimal cell, another
  /// field count) gives `nil` and moves nothing: `next(into:)` then reads it, and says what
  /// is wrong with it. A record read here gives the values the general path gives.
  mutating func nextPlainNumeric(columns: Int, target: Int?, into x: UnsafeMutablePointer<Float>)
    -> (line: Int, target: CSVField?)?
  {
    guard let p = bytes.baseAddress, columns > 0 else { return nil }
    let end = bytes.count
    var i = position
    var written = 0
    var targetField: CSVField?
    for column in 0..<columns {
      let start = i
      if column == target {
        while i < end, p[i] != Self.comma, p[i] != Self.newline, p[i] != Self.carriageReturn { i += 1 }
        guard i > start, p[start] != Self.quote, !isBlank(p[start]), !isBlank(p[i - 1]),
              !CSVTable.isMissingToken(bytes, start, i) else { return nil }
        targetField = CSVField(start: start, end: i, quoted: false, hasEscapedQuote: false)
      } else {
        guard let v = FloatParser.parsePrefix(p, &i, end) else { return nil }
        x[written] = v
        written += 1
      }
      if column < columns - 1 {
        guard i < end, p[i] == Self.comma else { return nil }
        i += 1
      }
    }
    if i < end {
      let c = p[i]
      guard c == Self.newline || c == Self.carriageReturn else { return nil }
      i += 1
      if c == Self.carriageReturn, i < end, p[i] == Self.newline { i += 1 }
    }
    position = i
    defer { line += 1 }
    return (line, targetField)
  }

  /// Reads fields up to and including the record's line end.
  private mutating func readRecord(into fields: inout [CSVField]) throws(CSVSyntaxError) {
    while true {
      let field = try readField(column: fields.count + 1)
      fields.append(field)
      guard position < bytes.count else { return }
      let c = bytes[position]
      position += 1
      if c == Self.comma { continue }
      endLine(after: c)
      return
    }
  }

  /// Counts a line end (`\n`, `\r\n` or a lone `\r`) whose first byte `c` was just consumed.
  private mutating func endLine(after c: UInt8) {
    line += 1
    if c == Self.carriageReturn, position < bytes.count, bytes[position] == Self.newline {
      position += 1
    }
  }

  /// Reads one field, leaving `position` on the separator or line end after it (or the end).
  private mutating func readField(column: Int) throws(CSVSyntaxError) -> CSVField {
    skipBlanks()
    if position < bytes.count, bytes[position] == Self.quote {
      return try readQuoted(column: column)
    }
    let start = position
    while position < bytes.count {
      let c = bytes[position]
      if c == Self.comma || c == Self.newline || c == Self.carriageReturn { break }
      position += 1
    }
    var end = position
    while end > start, isBlank(bytes[end - 1]) { end -= 1 }
    return CSVField(start: start, end: end, quoted: false, hasEscapedQuote: false)
  }

  /// Reads a quoted field whose opening quote is at `position`.
  private mutating func readQuoted(column: Int) throws(CSVSyntaxError) -> CSVField {
    let openLine = line
    position += 1
    let start = position
    var escaped = false
    while position < bytes.count {
      let c = bytes[position]
      if c == Self.quote {
        if position + 1 < bytes.count, bytes[position + 1] == Self.quote {
          escaped = true
          position += 2
          continue
        }
        let end = position
        position += 1
        try expectFieldEnd(column: column)
        return CSVField(start: start, end: end, quoted: true, hasEscapedQuote: escaped)
      }
      if c == Self.newline || c == Self.carriageReturn {
        if c == Self.newline || position + 1 >= bytes.count || bytes[position + 1] != Self.newline {
          line += 1
        }
      }
      position += 1
    }
    throw CSVSyntaxError(line: openLine, column: column,
                         message: "quoted field is never closed (missing '\"')")
  }

  /// After a closing quote only blanks may precede the separator or line end.
  private mutating func expectFieldEnd(column: Int) throws(CSVSyntaxError) {
    skipBlanks()
    guard position < bytes.count else { return }
    let c = bytes[position]
    if c == Self.comma || c == Self.newline || c == Self.carriageReturn { return }
    let shown = c >= 32 && c < 127 ? "'\(Character(Unicode.Scalar(c)))'" : "byte \(c)"
    throw CSVSyntaxError(line: line, column: column,
                         message: "unexpected \(shown) after a closing quote")
  }

  private mutating func skipBlanks() {
    while position < bytes.count, isBlank(bytes[position]) { position += 1 }
  }

  private func isBlank(_ c: UInt8) -> Bool { c == 32 || c == 9 }
}

extension CSVField {
  /// The field's text (unescaping `""`); for header names, labels and error messages only.
  func text(in bytes: UnsafeBufferPointer<UInt8>) -> String {
    guard start >= 0, start <= end, end <= bytes.count else { return "" }
    let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
    guard hasEscapedQuote else { return String(decoding: raw, as: UTF8.self) }
    var out = [UInt8]()
    out.reserveCapacity(raw.count)
    var i = 0
    while i < raw.count {
      out.append(raw[i])
      i += raw[i] == UInt8(ascii: "\"") && i + 1 < raw.count && raw[i + 1] == UInt8(ascii: "\"")
        ? 2 : 1
    }
    return String(decoding: out, as: UTF8.self)
  }
}
