import Autograd

/// Loads NumPy `.npy` files (format versions 1, 2 and 3) holding a numeric array —
/// `u1 i1 b1 u2 i2 u4 i4 u8 i8 f4 f8`, little- or big-endian as the header's `descr` says, in C
/// or Fortran order — converted to a float32 tensor in C order.
public enum NPYLoader {
  static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

  /// The array in `path`, with its shape. A malformed header, an unsupported dtype and a data
  /// size that disagrees with the header are errors naming the file and the byte offset.
  public static func load(path: String) throws -> Tensor {
    try load(bytes: FileBytes.read(path), path: path)
  }

  /// Parses `bytes` as the contents of the file `path` (named in errors only): the in-memory
  /// entry point behind `load(path:)`, used by the `.npz` reader, the fuzz targets and tests.
  static func load(bytes: [UInt8], path: String) throws -> Tensor {
    guard let (header, dataStart) = try preamble(bytes, path: path, complete: true) else {
      throw DataError(path: path, offset: 0, message: "truncated .npy header")
    }
    let needed = header.dataBytes
    let available = bytes.count - dataStart
    guard needed == available else {
      throw DataError(path: path, offset: dataStart, message:
        "data size mismatch: shape \(pythonShape(header.shape)) of '\(header.descr)' needs "
        + "\(needed) bytes, the file has \(available)")
    }
    guard let data = header.type.decode(bytes, offset: dataStart, count: header.count,
                                        bigEndian: header.bigEndian) else {
      throw DataError(path: path, offset: dataStart, message: "truncated data")
    }
    let ordered = header.fortranOrder ? fortranToC(data, shape: header.shape) : data
    return Tensor(shape: header.shape, data: ordered)
  }

  /// The header of a `.npy` file and the offset its data starts at, from the file's first
  /// bytes. With `complete` false, `bytes` may be a prefix of the file: `nil` means more bytes
  /// are needed (the `.npz` reader inflates a member until the header is whole). With
  /// `complete` true a short file is an error.
  static func preamble(_ bytes: [UInt8], path: String, complete: Bool) throws
    -> (NPYHeader, Int)?
  {
    func fail(_ offset: Int, _ message: String) -> DataError {
      DataError(path: path, offset: offset, message: message)
    }
    let magicEnd = min(bytes.count, magic.count)
    guard bytes[0..<magicEnd].elementsEqual(magic[0..<magicEnd]) else {
      throw fail(0, "not a .npy file (bad magic: expected \\x93NUMPY)")
    }
    guard bytes.count >= 8 else {
      if complete { throw fail(0, "not a .npy file: \(plural(bytes.count, "byte")), too short for the preamble") }
      return nil
    }
    let lengthWidth: Int
    switch bytes[6] {
    case 1: lengthWidth = 2
    case 2, 3: lengthWidth = 4
    default: throw fail(6, ".npy format version \(bytes[6]).\(bytes[7]) is not supported (1.0, 2.0, 3.0 are)")
    }
    let view = ByteView(bytes: bytes)
    guard let rawLength = view.uintLE(at: 8, width: lengthWidth) else {
      if complete { throw fail(8, "truncated .npy header: the file ends inside the header length") }
      return nil
    }
    let headerStart = 8 + lengthWidth
    guard rawLength <= NPYHeader.maxLength else {
      throw fail(8, "the .npy header claims \(rawLength) bytes; at most \(NPYHeader.maxLength) are allowed")
    }
    let headerLength = Int(rawLength)
    guard view.has(headerLength, at: headerStart) else {
      if complete {
        throw fail(8, "truncated .npy header: it claims \(headerLength) bytes, the file has "
          + "\(bytes.count - headerStart) after the preamble")
      }
      return nil
    }
    let dataStart = headerStart + headerLength
    let text = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)
    let header = try NPYHeader(text, at: headerStart, path: path)
    return (header, dataStart)
  }

  /// A Fortran-order (column-major) array's values rearranged into C (row-major) order.
  static func fortranToC(_ data: [Float], shape: [Int]) -> [Float] {
    guard shape.count > 1, !data.isEmpty else { return data }
    var fortranStride = [Int](repeating: 1, count: shape.count)
    for axis in 1..<shape.count { fortranStride[axis] = fortranStride[axis - 1] * shape[axis - 1] }
    var out = [Float](repeating: 0, count: data.count)
    var index = [Int](repeating: 0, count: shape.count)
    var source = 0
    for position in 0..<data.count {
      out[position] = data[source]
      // Advance the C-order odometer (last axis fastest), keeping the Fortran offset in step.
      var axis = shape.count - 1
      while axis >= 0 {
        index[axis] += 1
        source += fortranStride[axis]
        if index[axis] < shape[axis] { break }
        source -= fortranStride[axis] * shape[axis]
        index[axis] = 0
        axis -= 1
      }
    }
    return out
  }
}

/// The parsed header dictionary, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (1797, 8, 8), }`.
struct NPYHeader {
  /// The longest header accepted (NumPy itself refuses more than 10,000 bytes by default).
  static let maxLength: UInt64 = 65_536
  /// The most dimensions accepted (NumPy's own limit is 64).
  static let maxRank = 32

  var descr: String
  var type: RawElementType
  var bigEndian: Bool
  var fortranOrder: Bool
  var shape: [Int]
  /// Number of elements (the product of `shape`, at most `ArrayLimits.maxElements`).
  var count: Int

  /// Bytes of data the header asks for.
  var dataBytes: Int { count * type.width }

  private static let kinds: [String: RawElementType] = [
    "u1": .uint8, "b1": .uint8, "i1": .int8, "u2": .uint16, "i2": .int16, "u4": .uint32,
    "i4": .int32, "u8": .uint64, "i8": .int64, "f4": .float32, "f8": .float64,
  ]

  /// Parses the dictionary `text`, which starts at byte `start` of the file `path`.
  init(_ text: String, at start: Int, path: String) throws {
    func offset(_ s: Substring) -> Int { start + text.utf8.distance(from: text.startIndex, to: s.startIndex) }
    func fail(_ at: Int, _ message: String) -> DataError {
      DataError(path: path, offset: at, message: message)
    }
    let trimmed = text.drop { $0 == " " }
    guard trimmed.first == "{" else {
      throw fail(start, "malformed .npy header (not a dictionary): \(text.trimmingBlanks().prefix(80))")
    }
    for key in ["descr", "fortran_order", "shape"] where NPYHeader.value(of: key, in: text) == nil {
      throw fail(start, "malformed .npy header: no '\(key)' entry in \(text.trimmingBlanks().prefix(120))")
    }
    let descrText = NPYHeader.value(of: "descr", in: text) ?? ""
    guard let descr = NPYHeader.quoted(descrText) else {
      throw fail(offset(descrText), "malformed .npy header: 'descr' must be a quoted dtype such as '<f4' "
        + "(structured dtypes are not supported)")
    }
    guard let (type, bigEndian) = NPYHeader.dtype(descr) else {
      throw fail(offset(descrText), "dtype '\(descr)' is not supported (supported: u1 i1 b1 u2 i2 u4 i4 "
        + "u8 i8 f4 f8, with byte order '<', '>', '|' or '=')")
    }
    let fortranText = NPYHeader.value(of: "fortran_order", in: text) ?? ""
    let fortran: Bool
    if fortranText.hasPrefix("True") { fortran = true } else if fortranText.hasPrefix("False") {
      fortran = false
    } else {
      throw fail(offset(fortranText), "malformed .npy header: 'fortran_order' must be True or False")
    }
    let shapeText = NPYHeader.value(of: "shape", in: text) ?? ""
    guard let shape = NPYHeader.tuple(shapeText) else {
      throw fail(offset(shapeText), "malformed .npy header: 'shape' must be a tuple of sizes such as "
        + "(1797, 8, 8), got \(shapeText.prefix(40))")
    }
    guard shape.count <= NPYHeader.maxRank else {
      throw fail(offset(shapeText), "shape has \(shape.count) dimensions; at most \(NPYHeader.maxRank) are supported")
    }
    guard let count = checkedProduct(shape), count <= ArrayLimits.maxElements else {
      throw fail(offset(shapeText), "shape \(pythonShape(shape)) is too large: more than "
        + "\(ArrayLimits.maxElements) values")
    }
    self.descr = descr
    self.type = type
    self.bigEndian = bigEndian
    self.fortranOrder = fortran
    self.shape = shape
    self.count = count
  }

  /// The element type and byte order of a simple dtype string such as `<f4`, `>i8`, `|u1`.
  static func dtype(_ descr: String) -> (RawElementType, Bool)? {
    var body = Substring(descr)
    var order: Character = "="
    if let first = body.first, "<>|=".contains(first) {
      order = first
      body = body.dropFirst()
    }
    guard let type = kinds[String(body)] else { return nil }
    // '|' means "not applicable": only for one-byte types.
    if order == "|" && type.width != 1 { return nil }
    return (type, order == ">")
  }

  /// The text after `'key':` (leading spaces skipped), up to the end of the header.
  static func value(of key: String, in text: String) -> Substring? {
    for quote in ["'", "\""] {
      guard let keyRange = text.firstRange(of: quote + key + quote) else { continue }
      var rest = text[keyRange.upperBound...].drop { $0 == " " }
      guard rest.first == ":" else { return nil }
      rest = rest.dropFirst().drop { $0 == " " }
      return rest
    }
    return nil
  }

  /// The content of a leading `'…'` or `"…"` string.
  static func quoted(_ s: Substring) -> String? {
    guard let q = s.first, q == "'" || q == "\"" else { return nil }
    let body = s.dropFirst()
    guard let end = body.firstIndex(of: q) else { return nil }
    return String(body[..<end])
  }

  /// A leading tuple of non-negative integers: `()`, `(5,)`, `(3, 4)`.
  static func tuple(_ s: Substring) -> [Int]? {
    guard s.first == "(", let close = s.firstIndex(of: ")") else { return nil }
    let inner = s[s.index(after: s.startIndex)..<close]
    var dims: [Int] = []
    let parts = inner.split(separator: ",", omittingEmptySubsequences: false)
    for (i, part) in parts.enumerated() {
      let trimmed = String(part).trimmingBlanks()
      if trimmed.isEmpty {
        // Only a trailing comma may leave an empty part: `(5,)`, not `(,5)` or `(5,,)`.
        if i == parts.count - 1 && i > 0 || parts.count == 1 { continue }
        return nil
      }
      guard let d = Int(trimmed.hasSuffix("L") ? String(trimmed.dropLast()) : trimmed), d >= 0
      else { return nil }
      dims.append(d)
    }
    return dims
  }
}
