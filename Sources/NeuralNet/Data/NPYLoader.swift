import Autograd

/// Loads NumPy `.npy` files (format versions 1, 2 and 3) holding a C-order array of
/// `<f4`, `<f8`, `|u1`, `<i4` or `<i8`, converted to float32.
public enum NPYLoader {
  private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

  /// The array in `path`, with its shape. Fortran order, other dtypes, a malformed header and
  /// a data size that disagrees with the header are errors naming the file.
  public static func load(path: String) throws -> Tensor {
    try load(bytes: FileBytes.read(path), path: path)
  }

  /// Parses `bytes` as the contents of the file `path` (named in errors only): the in-memory
  /// entry point behind `load(path:)`, used by the fuzz targets and tests.
  static func load(bytes: [UInt8], path: String) throws -> Tensor {
    func fail(_ message: String) -> DataError { DataError(path: path, message: message) }
    guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
      throw fail("not a .npy file (bad magic: expected \\x93NUMPY)")
    }
    let view = ByteView(bytes: bytes)
    let major = bytes[6]
    let lengthWidth: Int
    switch major {
    case 1: lengthWidth = 2
    case 2, 3: lengthWidth = 4
    default: throw fail(".npy format version \(major).\(bytes[7]) is not supported")
    }
    guard let headerLength = view.uintLE(at: 8, width: lengthWidth) else {
      throw fail("truncated .npy header")
    }
    let headerStart = 8 + lengthWidth
    let dataStart = headerStart + Int(clamping: headerLength)
    guard view.has(Int(clamping: headerLength), at: headerStart) else {
      throw fail("truncated .npy header: it claims \(headerLength) bytes, the file has "
        + "\(bytes.count - headerStart) after the preamble")
    }
    let headerText = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)
    let header = try NPYHeader(headerText, fail: fail)
    guard let count = checkedProduct(header.shape) else {
      throw fail("shape \(pythonShape(header.shape)) is too large")
    }
    let expected = count.multipliedReportingOverflow(by: header.type.width)
    let available = bytes.count - dataStart
    guard !expected.overflow, expected.partialValue == available else {
      throw fail("data size mismatch: shape \(pythonShape(header.shape)) of '\(header.descr)' "
        + "needs \(expected.partialValue) bytes, the file has \(available)")
    }
    guard let data = header.type.decode(bytes, offset: dataStart, count: count, bigEndian: false)
    else { throw fail("truncated data") }
    return Tensor(shape: header.shape, data: data)
  }
}

/// The parsed header dictionary, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (1797, 8, 8), }`.
struct NPYHeader {
  var descr: String
  var type: RawElementType
  var shape: [Int]

  private static let types: [String: RawElementType] = [
    "<f4": .float32, "<f8": .float64, "|u1": .uint8, "<u1": .uint8, "u1": .uint8,
    "<i4": .int32, "<i8": .int64,
  ]

  init(_ text: String, fail: (String) -> DataError) throws {
    guard let descr = NPYHeader.value(of: "descr", in: text).flatMap(NPYHeader.quoted),
          let fortran = NPYHeader.value(of: "fortran_order", in: text),
          let shapeText = NPYHeader.value(of: "shape", in: text),
          let shape = NPYHeader.tuple(shapeText) else {
      throw fail("malformed .npy header: \(text.trimmingBlanks().prefix(120))")
    }
    if fortran.hasPrefix("True") {
      throw fail("Fortran-order arrays are not supported; save with np.ascontiguousarray(a)")
    }
    guard let type = NPYHeader.types[descr] else {
      throw fail("dtype '\(descr)' is not supported (supported: <f4, <f8, |u1, <i4, <i8)")
    }
    self.descr = descr
    self.type = type
    self.shape = shape
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
    for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
      let trimmed = String(part).trimmingBlanks()
      if trimmed.isEmpty { continue }
      guard let d = Int(trimmed.hasSuffix("L") ? String(trimmed.dropLast()) : trimmed), d >= 0
      else { return nil }
      dims.append(d)
    }
    return dims
  }
}
