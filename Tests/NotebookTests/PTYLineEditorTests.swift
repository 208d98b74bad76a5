import Foundation
import Testing

/// Line editing in the real `dl` REPL through a pseudo-terminal: TAB listing, Ctrl-C at the
/// prompt, Ctrl-R, Home/End, continuation prompts, history kept across sessions.
@Suite("Line editing in a pseudo-terminal", .serialized)
final class PTYLineEditorTests {
  let pty: PTYSession

  init() throws { pty = try PTYSession() }
  deinit { pty.cleanUp() }

  @Test func tabCompletesAfterNonASCIIText() throws {
    let dl = try pty.start()
    dl.send("print \"é\", 1 + 2, \"ok\"")
    dl.sendKey(.home)
    dl.sendKey(.end)
    try dl.enter("", expect: ["é 3 ok"])
    try dl.enter("total = 5")
    dl.send("print \"é\", tot")
    dl.sendKey(.tab)
    try dl.waitFor("al")
    try dl.enter("", expect: ["é 5"])
  }

  @Test func tabListsSeveralCandidatesThenCompletes() throws {
    let dl = try pty.start()
    dl.send("s")
    dl.sendKey(.tab)
    // Several statements start with s: they are listed and the line is redrawn.
    let listing = try dl.waitFor("standardize")
    #expect(listing.contains("seed") && listing.contains("split"), "\(listing)")
    try dl.waitFor("dl> s")
    dl.send("ee")
    dl.sendKey(.tab)
    try dl.waitFor("d")
    try dl.enter(" 3")
    try dl.enter("print \"fine\"", expect: ["fine\n"])
  }

  @Test func ctrlCAtThePromptClearsTheLine() throws {
    let dl = try pty.start()
    dl.send("print \"half typed\"")
    try dl.waitFor("half typed")
    dl.sendKey(.ctrlC)
    try dl.waitFor("^C")
    try dl.waitFor("dl> ")
    let shown = try dl.enter("print \"still alive\"", expect: ["still alive\n"])
    #expect(!shown.contains("half typed"))
    // Also inside an open block: the whole block is abandoned.
    try dl.enter("model m {", prompt: "...> ")
    dl.sendKey(.ctrlC)
    try dl.waitFor("dl> ")
    try dl.enter("print 7", expect: ["7\n"])
    dl.sendKey(.ctrlD)
    #expect(try dl.waitForExit(timeout: 30) == 0)
  }

  @Test func continuationPromptWhileABracketIsOpen() throws {
    let dl = try pty.start()
    try dl.enter("v = [1, 2,", prompt: "...> ")
    try dl.enter("     3]")
    try dl.enter("print v", expect: ["[1, 2, 3]"])
  }

  @Test func ctrlRSearchesHistory() throws {
    let dl = try pty.start()
    try dl.enter("print \"alpha one\"", expect: ["alpha one\n"])
    try dl.enter("print \"beta two\"", expect: ["beta two\n"])
    dl.sendKey(.ctrlR)
    dl.send("alp")
    try dl.waitFor("alpha one")
    try dl.enter("", expect: ["alpha one\n"])
  }

  @Test func homeAndEndMoveTheCursor() throws {
    let dl = try pty.start()
    dl.send("\"mid\"")
    dl.sendKey(.home)
    dl.send("print \"<\", ")
    dl.sendKey(.end)
    dl.send(", \">\"")
    try dl.enter("", expect: ["< mid >"])
  }

  @Test func historyPersistsAcrossSessions() throws {
    let first = try pty.start()
    try first.enter("print \"remember me\"", expect: ["remember me\n"])
    first.sendKey(.ctrlD)
    #expect(try first.waitForExit(timeout: 30) == 0)
    let saved = try pty.savedHistory()
    #expect(saved == ["print \"remember me\""], "\(saved)")

    let second = try pty.start()
    second.sendKey(.up)
    try second.waitFor("remember me")
    try second.enter("", expect: ["remember me\n"])
  }
}
