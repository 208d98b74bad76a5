import Foundation
import Testing

/// `show` through the real binary: 256-colour cells on a terminal, plain characters in a pipe.
@Suite("show on a terminal and in a pipe", .serialized)
final class ShowTerminalTests {
  let pty: PTYSession

  init() throws { pty = try PTYSession() }
  deinit { pty.cleanUp() }

  static let lines = [
    "img = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]",
    "model m { input 3x4x1; maxpool 2x2 stride=1 }",
  ]

  @Test("on a colour terminal show draws 256-colour cells wrapped to the terminal's width")
  func colourOnATerminal() throws {
    let dl = try pty.start()
    for line in Self.lines { try dl.enter(line) }
    let image = try dl.enter("show img", expect: ["img: (3, 4)"])
    #expect(image.contains("\u{1B}[48;5;"), "\(image)")
    let layer = try dl.enter("show img, m.maxpool_1 img", expect: ["m.maxpool_1"])
    #expect(layer.contains("\u{1B}[48;5;"), "\(layer)")
    dl.sendKey(.ctrlD)
    #expect(try dl.waitForExit(timeout: 30) == 0)
  }

  @Test("piped, show prints plain characters and no escape codes")
  func plainInAPipe() throws {
    let r = try BinaryRun.run([], stdin: (Self.lines + ["show img", "show img, m.maxpool_1 img"]).joined(separator: "\n") + "\n")
    #expect(r.status == 0, "\(r.stderr)")
    #expect(!r.stdout.contains("\u{1B}"), "\(r.stdout)")
    #expect(r.stdout.contains("img: (3, 4)\n"))
    #expect(r.stdout.contains("0 [ .:-=+*#%@] 11"))
    #expect(r.stdout.contains("m.maxpool_1"))
  }
}
