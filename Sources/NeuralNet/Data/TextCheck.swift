/// Checks that a CSV file is UTF-8 text before it is parsed: a NUL byte (binary data), another
/// control character, or a byte sequence that is not UTF-8 (a Latin-1 `café`) is an error
/// naming the line, the column and the byte offset, never a silently garbled value.
enum TextCheck {
  /// Throws a located `DataError` for the first byte that does not belong in CSV text.
  /// Tab, line feed and carriage return are the only control characters allowed.
  static func check(_ p: UnsafeBufferPointer<UInt8>, path: String) throws {
    if isPlainText(p) { return }
    try locateProblem(p, path: path)
  }

  /// Whether every byte is printable ASCII, tab, line feed or carriage return: the common case,
  /// decided 8 bytes at a time (a word with no byte below 0x20 and none at or above 0x7F is
  /// plain; a word with one is looked at byte by byte). False sends the file to
  /// `locateProblem`, which also accepts UTF-8 text and throws for anything else.
  static func isPlainText(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = p.baseAddress else { return true }
    let n = p.count
    let ones: UInt64 = 0x0101_0101_0101_0101
    let high: UInt64 = 0x8080_8080_8080_8080
    var i = 0
    while i + 8 <= n {
      let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
      // (w - 0x20…) & ~w & 0x80… is nonzero when some byte is below 0x20 (Bit Twiddling
      // Hacks' hasless); (w | (w + 0x01…)) & 0x80… when some byte is 0x7F or above.
      let control = (w &- ones &* 0x20) & ~w & high
      let upper = (w | (w &+ ones)) & high
      if control | upper != 0 {
        for k in i..<(i + 8) where !isPlainByte(base[k]) { return false }
      }
      i += 8
    }
    while i < n {
      if !isPlainByte(base[i]) { return false }
      i += 1
    }
    return true
  }

  /// Printable ASCII, tab, line feed or carriage return.
  @inline(__always)
  private static func isPlainByte(_ c: UInt8) -> Bool {
    (c >= 32 && c < 127) || c == 9 || c == 10 || c == 13
  }

  /// The byte-by-byte check, tracking line and column for the error: UTF-8 sequences pass,
  /// anything else throws.
  private static func locateProblem(_ p: UnsafeBufferPointer<UInt8>, path: String) throws {
    // A NUL byte anywhere means binary data: report that, not the first odd byte before it.
    let binary = p.contains(0)
    var line = 1
    var column = 1
    var inQuotes = false
    var i = 0
    let n = p.count
    while i < n {
      let c = p[i]
      if c < 0x80 {
        switch c {
        case UInt8(ascii: "\""): inQuotes.toggle()
        case UInt8(ascii: ","): if !inQuotes { column += 1 }
        case 10:
          line += 1
          if !inQuotes { column = 1 }
        case 13:
          if i + 1 >= n || p[i + 1] != 10 {
            line += 1
            if !inQuotes { column = 1 }
          }
        case 9: break
        case 0:
          throw DataError(path: path, row: line, column: column, message:
            "NUL byte at byte offset \(i): this looks like a binary file, not CSV text")
        default:
          if (c < 32 || c == 127) && !binary {
            throw DataError(path: path, row: line, column: column, message:
              "control character \(hex(c)) at byte offset \(i); a CSV file holds text")
          }
        }
        i += 1
        continue
      }
      let width = sequenceWidth(p, i)
      if width == 0 && binary {
        i += 1
        continue
      }
      guard width > 0 else {
        throw DataError(path: path, row: line, column: column, message:
          "the file is not UTF-8: byte \(hex(c)) at byte offset \(i) (Latin-1?); save it as UTF-8, "
          + "e.g. iconv -f latin1 -t utf-8")
      }
      i += width
    }
  }

  /// The length of the valid UTF-8 sequence starting with the non-ASCII byte at `i`, or 0.
  static func sequenceWidth(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
    let c = p[i]
    let width: Int
    var low: UInt8 = 0x80, high: UInt8 = 0xBF
    switch c {
    case 0xC2...0xDF: width = 2
    case 0xE0: width = 3; low = 0xA0
    case 0xE1...0xEC, 0xEE, 0xEF: width = 3
    case 0xED: width = 3; high = 0x9F
    case 0xF0: width = 4; low = 0x90
    case 0xF1...0xF3: width = 4
    case 0xF4: width = 4; high = 0x8F
    default: return 0
    }
    guard p.count - i >= width else { return 0 }
    for k in 1..<width {
      let b = p[i + k]
      let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
      guard b >= lo, b <= hi else { return 0 }
    }
    return width
  }

  /// `0x07`.
  static func hex(_ c: UInt8) -> String {
    let digits = String(c, radix: 16, uppercase: true)
    return "0x" + (digits.count == 1 ? "0" + digits : digits)
  }
}
