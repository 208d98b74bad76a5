import Foundation
import Testing
@testable import Notebook

@Suite("History and history file", .serialized)
final class LineEditorHistoryTests {
  let dir: String

  init() throws {
    dir = NSTemporaryDirectory() + "dl-history-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: dir)
  }

  @Test func addSkipsBlankAndRepeatedLines() {
    let editor = LineEditor(programName: "dl-test", historyFile: nil)
    editor.addHistory("a = 1")
    editor.addHistory("a = 1")
    editor.addHistory("   ")
    editor.addHistory("")
    editor.addHistory("b = 2\n")
    editor.addHistory("a = 1")
    #expect(editor.historyEntries == ["a = 1", "b = 2", "a = 1"])
    editor.clearHistory()
    #expect(editor.historyEntries.isEmpty)
  }

  @Test func memoryIsCappedToHistorySize() {
    let editor = LineEditor(programName: "dl-test", historyFile: nil, historySize: 3)
    for index in 1...5 { editor.addHistory("line \(index)") }
    #expect(editor.historyEntries == ["line 3", "line 4", "line 5"])
  }

  @Test func saveAndReloadRoundTrip() throws {
    let path = dir + "/history"
    let editor = LineEditor(programName: "dl-test", historyFile: path)
    editor.addHistory("model = dense(4, 3)")
    editor.addHistory("print(\"tab\\there\")")
    editor.addHistory("x  with  spaces")
    #expect(editor.saveHistory())

    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir)
    #expect(leftovers == ["history"])

    let reloaded = LineEditor(programName: "dl-test", historyFile: path)
    #expect(reloaded.historyEntries == editor.historyEntries)
  }

  @Test func fileIsCappedOnSaveAndLoad() throws {
    let path = dir + "/history"
    let big = LineEditor(programName: "dl-test", historyFile: path, historySize: 50)
    for index in 1...20 { big.addHistory("cmd \(index)") }
    #expect(big.saveHistory())

    let small = LineEditor(programName: "dl-test", historyFile: path, historySize: 5)
    #expect(small.historyEntries == (16...20).map { "cmd \($0)" })
    #expect(small.saveHistory())
    let again = LineEditor(programName: "dl-test", historyFile: path, historySize: 50)
    #expect(again.historyEntries.count == 5)
  }

  @Test func saveReplacesExistingFileAtomically() throws {
    let path = dir + "/history"
    try "old contents\n".write(toFile: path, atomically: false, encoding: .utf8)
    let editor = LineEditor(programName: "dl-test", historyFile: path)
    editor.clearHistory()
    editor.addHistory("new")
    #expect(editor.saveHistory())
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.contains("new") && !text.contains("old contents"))
  }

  @Test func failedWriteLeavesTargetAndNoTempFile() throws {
    let path = dir + "/history"
    try "keep me\n".write(toFile: path, atomically: false, encoding: .utf8)
    let ok = HistoryFile.writeAtomically(to: path) { temp in
      _ = FileManager.default.createFile(atPath: temp, contents: Data("partial".utf8))
      return false
    }
    #expect(!ok)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["history"])
  }

  @Test func unwritableLocationsDoNotCrash() throws {
    let missing = LineEditor(programName: "dl-test", historyFile: dir + "/no/such/dir/history")
    missing.addHistory("x")
    #expect(!missing.saveHistory())
    // Renaming onto a directory fails: the temp file must be cleaned up.
    let directoryTarget = dir + "/isdir"
    try FileManager.default.createDirectory(atPath: directoryTarget + "/child", withIntermediateDirectories: true)
    let editor = LineEditor(programName: "dl-test", historyFile: directoryTarget)
    editor.addHistory("y")
    #expect(!editor.saveHistory())
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["isdir"])
    let none = LineEditor(programName: "dl-test", historyFile: nil)
    #expect(!none.saveHistory())
  }

  @Test func defaultPathPrefersXDGStateHome() throws {
    let state = dir + "/state"
    let path = HistoryFile.defaultPath(environment: ["XDG_STATE_HOME": state, "HOME": dir + "/home"])
    #expect(path == state + "/dl/history")
    var isDirectory: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: state + "/dl", isDirectory: &isDirectory))
    #expect(isDirectory.boolValue)
  }

  @Test func defaultPathFallsBackToHome() {
    let home = dir + "/home"
    #expect(HistoryFile.defaultPath(environment: ["HOME": home]) == home + "/.local/state/dl/history")
    // A relative XDG_STATE_HOME is invalid per the spec and ignored.
    #expect(HistoryFile.defaultPath(environment: ["XDG_STATE_HOME": "rel", "HOME": home])
      == home + "/.local/state/dl/history")
  }

  @Test func defaultPathIsNilWhenUnusable() throws {
    #expect(HistoryFile.defaultPath(environment: [:]) == nil)
    let file = dir + "/plainfile"
    try "x".write(toFile: file, atomically: false, encoding: .utf8)
    #expect(HistoryFile.defaultPath(environment: ["XDG_STATE_HOME": file]) == nil)
  }
}
