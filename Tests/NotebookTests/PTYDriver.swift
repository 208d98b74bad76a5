import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program in a pseudo-terminal for end-to-end tests: type into it,
/// wait for text on its screen output (ANSI escapes stripped), check its exit.
final class PTYDriver {
  /// Keys with their xterm byte sequences.
  enum Key: String {
    case up = "\u{1B}[A", down = "\u{1B}[B", right = "\u{1B}[C", left = "\u{1B}[D"
    case home = "\u{1B}[H", end = "\u{1B}[F"
    case tab = "\t", enter = "\r", backspace = "\u{7F}"
    case ctrlA = "\u{01}", ctrlC = "\u{03}", ctrlD = "\u{04}", ctrlE = "\u{05}", ctrlR = "\u{12}"
  }

  /// A wait that ran out of time, with everything seen so far.
  struct Timeout: Error, CustomStringConvertible {
    var waitingFor: String
    var output: String
    var description: String { "timed out waiting for \(waitingFor.debugDescription); output:\n\(output)" }
  }

  struct SpawnError: Error, CustomStringConvertible {
    var description: String
  }

  let pid: pid_t
  private let master: Int32
  private var stripper = ANSIStripper()
  private var screen: [UInt8] = []
  private var raw: [UInt8] = []
  private var mark = 0
  private var closed = false
  private var exitStatus: Int32?

  /// Starts `binary` with `arguments` in a `columns`×`rows` terminal, in `workingDirectory`
  /// (the test's own when nil). The child's environment is TERM=xterm, LANG=C.UTF-8, PATH,
  /// HOME=`home`, plus `environment`.
  init(binary: String, arguments: [String] = [], home: String, workingDirectory: String? = nil,
       environment: [String: String] = [:], columns: UInt16 = 100, rows: UInt16 = 30) throws {
    var env = ["TERM": "xterm", "LANG": "C.UTF-8", "HOME": home, "PATH": "/usr/bin:/bin"]
    env.merge(environment) { $1 }
    // Everything the child touches is allocated before fork: it only calls execve/_exit.
    let argv = CStringArray([binary] + arguments)
    let envp = CStringArray(env.map { "\($0.key)=\($0.value)" }.sorted())
    let cwd: UnsafeMutablePointer<CChar>? = workingDirectory.flatMap { strdup($0) }
    defer { argv.free(); envp.free(); free(cwd) }
    var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
    // The test runner blocks/ignores some signals; give the child a clean slate.
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    var defaultAction = sigaction()
    let signals: [Int32] = [SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGHUP, SIGTERM, SIGCHLD]
    var fd: Int32 = -1
    let child = forkpty(&fd, nil, nil, &size)
    if child == 0 {
      signals.withUnsafeBufferPointer { list in
        for index in 0..<list.count { sigaction(list[index], &defaultAction, nil) }
      }
      sigprocmask(SIG_SETMASK, &emptyMask, nil)
      if let cwd, chdir(cwd) != 0 { _exit(126) }
      if let path = argv.pointers[0] { execve(path, argv.pointers, envp.pointers) }
      _exit(127)
    }
    guard child > 0 else { throw SpawnError(description: "forkpty failed: errno \(errno)") }
    pid = child
    master = fd
  }

  deinit {
    if exitStatus == nil {
      kill(pid, SIGKILL)
      var status: Int32 = 0
      waitpid(pid, &status, 0)
    }
    close(master)
  }

  /// Everything received so far, escapes included, as a Swift literal.
  var rawOutput: String { String(decoding: raw, as: UTF8.self).debugDescription }

  /// Everything shown so far, escapes stripped.
  var output: String { String(decoding: screen, as: UTF8.self) }

  /// Types `text` as is.
  func send(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let written = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { return }
      bytes = bytes.dropFirst(written)
    }
  }

  /// Presses `key`.
  func sendKey(_ key: Key) {
    send(key.rawValue)
  }

  /// Waits until `text` appears in the output after the previous match, and
  /// returns the output from the previous match through this one.
  @discardableResult
  func waitFor(_ text: String, timeout: Double = 10) throws -> String {
    let needle = Array(text.utf8)
    let deadline = Date().addingTimeInterval(timeout)
    var from = mark
    while true {
      if let range = find(needle, from: from) {
        let seen = String(decoding: screen[mark..<range.upperBound], as: UTF8.self)
        mark = range.upperBound
        return seen
      }
      let left = deadline.timeIntervalSinceNow
      guard left > 0, !closed else {
        throw Timeout(waitingFor: text, output: output + "\nraw: " + rawOutput)
      }
      from = max(mark, screen.count - needle.count + 1)  // what was scanned cannot match
      pump(timeoutMs: Int32(min(left, 1) * 1000))
    }
  }

  /// Reads output until the child closes the terminal, then reaps it.
  /// Returns the exit status, or 128+signal if it was killed.
  func waitForExit(timeout: Double = 10) throws -> Int32 {
    if let exitStatus { return exitStatus }
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      var status: Int32 = 0
      if waitpid(pid, &status, WNOHANG) == pid {
        while !closed && pump(timeoutMs: 0) {}
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        exitStatus = code
        return code
      }
      pump(timeoutMs: 50)
    }
    throw Timeout(waitingFor: "process exit", output: output + "\nraw: " + rawOutput)
  }

  /// Reads what is available within `timeoutMs`. Returns whether data arrived.
  @discardableResult
  private func pump(timeoutMs: Int32) -> Bool {
    guard !closed else { return false }
    var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
    let ready = poll(&pfd, 1, timeoutMs)
    guard ready > 0 else { return false }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
    if count < 0 && errno == EINTR { return false }
    guard count > 0 else { closed = true; return false }  // EIO: the child closed the pty
    raw.append(contentsOf: buffer[..<count])
    screen.append(contentsOf: stripper.feed(buffer[..<count]))
    return true
  }

  private func find(_ needle: [UInt8], from: Int) -> Range<Int>? {
    guard !needle.isEmpty, screen.count - from >= needle.count else { return nil }
    for start in from...(screen.count - needle.count)
    where screen[start..<(start + needle.count)].elementsEqual(needle) {
      return start..<(start + needle.count)
    }
    return nil
  }

  /// The binary users get: `$DL_BINARY`, else `<package>/.build/release/dl` (built by
  /// `make test` with `swift build -c release --product dl`). There is no fallback to the
  /// debug build: the end-to-end tests must run what users run.
  static func locateBinary(filePath: String = #filePath) -> String? {
    if let path = ProcessInfo.processInfo.environment["DL_BINARY"], !path.isEmpty {
      return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
    var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
    while directory.path != "/" {
      if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
        let binary = directory.appendingPathComponent(".build/release/dl").path
        return FileManager.default.isExecutableFile(atPath: binary) ? binary : nil
      }
      directory = directory.deletingLastPathComponent()
    }
    return nil
  }
}

extension PTYDriver {
  /// Why the binary is missing, as a test failure.
  struct MissingBinary: Error, CustomStringConvertible {
    var description: String {
      "the release dl binary is missing: run `make test`, or `swift build -c release --product dl` "
        + "before `swift test` (or set DL_BINARY)"
    }
  }

  /// `locateBinary()`, or a clear failure.
  static func requireBinary(filePath: String = #filePath) throws -> String {
    guard let binary = locateBinary(filePath: filePath) else { throw MissingBinary() }
    return binary
  }
}

/// NUL-terminated C string array for execve, freed explicitly.
private struct CStringArray {
  let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

  init(_ strings: [String]) {
    pointers = .allocate(capacity: strings.count + 1)
    for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
    pointers[strings.count] = nil
  }

  func free() {
    var index = 0
    while let pointer = pointers[index] { Glibc.free(pointer); index += 1 }
    pointers.deallocate()
  }
}

/// Drops ANSI escape sequences and control bytes other than newline and tab,
/// incrementally (sequences may be split across reads).
struct ANSIStripper {
  private enum State { case text, escape, csi, osc, oscEscape, charset }
  private var state = State.text

  mutating func feed<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
    var out: [UInt8] = []
    for byte in bytes {
      switch state {
      case .text:
        if byte == 0x1B { state = .escape }
        else if byte >= 0x20 || byte == 0x0A || byte == 0x09 { out.append(byte) }
      case .escape:
        switch byte {
        case UInt8(ascii: "["): state = .csi
        case UInt8(ascii: "]"): state = .osc
        case UInt8(ascii: "("), UInt8(ascii: ")"): state = .charset
        default: state = .text
        }
      case .csi:
        if (0x40...0x7E).contains(byte) { state = .text }
      case .osc:
        if byte == 0x07 { state = .text } else if byte == 0x1B { state = .oscEscape }
      case .oscEscape, .charset:
        state = .text
      }
    }
    return out
  }
}
