#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and bounds-checked little/big-endian access to the bytes, shared by the
/// CSV, `.npy` and IDX loaders.
enum FileBytes {
  /// The file's contents, or a `DataError` naming the path and the reason (no such file, a
  /// directory, permission denied, …).
  static func read(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    if fd < 0 { throw DataError(path: path, message: reason(errno)) }
    defer { close(fd) }
    var info = stat()
    if fstat(fd, &info) != 0 { throw DataError(path: path, message: reason(errno)) }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      throw DataError(path: path, message: "is a directory, not a file")
    }
    var bytes = [UInt8]()
    bytes.reserveCapacity(max(0, Int(info.st_size)))
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let got = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
      if got < 0 {
        if errno == EINTR { continue }
        throw DataError(path: path, message: reason(errno))
      }
      if got == 0 { break }
      bytes.append(contentsOf: chunk[0..<got])
    }
    return bytes
  }

  /// A short, user-facing reason for an `errno` value.
  static func reason(_ code: Int32) -> String {
    switch code {
    case ENOENT: return "no such file"
    case EACCES: return "permission denied"
    case EISDIR: return "is a directory, not a file"
    case ENOTDIR: return "a part of the path is not a directory"
    default:
      if let text = strerror(code) { return String(cString: text).lowercased() }
      return "cannot read (errno \(code))"
    }
  }
}

/// The C library's `read(2)` (named apart from `FileBytes.read`).
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
  #if canImport(Glibc)
  return Glibc.read(fd, buffer, count)
  #else
  return Darwin.read(fd, buffer, count)
  #endif
}

/// Bounds-checked reads of fixed-size integers from a byte array.
struct ByteView {
  let bytes: [UInt8]

  /// Whether `count` bytes are available from `offset`.
  func has(_ count: Int, at offset: Int) -> Bool {
    offset >= 0 && count >= 0 && offset <= bytes.count && bytes.count - offset >= count
  }

  /// Big-endian `UInt32` at `offset`, or `nil` past the end.
  func uint32BE(at offset: Int) -> UInt32? {
    guard has(4, at: offset) else { return nil }
    var v: UInt32 = 0
    for i in 0..<4 { v = v << 8 | UInt32(bytes[offset + i]) }
    return v
  }

  /// Little-endian unsigned integer of `width` bytes (≤ 8) at `offset`, or `nil` past the end.
  func uintLE(at offset: Int, width: Int) -> UInt64? {
    guard width <= 8, has(width, at: offset) else { return nil }
    var v: UInt64 = 0
    for i in stride(from: width - 1, through: 0, by: -1) { v = v << 8 | UInt64(bytes[offset + i]) }
    return v
  }
}

/// The element count of `shape`, or `nil` when it overflows `Int` (or a size is negative).
public func checkedProduct(_ shape: [Int]) -> Int? {
  var n = 1
  for d in shape {
    guard d >= 0 else { return nil }
    let (p, overflow) = n.multipliedReportingOverflow(by: d)
    if overflow { return nil }
    n = p
  }
  return n
}

/// Limits on what a binary array file may ask the loaders to allocate.
public enum ArrayLimits {
  /// The most values one array may hold: 2³⁰, 4 GiB as float32. A header asking for more is
  /// an error before anything is allocated (an `.npz` member could otherwise inflate without
  /// bound).
  public static let maxElements = 1 << 30
}

/// The numeric element types of binary array files (`.npy`, IDX), and their conversion to
/// float32.
enum RawElementType: Sendable, Equatable {
  case uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32, float64

  /// Bytes per element.
  var width: Int {
    switch self {
    case .uint8, .int8: return 1
    case .uint16, .int16: return 2
    case .uint32, .int32, .float32: return 4
    case .uint64, .int64, .float64: return 8
    }
  }

  /// The NumPy name, e.g. `uint8`, `float32`.
  var name: String {
    switch self {
    case .uint8: return "uint8"
    case .int8: return "int8"
    case .uint16: return "uint16"
    case .int16: return "int16"
    case .uint32: return "uint32"
    case .int32: return "int32"
    case .uint64: return "uint64"
    case .int64: return "int64"
    case .float32: return "float32"
    case .float64: return "float64"
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
  func element(_ raw: UnsafeRawBufferPointer, _ at: Int, _ bigEndian: Bool) -> Float {
    func fix<T: FixedWidthInteger>(_ v: T) -> T { bigEndian ? T(bigEndian: v) : T(littleEndian: v) }
    switch self {
    case .uint8: return Float(raw[at])
    case .int8: return Float(Int8(bitPattern: raw[at]))
    case .uint16: return Float(fix(raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
    case .int16: return Float(fix(raw.loadUnaligned(fromByteOffset: at, as: Int16.self)))
    case .uint32: return Float(fix(raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
    case .int32: return Float(fix(raw.loadUnaligned(fromByteOffset: at, as: Int32.self)))
    case .uint64: return Float(fix(raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
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
