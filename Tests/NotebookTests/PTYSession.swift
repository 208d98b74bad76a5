import Foundation
import Testing

/// A `dl` process in a pseudo-terminal for end-to-end tests: HOME and XDG_STATE_HOME in a
/// temporary directory (removed by `cleanUp`), the package root as working directory so
/// `examples/...` paths resolve.
///
/// Keys are only sent once a prompt is visible: keys typed while dl is between prompts go to
/// the cooked tty (a lone ^D there is swallowed).
final class PTYSession {
  let home: String
  var stateHome: String { home + "/state" }
  var historyFile: String { stateHome + "/dl/history" }

  init() throws {
    home = NSTemporaryDirectory() + "dl-pty-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
  }

  /// The saved history's lines, decoded from libedit's file format (`\040` for a space).
  func savedHistory() throws -> [String] {
    let text = try String(contentsOfFile: historyFile, encoding: .utf8)
    return text.split(separator: "\n").dropFirst().map {
      $0.replacingOccurrences(of: "\\040", with: " ").replacingOccurrences(of: "\\\\", with: "\\")
    }
  }

  func cleanUp() { try? FileManager.default.removeItem(atPath: home) }

  /// Starts `dl arguments…` and waits for its first prompt.
  func start(_ arguments: [String] = [], firstPrompt: Double = 60) throws -> PTYDriver {
    let binary = try PTYDriver.requireBinary()
    let driver = try PTYDriver(
      binary: binary, arguments: arguments, home: home, workingDirectory: BinaryRun.root.path,
      environment: ["XDG_STATE_HOME": stateHome, "OPENBLAS_NUM_THREADS": "1"], columns: 120, rows: 40)
    try driver.waitFor("dl> ", timeout: firstPrompt)
    return driver
  }

}

extension PTYDriver {
  /// Types `line` and Enter, waits for each of `expected` in order, then for the next prompt
  /// (`dl> `, or `...> ` inside a block). Returns what was shown meanwhile.
  @discardableResult
  func enter(_ line: String, expect expected: [String] = [], prompt: String = "dl> ",
             timeout: Double = 30) throws -> String {
    send(line)
    sendKey(.enter)
    var seen = ""
    for text in expected { seen += try waitFor(text, timeout: timeout) }
    seen += try waitFor(prompt, timeout: timeout)
    return seen
  }
}
