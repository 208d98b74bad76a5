/// The numeric element types of binary array files (`.npy`, IDX), and their conversion to
/// float32.
enum RawElementType: Sendable, Equatable {
  case uint8, int8, int16, int32, int64, float32, float64

  /// Bytes per element.
  var width: Int {
    switch self {
    case .uint8, .int8: return 1
    case .int16: return 2
    case .int32, .float32: return 4
    case .int64, .float64: return 8
    }
  }

  /// Decodes `count` elements stored from `offset` (little- or big-endian) into floats, or
  /// `nil` when the bytes do not hold them all.
  func decode(_ bytes: [UInt8], offset: Int, count: Int, bigEndian: Bool) -> [Float]? {
    let (size, overflow) = count.multipliedReportingOverflow(by: width)
    guard !overflow, offset >= 0, offset <= bytes.count, bytes.count - offset >= size else {
      return nil
    }
    var out = [Float](repeating: 0, count: count)
    bytes.withUnsafeBytes { raw in
      out.withUnsafeMutableBufferPointer { dst in
        for i in 0..<count { dst[i] = element(raw, offset + i * width, bigEndian) }
      }
    }
    return out
  }

  /// One element at byte `at`.
  @inline(__always)
  private func element(_ raw: UnsafeRawBufferPointer, _ at: Int, _ bigEndian: Bool) -> Float {
    func fix<T: FixedWidthInteger>(_ v: T) -> T { bigEndian ? T(bigEndian: v) : T(littleEndian: v) }
    switch self {
    case .uint8: return Float(raw[at])
    case .int8: return Float(Int8(bitPattern: raw[at]))
    case .int16: return Float(fix(raw.loadUnaligned(fromByteOffset: at, as: Int16.self)))
    case .int32: return Float(fix(raw.loadUnaligned(fromByteOffset: at, as: Int32.self)))
    case .int64: return Float(fix(raw.loadUnaligned(fromByteOffset: at, as: Int64.self)))
    case .float32:
      return Float(bitPattern: fix(raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
    case .float64:
      return Float(Double(bitPattern: fix(raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))))
    }
  }
}

/// `(1797, 8, 8)` — a shape as Python writes it.
func pythonShape(_ shape: [Int]) -> String {
  shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}
