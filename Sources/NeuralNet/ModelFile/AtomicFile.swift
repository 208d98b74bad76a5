#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
private let systemRead = Darwin.read
#endif

/// A file that could not be written or read; `message` says why, `path` is the file as the
/// caller named it.
public struct FileError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The file, as the caller named it.
  public var path: String
  /// What went wrong, as a user-facing phrase.
  public var message: String

  /// An error about `path`.
  public init(path: String, _ message: String) {
    self.path = path
    self.message = message
  }

  /// `path: message`.
  public var description: String { "\(path): \(message)" }
}

/// Whole-file reads and atomic writes, with the checks that keep a session's inputs safe.
public enum AtomicFile {
  /// Writes `bytes` to `path` atomically: into a new temporary file in the same directory,
  /// flushed to disk, then renamed over `path`. A reader sees the old file or the new one,
  /// never a part. Refuses when `path` is one of `inputs` (the files the session read), or a
  /// directory. With `createDirectories`, missing parent directories are made first.
  /// `displayPath` names the file in errors (the path as the user wrote it).
  public static func write(_ bytes: [UInt8], to path: String, displayPath: String? = nil,
                           protecting inputs: [String] = [], createDirectories: Bool = false) throws {
    let shown = displayPath ?? path
    let directory = parentDirectory(of: path)
    // Directories in messages are spelt as the user wrote the path (without the base
    // directory it was resolved against).
    let display = displayer(path: path, shown: shown)
    if createDirectories { try makeDirectories(directory, shown: shown, display: display) }
    var info = stat()
    guard stat(directory, &info) == 0 else {
      throw FileError(path: shown, "cannot write: the directory \(display(directory)) does not exist")
    }
    guard info.st_mode & S_IFMT == S_IFDIR else {
      throw FileError(path: shown, "cannot write: \(display(directory)) is not a directory")
    }
    var destination = stat()
    let exists = stat(path, &destination) == 0
    if exists && destination.st_mode & S_IFMT == S_IFDIR {
      throw FileError(path: shown, "cannot write: it is a directory")
    }
    if isSameFile(path, asAnyOf: inputs) {
      throw FileError(path: shown, "refusing to overwrite a file this session reads as input; choose another name")
    }
    let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
    var template = Array((directory + "/." + name + ".tmp-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
      guard let base = buffer.baseAddress else { return -1 }
      return mkstemp(base)
    }
    guard fd >= 0 else {
      throw FileError(path: shown, "cannot write in \(display(directory)): \(errnoText())")
    }
    let temp = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var ok = false
    defer { if !ok { unlink(temp) } }
    // The new file gets the old one's permissions, or the usual 0666 less the umask.
    let mask = umask(0)
    umask(mask)
    let mode = exists ? destination.st_mode & 0o7777 : 0o666 & ~mask
    fchmod(fd, mode)
    var written = 0
    let failure: String? = bytes.withUnsafeBytes { raw -> String? in
      while written < raw.count {
        let n = systemWrite(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
        if n < 0 {
          if errno == EINTR { continue }
          return errnoText()
        }
        written += n
      }
      return nil
    }
    if let failure {
      close(fd)
      throw FileError(path: shown, "cannot write: \(failure)")
    }
    guard fsync(fd) == 0 else {
      let e = errnoText()
      close(fd)
      throw FileError(path: shown, "cannot write: \(e)")
    }
    guard close(fd) == 0 else { throw FileError(path: shown, "cannot write: \(errnoText())") }
    guard rename(temp, path) == 0 else {
      throw FileError(path: shown, "cannot replace the file: \(errnoText())")
    }
    ok = true
    // Make the rename itself durable.
    let dfd = open(directory, O_RDONLY | O_DIRECTORY)
    if dfd >= 0 { _ = fsync(dfd); close(dfd) }
  }

  /// Checks, before any work runs, that `write` to `path` will be able to create the file:
  /// makes missing parent directories, refuses a directory or one of `inputs`, and creates
  /// and removes a probe file in the directory.
  public static func checkWritable(_ path: String, displayPath: String? = nil,
                                   protecting inputs: [String] = []) throws {
    let shown = displayPath ?? path
    let directory = parentDirectory(of: path)
    let display = displayer(path: path, shown: shown)
    try makeDirectories(directory, shown: shown, display: display)
    var destination = stat()
    if stat(path, &destination) == 0 && destination.st_mode & S_IFMT == S_IFDIR {
      throw FileError(path: shown, "cannot write: it is a directory")
    }
    if isSameFile(path, asAnyOf: inputs) {
      throw FileError(path: shown, "refusing to overwrite a file this session reads as input; choose another name")
    }
    var template = Array((directory + "/.dl-probe-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { b -> Int32 in b.baseAddress.map { mkstemp($0) } ?? -1 }
    guard fd >= 0 else { throw FileError(path: shown, "cannot write in \(display(directory)): \(errnoText())") }
    close(fd)
    let probe = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    unlink(probe)
  }

  /// The whole of a regular file. Throws a `FileError` for a missing, unreadable or special
  /// file, or one larger than `limit` bytes.
  public static func read(_ path: String, displayPath: String? = nil, limit: Int = 1 << 34) throws -> [UInt8] {
    let shown = displayPath ?? path
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw FileError(path: shown, errno == ENOENT ? "no such file" : "cannot read: \(errnoText())")
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw FileError(path: shown, "cannot read: \(errnoText())") }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw FileError(path: shown, info.st_mode & S_IFMT == S_IFDIR ? "is a directory, not a file" : "is not a regular file")
    }
    let size = Int(info.st_size)
    guard size <= limit else { throw FileError(path: shown, "is \(size) bytes, larger than the limit of \(limit)") }
    var bytes = [UInt8](repeating: 0, count: size)
    var got = 0
    let failure: String? = bytes.withUnsafeMutableBytes { raw -> String? in
      while got < size {
        let n = systemRead(fd, raw.baseAddress.map { $0 + got }, size - got)
        if n < 0 {
          if errno == EINTR { continue }
          return errnoText()
        }
        if n == 0 { break }
        got += n
      }
      return nil
    }
    if let failure { throw FileError(path: shown, "cannot read: \(failure)") }
    return got == size ? bytes : Array(bytes.prefix(got))
  }

  /// Up to `count` bytes from the start of a file, and the file's size (for sniffing a
  /// format without reading everything). Nil when the file cannot be opened.
  public static func prefix(_ path: String, count: Int) -> (bytes: [UInt8], size: Int)? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
    let want = max(0, min(count, Int(info.st_size)))
    var bytes = [UInt8](repeating: 0, count: want)
    var got = 0
    bytes.withUnsafeMutableBytes { raw in
      while got < want {
        let n = systemRead(fd, raw.baseAddress.map { $0 + got }, want - got)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        got += n
      }
    }
    return (Array(bytes.prefix(got)), Int(info.st_size))
  }

  /// The canonical absolute form of an existing path (symbolic links resolved), if it exists.
  public static func canonicalPath(_ path: String) -> String? {
    guard let p = realpath(path, nil) else { return nil }
    defer { free(p) }
    return String(cString: p)
  }

  /// Whether `path` names the same file as one of `others`: the same canonical path, or the
  /// same inode (hard links).
  public static func isSameFile(_ path: String, asAnyOf others: [String]) -> Bool {
    guard !others.isEmpty else { return false }
    let target = canonicalTarget(path)
    var a = stat()
    let haveA = stat(path, &a) == 0
    for other in others {
      if let target, canonicalTarget(other) == target { return true }
      var b = stat()
      if haveA && stat(other, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino { return true }
    }
    return false
  }

  /// The canonical path of `path`, or of its directory plus its name when it does not exist yet.
  static func canonicalTarget(_ path: String) -> String? {
    if let c = canonicalPath(path) { return c }
    let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
    guard let dir = canonicalPath(parentDirectory(of: path)) else { return nil }
    return (dir == "/" ? "" : dir) + "/" + name
  }

  /// Spells a directory on the way to `path` as the user wrote it: without the base directory
  /// that `shown` was resolved against.
  static func displayer(path: String, shown: String) -> (String) -> String {
    let base = path.hasSuffix(shown) ? String(path.dropLast(shown.count)) : ""
    return { d in
      guard !base.isEmpty, d.hasPrefix(base) else { return d }
      let rest = String(d.dropFirst(base.count))
      return rest.isEmpty ? "." : rest
    }
  }

  /// The directory part of `path` (`.` for a bare name, `/` for a file at the root).
  static func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let dir = String(path[..<slash])
    return dir.isEmpty ? "/" : dir
  }

  /// `mkdir -p`: every missing directory on the way to `directory`.
  static func makeDirectories(_ directory: String, shown: String, display: (String) -> String) throws {
    var info = stat()
    if stat(directory, &info) == 0 {
      guard info.st_mode & S_IFMT == S_IFDIR else {
        throw FileError(path: shown, "cannot write: \(display(directory)) exists and is not a directory")
      }
      return
    }
    let parent = parentDirectory(of: directory)
    if parent != directory && !directory.hasSuffix("/.") && directory != "." {
      try makeDirectories(parent, shown: shown, display: display)
    }
    if mkdir(directory, 0o777) != 0 && errno != EEXIST {
      throw FileError(path: shown, "cannot create the directory \(display(directory)): \(errnoText())")
    }
  }

  static func errnoText() -> String { String(cString: strerror(errno)) }
}
