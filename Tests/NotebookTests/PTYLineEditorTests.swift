import Foundation
import Testing

/// End-to-end: the temporary echo REPL in Sources/dl/main.swift, driven
/// through a pseudo-terminal. Needs `swift build --product dl` first.
///
/// Keys are only sent once the prompt is visible: keys typed while the REPL is
/// between prompts go to the cooked tty (a lone ^D there is swallowed).
@Suite("LineEditor in a pseudo-terminal", .serialized,
       .enabled(if: PTYDriver.locateBinary() != nil,
                "dl binary not found: run `swift build --product dl` (or set DL_BINARY) before `swift test`"))
final class PTYLineEditorTests {
  let home: String

  init() throws {
    home = NSTemporaryDirectory() + "dl-pty-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: home)
  }

  private func start() throws -> PTYDriver {
    let binary = try #require(PTYDriver.locateBinary())
    let driver = try PTYDriver(binary: binary, home: home)
    try driver.waitFor("dl> ")
    return driver
  }

  @Test func echoesLineAndExitsOnCtrlD() throws {
    let dl = try start()
    dl.send("hello world")
    dl.sendKey(.enter)
    try dl.waitFor("echo: hello world")
    try dl.waitFor("dl> ")
    dl.sendKey(.ctrlD)
    try dl.waitFor("bye")
    #expect(try dl.waitForExit() == 0)
    let saved = try String(contentsOfFile: home + "/.local/state/dl/history", encoding: .utf8)
    #expect(saved.contains("hello"))
  }

  @Test func tabCompletesSingleCandidate() throws {
    let dl = try start()
    dl.send("den")
    dl.sendKey(.tab)
    try dl.waitFor("dense")
    dl.sendKey(.enter)
    try dl.waitFor("echo: dense\n")
  }

  @Test func tabCompletesAfterNonASCIIText() throws {
    let dl = try start()
    dl.send("é = den")
    dl.sendKey(.tab)
    try dl.waitFor("se")
    dl.sendKey(.enter)
    try dl.waitFor("echo: é = dense\n")
  }

  @Test func tabListsSeveralCandidates() throws {
    let dl = try start()
    dl.send("co")
    dl.sendKey(.tab)
    // LCP "con" is inserted, candidates are listed, the line is redrawn.
    let listing = try dl.waitFor("concat")
    #expect(listing.contains("conv2d"))
    try dl.waitFor("dl> con")
    dl.send("v")
    dl.sendKey(.tab)
    try dl.waitFor("2d")
    dl.sendKey(.enter)
    try dl.waitFor("echo: conv2d\n")
  }

  @Test func upArrowRecallsPreviousLine() throws {
    let dl = try start()
    dl.send("first line\r")
    try dl.waitFor("echo: first line")
    try dl.waitFor("dl> ")
    dl.sendKey(.up)
    try dl.waitFor("first line")
    dl.send("!")
    dl.sendKey(.enter)
    try dl.waitFor("echo: first line!")
  }

  @Test func ctrlCAbandonsLineAndReprompts() throws {
    let dl = try start()
    dl.send("half typed")
    try dl.waitFor("half typed")
    dl.sendKey(.ctrlC)
    try dl.waitFor("^C")
    try dl.waitFor("dl> ")
    dl.send("still alive\r")
    let echoed = try dl.waitFor("echo: still alive")
    #expect(!echoed.contains("half typed"))
    try dl.waitFor("dl> ")
    dl.sendKey(.ctrlD)
    #expect(try dl.waitForExit() == 0)
  }

  @Test func ctrlCStopsRunningStatement() throws {
    let dl = try start()
    dl.send("spin\r")
    try dl.waitFor("spinning")
    dl.sendKey(.ctrlC)
    try dl.waitFor("stopped after 1 interrupt(s)")
    try dl.waitFor("dl> ")
    dl.send("after\r")
    try dl.waitFor("echo: after")
  }

  @Test func ctrlRSearchesHistory() throws {
    let dl = try start()
    dl.send("alpha one\r")
    try dl.waitFor("echo: alpha one")
    try dl.waitFor("dl> ")
    dl.send("beta two\r")
    try dl.waitFor("echo: beta two")
    try dl.waitFor("dl> ")
    dl.sendKey(.ctrlR)
    dl.send("alp")
    try dl.waitFor("alpha one")
    dl.sendKey(.enter)
    try dl.waitFor("echo: alpha one")
  }

  @Test func homeAndEndMoveCursor() throws {
    let dl = try start()
    dl.send("mid")
    dl.sendKey(.home)
    dl.send("<")
    dl.sendKey(.end)
    dl.send(">")
    dl.sendKey(.enter)
    try dl.waitFor("echo: <mid>")
  }

  @Test func historyPersistsAcrossSessions() throws {
    let first = try start()
    first.send("remember me\r")
    try first.waitFor("echo: remember me")
    try first.waitFor("dl> ")
    first.sendKey(.ctrlD)
    #expect(try first.waitForExit() == 0)

    let second = try start()
    second.sendKey(.up)
    try second.waitFor("remember me")
    second.sendKey(.enter)
    try second.waitFor("echo: remember me")
  }
}
