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

/// The element count of `shape`, or `nil` when it overflows `Int`.
func checkedProduct(_ shape: [Int]) -> Int? {
  var n = 1
  for d in shape {
    guard d >= 0 else { return nil }
    let (p, overflow) = n.multipliedReportingOverflow(by: d)
    if overflow { return nil }
    n = p
  }
  return n
}
