// Temporary echo REPL exercising Notebook's LineEditor (replaced by the real
// REPL on merge). Used by the PTY tests in NotebookTests.
import Foundation
import Notebook

let words = ["dense", "dropout", "debug", "conv2d", "concat", "history", "help"]

let editor = LineEditor(programName: "dl", historyFile: HistoryFile.defaultPath())
editor.completer = { line, cursor in
  let bytes = Array(line.utf8.prefix(cursor))
  let start = (bytes.lastIndex { !(UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
    && !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ?? -1) + 1
  let word = String(decoding: bytes[start...], as: UTF8.self)
  return Completion(replaceFrom: start, candidates: words.filter { $0.hasPrefix(word) })
}

/// `spin`: a stand-in for a long statement, stopped by Ctrl-C.
func spin() {
  let interrupts = InterruptController()
  interrupts.run {
    print("spinning")
    while !interrupts.stopRequested { usleep(1000) }
    print("stopped after \(interrupts.pressCount) interrupt(s)")
  }
}

print("dl echo REPL (Ctrl-D to exit)")
loop: while true {
  switch editor.readLine(prompt: "dl> ") {
  case .eof:
    break loop
  case .interrupted:
    continue
  case .line(let line):
    editor.addHistory(line)
    if line == "spin" {
      spin()
    } else if line == "history" {
      for (number, entry) in editor.historyEntries.enumerated() { print("\(number + 1)  \(entry)") }
    } else {
      print("echo: \(line)")
    }
  }
}
editor.saveHistory()
print("bye")
exit(0)
