#if canImport(Glibc)
import Glibc
#endif

/// Reading a source file (UTF-8) without Foundation.
public enum SourceFile {
  /// Why a script could not be read.
  public enum Failure: Error, Equatable, CustomStringConvertible {
    case noSuchFile
    case directory
    /// The system's reason (permission denied, …).
    case unreadable(String)
    /// Not UTF-8: the line (1-based) and byte offset (0-based, in the file) of the first bad
    /// byte, and its value.
    case notUTF8(line: Int, offset: Int, byte: UInt8)

    /// `is a directory`, `invalid UTF-8 at byte 17 (0xE9); …`, without the path.
    public var description: String {
      switch self {
      case .noSuchFile: return "no such file"
      case .directory: return "is a directory, not a script"
      case .unreadable(let why): return why
      case .notUTF8(_, let offset, let byte):
        let hex = String(byte, radix: 16, uppercase: true)
        return "invalid UTF-8 at byte \(offset) (0x\(hex.count == 1 ? "0" + hex : hex)); save the script as UTF-8 text"
      }
    }

    /// Whether the problem is in the file's content (an error in the script: exit 65) rather
    /// than in finding or opening it (a usage error: exit 64).
    public var isContentError: Bool {
      if case .notUTF8 = self { return true }
      return false
    }

    /// The line of a content error.
    public var line: Int? {
      if case .notUTF8(let line, _, _) = self { return line }
      return nil
    }

    /// `path:3: invalid UTF-8 …` or `cannot read 'path': no such file`.
    public func message(path: String) -> String {
      if let line { return "\(path):\(line): error: \(description)" }
      return "cannot read '\(path)': \(description)"
    }
  }

  /// The file's text, or nil when it cannot be read or is not UTF-8.
  public static func read(_ path: String) -> String? {
    try? load(path).get()
  }

  /// The file's text (a leading UTF-8 byte-order mark skipped), or why it cannot be had.
  public static func load(_ path: String) -> Result<String, Failure> {
    var info = stat()
    if stat(path, &info) != 0 {
      return .failure(errno == ENOENT || errno == ENOTDIR ? .noSuchFile : .unreadable(reason(errno)))
    }
    if (info.st_mode & S_IFMT) == S_IFDIR { return .failure(.directory) }
    guard let f = fopen(path, "rb") else { return .failure(.unreadable(reason(errno))) }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, 65536, f) }
      if n <= 0 { break }
      bytes.append(contentsOf: buffer[0..<n])
    }
    if ferror(f) != 0 { return .failure(.unreadable(reason(errno))) }
    return decode(bytes)
  }

  /// UTF-8 bytes as text, skipping a leading byte-order mark; the first invalid byte otherwise.
  public static func decode(_ bytes: [UInt8]) -> Result<String, Failure> {
    let start = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    let body = bytes[start...]
    if let text = String(validating: body, as: UTF8.self) { return .success(text) }
    // Find the first bad byte: the end of the longest valid prefix.
    var offset = start
    var line = 1
    var iterator = body.makeIterator()
    var decoder = UTF8()
    loop: while true {
      switch decoder.decode(&iterator) {
      case .scalarValue(let s):
        if s == "\n" { line += 1 }
        offset += UTF8.width(s)
      case .emptyInput: break loop
      case .error: break loop
      }
    }
    let byte = offset < bytes.count ? bytes[offset] : 0
    return .failure(.notUTF8(line: line, offset: offset, byte: byte))
  }

  private static func reason(_ code: Int32) -> String {
    switch code {
    case EACCES: return "permission denied"
    case EISDIR: return "is a directory, not a script"
    default:
      if let text = strerror(code) { return String(cString: text).lowercased() }
      return "cannot read (errno \(code))"
    }
  }

  /// The file's canonical path (symbolic links and `..` resolved), to tell whether two paths
  /// name the same file; nil when it does not exist.
  public static func identity(_ path: String) -> String? {
    guard let p = realpath(path, nil) else { return nil }
    defer { free(p) }
    return String(cString: p)
  }
}
