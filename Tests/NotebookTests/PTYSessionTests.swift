import Foundation
import Testing

/// End-to-end: the real `dl` REPL driven through a pseudo-terminal, as a user would type.
/// Needs the release binary (`make test` builds it; or DL_BINARY); fails when it is missing. Waits are generous; nothing sleeps.
@Suite("dl session in a pseudo-terminal", .serialized)
final class PTYSessionTests {
  let pty: PTYSession

  init() throws { pty = try PTYSession() }
  deinit { pty.cleanUp() }

  @Test("a notebook session: live model block, TAB, history, Ctrl-C in fit, errors, Ctrl-D")
  func notebookSession() throws {
    let dl = try pty.start()
    try dl.enter("iris = load \"examples/data/iris.csv\" target=label", expect: ["150 rows"])

    // A model block typed line by line: each layer's shape is echoed as it is entered.
    try dl.enter("model net {", prompt: "...> ")
    try dl.enter("  input 4", expect: ["→ (None, 4)"], prompt: "...> ")
    dl.send("  den")
    dl.sendKey(.tab)
    try dl.waitFor("dense")
    try dl.enter(" 16 relu", expect: ["→ (None, 16)", "80 params"], prompt: "...> ")
    // A wrong layer is reported at once, with its location and a caret; the block stays open.
    let wrong = try dl.enter("  dense 3 sofmax", expect: ["error: unknown activation 'sofmax'", "^"],
                             prompt: "...> ")
    #expect(wrong.contains("<cell 2>:4:11: error"), "\(wrong)")
    try dl.enter("  dense 3 softmax", expect: ["→ (None, 3)", "51 params"], prompt: "...> ")
    try dl.enter("}", expect: ["model net: 2 layers, 131 parameters"])
    try dl.enter("compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]")

    // A variable name completed with TAB, then the line recalled with the up arrow.
    try dl.enter("answer = 42")
    dl.send("print ans")
    dl.sendKey(.tab)
    try dl.waitFor("answer")
    try dl.enter("", expect: ["42\n"])
    dl.sendKey(.up)
    try dl.waitFor("print answer")
    try dl.enter("", expect: ["42\n"])

    // A long fit shows live progress; Ctrl-C stops it at the end of a batch, weights kept.
    dl.send("fit net iris epochs=100000 batch=16 verbose=1")
    dl.sendKey(.enter)
    try dl.waitFor("Epoch 1/100000", timeout: 60)
    try dl.waitFor("/step", timeout: 60)
    dl.sendKey(.ctrlC)
    let stopped = try dl.waitFor("weights kept", timeout: 60)
    #expect(stopped.contains("stopped by Ctrl-C in epoch "), "\(stopped)")
    try dl.waitFor("dl> ", timeout: 30)
    try dl.enter("evaluate net iris", expect: ["loss: ", "accuracy: "])

    // An error cell is located and leaves every name in place.
    let error = try dl.enter("y = answer + nope", expect: ["error: unknown name 'nope'"])
    #expect(error.contains(":1:14: error"), "\(error)")
    #expect(error.contains("^~~~"), "\(error)")
    try dl.enter("print answer + 1", expect: ["43\n"])
    try dl.enter("summary net", expect: ["dense_1"])

    dl.sendKey(.ctrlD)
    #expect(try dl.waitForExit(timeout: 30) == 0)
    let history = try pty.savedHistory()
    #expect(history.contains("answer = 42"), "\(history)")
    #expect(history.contains("  dense 3 softmax"), "\(history)")
  }

  @Test("dl -i FILE.dl runs the script, then keeps its names at the prompt")
  func scriptThenInteractive() throws {
    let dl = try pty.start(["-i", "examples/xor.dl"])
    try dl.enter("print x", expect: ["[[0, 0],"])
    try dl.enter("evaluate xor x y", expect: ["accuracy: 1.0000"])
    dl.send("exit")
    dl.sendKey(.enter)
    #expect(try dl.waitForExit(timeout: 30) == 0)
    #expect(FileManager.default.fileExists(atPath: pty.historyFile), "exit saves the history too")
  }

  @Test("an encoder–decoder block typed line by line: each half opens and closes, each layer echoes its shape")
  func encoderDecoderBlock() throws {
    let dl = try pty.start()
    try dl.enter("model rev {", prompt: "...> ")
    try dl.enter("  encoder {", expect: ["encoder {"], prompt: "...> ")
    try dl.enter("    input 10", expect: ["source → (None, 10)"], prompt: "...> ")
    try dl.enter("    embedding 14 8 mask_zero=true", expect: ["embedding_1 → (None, 10, 8)", "112 params"], prompt: "...> ")
    try dl.enter("    lstm 16 return_sequences=true", expect: ["lstm_1 → (None, 10, 16)", "1,600 params"], prompt: "...> ")
    try dl.enter("  }", prompt: "...> ")
    try dl.enter("  decoder {", expect: ["decoder {"], prompt: "...> ")
    try dl.enter("    embedding 14 8", expect: ["embedding_2 → (None, 11, 8)"], prompt: "...> ")
    // A wrong line is reported where it was typed; the half stays open.
    let wrong = try dl.enter("    lstm 12", expect: ["error: ", "it needs 16 units"], prompt: "...> ")
    #expect(wrong.contains("<cell 1>:9:5: error"), "\(wrong)")
    try dl.enter("    lstm 16", expect: ["lstm_2 → (None, 11, 16)"], prompt: "...> ")
    try dl.enter("    attention", expect: ["attention → (None, 11, 16)", "512 params"], prompt: "...> ")
    try dl.enter("    dense 14 softmax", expect: ["dense_1 → (None, 11, 14)", "238 params"], prompt: "...> ")
    try dl.enter("  }", prompt: "...> ")
    try dl.enter("}", expect: ["model rev: 6 layers, "])
    try dl.enter("summary rev", expect: ["attention"])
    dl.sendKey(.ctrlD)
    #expect(try dl.waitForExit(timeout: 30) == 0)
  }

  @Test("two Ctrl-C during fit stop it harder, and the session stays")
  func doubleCtrlCDuringFit() throws {
    let dl = try pty.start()
    try dl.enter("run \"examples/xor.dl\"", expect: ["xor"])
    dl.send("fit xor x y epochs=100000 batch=1 verbose=1")
    dl.sendKey(.enter)
    try dl.waitFor("/step", timeout: 60)
    dl.send("\u{03}\u{03}")
    try dl.waitFor("stopped by Ctrl-C in epoch", timeout: 60)
    try dl.waitFor("dl> ", timeout: 30)
    try dl.enter("print y", expect: ["[0, 1, 1, 0]"])
    dl.sendKey(.ctrlD)
    #expect(try dl.waitForExit(timeout: 30) == 0)
  }
}
