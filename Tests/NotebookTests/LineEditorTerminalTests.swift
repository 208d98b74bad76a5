import Foundation
import Testing
@testable import Notebook

@Suite("Terminal utilities and interrupts", .serialized)
struct LineEditorTerminalTests {
  @Test func unicodeSupportFollowsLocalePrecedence() {
    #expect(Terminal.supportsUnicode(environment: ["LANG": "C.UTF-8"]))
    #expect(Terminal.supportsUnicode(environment: ["LANG": "en_US.utf8"]))
    #expect(!Terminal.supportsUnicode(environment: ["LANG": "C"]))
    #expect(!Terminal.supportsUnicode(environment: [:]))
    #expect(!Terminal.supportsUnicode(environment: ["LC_ALL": "C", "LANG": "C.UTF-8"]))
    #expect(Terminal.supportsUnicode(environment: ["LC_ALL": "", "LC_CTYPE": "de_DE.UTF-8", "LANG": "C"]))
  }

  @Test func widthWithoutTerminalFallsBack() throws {
    let (read, write) = try makePipe()
    defer { close(read); close(write) }
    #expect(!Terminal.isTTY(write))
    #expect(Terminal.width(fd: write, environment: [:]) == 80)
    #expect(Terminal.width(fd: write, environment: ["COLUMNS": "132"]) == 132)
  }

  @Test func progressWriterRewritesOneLine() throws {
    let (read, write) = try makePipe()
    defer { close(read) }
    let progress = ProgressWriter(fd: write, live: true)
    progress.update("epoch 1")
    progress.update("epoch 2\nloss")
    progress.finish("done")
    close(write)
    #expect(readAll(read) == "\repoch 1\u{1B}[K\repoch 2 loss\u{1B}[K\r\u{1B}[Kdone\n")
  }

  @Test func progressWriterOffTerminalPrintsOnlyTheEnd() throws {
    let (read, write) = try makePipe()
    defer { close(read) }
    let progress = ProgressWriter(fd: write)
    #expect(!progress.isLive)
    progress.update("epoch 1")
    progress.finish("done")
    progress.finish()
    close(write)
    #expect(readAll(read) == "done\n")
  }

  @Test func progressWriterCutsLongLines() throws {
    let progress = ProgressWriter(fd: -1, live: true)
    let cut = progress.fit(String(repeating: "x", count: 500))
    #expect(cut.count == 79)
  }

  @Test func progressLinesAreCutAtAMetricBoundary() {
    let line = "24/24 ━━━━ 0s 36us/step - accuracy: 0.9479 - loss: 0.1234 - val_loss: 0.2"
    #expect(ProgressWriter.fit(line, width: 200, ellipsis: "…") == line)
    #expect(ProgressWriter.fit(line, width: 60, ellipsis: "…") == "24/24 ━━━━ 0s 36us/step - accuracy: 0.9479 - loss: 0.1234 …")
    #expect(ProgressWriter.fit(line, width: 50, ellipsis: "…") == "24/24 ━━━━ 0s 36us/step - accuracy: 0.9479 …")
    #expect(ProgressWriter.fit("x" + String(repeating: "y", count: 30), width: 11, ellipsis: ">") == "xyyyyyyyy>")
  }

  @Test func theFinalProgressLineIsNotCut() throws {
    let (read, write) = try makePipe()
    defer { close(read) }
    let progress = ProgressWriter(fd: write, live: true)
    let long = String(repeating: "m", count: 300)
    progress.finish(long)
    close(write)
    #expect(readAll(read) == "\r\u{1B}[K" + long + "\n")
  }

  @Test func interruptControllerCountsPresses() {
    let before = currentHandler()
    let controller = InterruptController(exitAfter: 0)
    controller.begin()
    #expect(!controller.stopRequested)
    raise(SIGINT)
    #expect(controller.pressCount == 1)
    #expect(controller.stopRequested && !controller.stopImmediately)
    raise(SIGINT)
    #expect(controller.stopImmediately)
    controller.reset()
    #expect(controller.pressCount == 0)
    controller.end()
    #expect(currentHandler() == before)
  }

  @Test func interruptControllerRunRestoresHandler() {
    let before = currentHandler()
    let controller = InterruptController(exitAfter: 0)
    let presses = controller.run { () -> Int in
      raise(SIGINT)
      return controller.pressCount
    }
    #expect(presses == 1)
    #expect(currentHandler() == before)
  }

  /// The SIGINT handler address, to compare before/after.
  private func currentHandler() -> UnsafeRawPointer? {
    var action = sigaction()
    sigaction(SIGINT, nil, &action)
    return unsafeBitCast(action.__sigaction_handler.sa_handler, to: UnsafeRawPointer?.self)
  }

  private func makePipe() throws -> (Int32, Int32) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
    return (fds[0], fds[1])
  }

  private func readAll(_ fd: Int32) -> String {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1024)
    while true {
      let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      guard count > 0 else { break }
      bytes += buffer[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
