// libFuzzer target for the script front end: lexer → parser → checker, plus the REPL's
// `InputStatus.of` and `Parser.parseLayerLine`. Nothing here runs a statement of the input:
// the interpreter could load files or train networks. Built by fuzz/build.sh.
import Autograd
@testable import DLang
import NeuralNet
import TermPlot

/// An output that drops everything.
final class NullOutput: SessionOutput {
  let style = RenderStyle.ascii
  let isInteractive = false
  func result(_ text: String) {}
  func progress(_ event: ProgressEvent) {}
  func diagnostic(_ diagnostic: Diagnostic, file: String, source: String) {}
}

/// Stops the process so that libFuzzer records the input as a crash.
func violated(_ what: String) -> Never {
  fatalError("front-end invariant violated: \(what)")
}

/// A session that already holds a number, a string, a tensor, a dataset and two models (one
/// compiled), so that the checker's paths for known names are reached as well. Made once, by
/// running a fixed script: the fuzz input itself is never run.
// libFuzzer calls the target from one thread only.
nonisolated(unsafe) let populatedSession: Session = {
  let session = Session(output: NullOutput())
  let setup = """
    seed 1
    x = [[0, 0], [0, 1], [1, 0], [1, 1]]
    y = [0, 1, 1, 0]
    rate = 0.5
    name = "run"
    model net {
      input 2
      dense 4 tanh name=hidden
      dense 1 sigmoid
    }
    model img {
      input 8x8x1
      flatten
      dropout 0.5
      dense 3 softmax
    }
    compile net loss=binary_crossentropy optimizer=adam(lr=0.05) metrics=[accuracy]
    """
  guard session.run(setup, file: "setup.dl") else { violated("the setup script failed") }
  let x = Tensor(shape: [6, 2], data: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
  let y = Tensor(shape: [6], data: [0, 1, 2, 0, 1, 2])
  guard let data = try? Dataset(x: x, y: y, featureNames: ["a", "b"], targetName: "label",
                                classNames: ["p", "q", "r"]) else { violated("setup dataset") }
  session.bind("data", .dataset(data))
  return session
}()

/// Parses and checks `source` against `session`; checks that every diagnostic is located in
/// the source and renders.
func frontEnd(_ source: String, session: Session) {
  let program = Parser.parse(source: source)
  let diagnostics = program.diagnostics
    + Checker(session: session).check(program.statements, source: source,
                                      syntaxErrors: program.diagnostics)
  let lines = source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count
  for (i, d) in diagnostics.enumerated() {
    if d.range.start.line < 1 || d.range.start.line > lines + 1 || d.range.start.column < 1 {
      violated("diagnostic outside the source: \(d)")
    }
    if d.range.end < d.range.start { violated("diagnostic range ends before it starts: \(d)") }
    // Rendering scans the source for the line: the first few show that it works, all of
    // them would make a run quadratic in the input.
    if i < 8 { _ = d.render(file: "fuzz.dl", source: source, useColor: i % 2 == 0) }
  }
  if !program.hasErrors, !program.diagnostics.isEmpty { violated("diagnostics without errors") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrontEnd(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data, size <= 1 << 20 else { return 0 }
  let source = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  // One checker run per input (the parse is most of the cost): against a fresh session, or
  // against the populated one, chosen by the input so that the choice is reproducible.
  frontEnd(source, session: size % 2 == 0 ? Session(output: NullOutput()) : populatedSession)
  _ = InputStatus.of(source)
  for (i, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
    let (_, diagnostics) = Parser.parseLayerLine(String(line), line: i + 1)
    for d in diagnostics where d.range.start.line < i + 1 || d.range.start.column < 1 {
      violated("layer-line diagnostic before line \(i + 1): \(d)")
    }
  }
  return 0
}
