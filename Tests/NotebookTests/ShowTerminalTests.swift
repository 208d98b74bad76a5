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
    // The screen text has the escapes stripped: cells are coloured spaces, the legend the range.
    let image = try dl.enter("show img", expect: ["img: (3, 4)"])
    #expect(image.contains("0 [          ] 11"), "\(image)")
    let layer = try dl.enter("show img, m.maxpool_1 img", expect: ["m.maxpool_1"])
    #expect(layer.contains("min 5"), "\(layer)")
    // What the terminal received: 256-colour backgrounds (ESC [ 48 ; 5 ; n m), greys 16, 232…255, 231.
    let raw = dl.rawOutput
    #expect(raw.contains("\\u{1B}[48;5;16m") && raw.contains("\\u{1B}[48;5;231m"), "\(raw)")
    #expect(!raw.contains("[ .:-=+*#%@]"), "no shade characters on a colour terminal")
    // Sixteen feature maps wrap to the terminal's 120 columns, not to a pipe's 80.
    try dl.enter("model w { input 3x4x1; conv2d 16 2x2 padding=same }")
    let maps = try dl.enter("show w.conv2d_1 img", expect: ["scale per map"])
    let widths = maps.split(separator: "\n").filter { $0.hasPrefix("ch 0") || $0.hasPrefix("min ") }.map(\.count)
    #expect(widths.contains { $0 > 80 } && widths.allSatisfy { $0 <= 120 }, "\(maps)")
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
