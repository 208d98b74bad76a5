import Autograd

/// Loads IDX files (the MNIST format): two zero bytes, a type byte, the number of dimensions,
/// big-endian `UInt32` dimensions, then the big-endian elements.
public enum IDXLoader {
  private static let types: [UInt8: RawElementType] = [
    0x08: .uint8, 0x09: .int8, 0x0B: .int16, 0x0C: .int32, 0x0D: .float32, 0x0E: .float64,
  ]

  /// The array in `path` as float32. A bad magic number, an unknown type and a data size that
  /// disagrees with the dimensions are errors naming the file.
  public static func load(path: String) throws -> Tensor {
    try load(bytes: FileBytes.read(path), path: path)
  }

  /// Parses `bytes` as the contents of the file `path` (named in errors only): the in-memory
  /// entry point behind `load(path:)`, used by the fuzz targets and tests.
  static func load(bytes: [UInt8], path: String) throws -> Tensor {
    func fail(_ offset: Int, _ message: String) -> DataError {
      DataError(path: path, offset: offset, message: message)
    }
    guard bytes.count >= 4 else {
      throw fail(0, "not an IDX file: \(plural(bytes.count, "byte")), too short for the magic number")
    }
    guard bytes[0] == 0, bytes[1] == 0 else {
      throw fail(0, "not an IDX file (bad magic: the first two bytes must be zero)")
    }
    guard let type = types[bytes[2]] else {
      throw fail(2, "unknown IDX element type 0x\(String(bytes[2], radix: 16, uppercase: true))")
    }
    let rank = Int(bytes[3])
    guard rank >= 1 else { throw fail(3, "IDX file with 0 dimensions") }
    let view = ByteView(bytes: bytes)
    var shape: [Int] = []
    for axis in 0..<rank {
      guard let d = view.uint32BE(at: 4 + 4 * axis) else {
        throw fail(4 + 4 * axis, "truncated header: \(rank) dimensions need \(4 + 4 * rank) bytes, "
          + "the file has \(bytes.count)")
      }
      shape.append(Int(d))
    }
    let dataStart = 4 + 4 * rank
    guard let count = checkedProduct(shape), count <= ArrayLimits.maxElements else {
      throw fail(4, "dimensions \(shape.map(String.init).joined(separator: "×")) are too large: "
        + "more than \(ArrayLimits.maxElements) values")
    }
    let expected = count.multipliedReportingOverflow(by: type.width)
    let available = bytes.count - dataStart
    guard !expected.overflow, expected.partialValue == available else {
      throw fail(dataStart, "data size mismatch: dimensions \(shape.map(String.init).joined(separator: "×")) "
        + "need \(expected.partialValue) bytes, the file has \(available)")
    }
    guard let data = type.decode(bytes, offset: dataStart, count: count, bigEndian: true) else {
      throw fail(dataStart, "truncated data")
    }
    return Tensor(shape: shape, data: data)
  }
}
