import Autograd
import DLang
import Foundation

/// What the `dl` executable does, kept here so the executable stays a thin shell.
public enum Launcher {
  /// dl's version.
  public static let version = "0.1.0"

  /// Exit codes (sysexits): 0 ok, 64 usage, 65 an error in the script or its data, 70 internal.
  public enum ExitCode {
    public static let ok: Int32 = 0
    public static let usage: Int32 = 64
    public static let dataError: Int32 = 65
    public static let internalError: Int32 = 70
  }

  /// Re-executes with the fast OpenBLAS kernel for this CPU unless the user chose one.
  /// Must run first thing in `main`.
  public static func selectBLASKernel() { KernelSelection.reexecIfNeeded() }

  /// `dl --version`: the version and the BLAS kernel in use.
  public static var versionText: String {
    "dl \(version)\nBLAS: OpenBLAS, kernel \(BLAS.coreName) (\(KernelSelection.origin)), \(BLAS.threads) threads"
  }

  /// Runs a script file; returns the exit code.
  public static func runScript(path: String, transcript: String?, thenInteractive: Bool) -> Int32 {
    guard let source = SourceFile.read(path) else {
      Terminal.write("dl: cannot read '\(path)': \(FileManager.default.fileExists(atPath: path) ? "not a readable UTF-8 file" : "no such file")\n", to: 2)
      return ExitCode.usage
    }
    let output = TerminalOutput()
    let session = Session(output: output)
    let recorder = transcript.map { _ in TranscriptRecorder(title: "dl transcript: \(path)") }
    attach(recorder, to: session, output: output)
    let ok = session.run(source, file: path)
    if thenInteractive {
      let repl = REPL(session: session, output: output, transcript: recorder)
      repl.run()
    }
    return finish(ok: ok, recorder: recorder, transcript: transcript)
  }

  /// `dl` with no script: a REPL on a terminal, else the piped lines run as a script.
  public static func runStandardInput(transcript: String?) -> Int32 {
    let output = TerminalOutput()
    let session = Session(output: output)
    let recorder = transcript.map { _ in TranscriptRecorder(title: "dl session") }
    attach(recorder, to: session, output: output)
    var ok = true
    if Terminal.isTTY(0) {
      REPL(session: session, output: output, transcript: recorder).run()
    } else {
      let data = FileHandle.standardInput.readDataToEndOfFile()
      guard let source = String(data: data, encoding: .utf8) else {
        Terminal.write("dl: standard input is not UTF-8 text\n", to: 2)
        return ExitCode.dataError
      }
      ok = session.run(source, file: "<stdin>")
    }
    return finish(ok: ok, recorder: recorder, transcript: transcript)
  }

  /// Writes the transcript, if one was asked for, and turns the run's outcome into an exit code.
  static func finish(ok: Bool, recorder: TranscriptRecorder?, transcript: String?) -> Int32 {
    if let r = recorder, let t = transcript, let err = r.write(to: t) {
      Terminal.write("dl: \(err)\n", to: 2)
      return ExitCode.internalError
    }
    return ok ? ExitCode.ok : ExitCode.dataError
  }

  static func attach(_ recorder: TranscriptRecorder?, to session: Session, output: TerminalOutput) {
    guard let recorder else { return }
    output.tee = recorder
    session.willRun = { source, comments in recorder.begin(source: source, comments: comments) }
  }
}
