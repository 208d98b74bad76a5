import Autograd
import DLang
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the `dl` executable does, kept here so the executable stays a thin shell.
public enum Launcher {
  /// dl's version.
  public static let version = "0.1.0"

  /// Exit codes (sysexits): 0 ok, 64 usage, 65 an error in the script or its data, 70 internal,
  /// 74 an output (stdout or the transcript) could not be written.
  public enum ExitCode {
    public static let ok: Int32 = 0
    public static let usage: Int32 = 64
    public static let dataError: Int32 = 65
    public static let internalError: Int32 = 70
    public static let ioError: Int32 = 74
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
    let source: String
    switch SourceFile.load(path) {
    case .success(let text): source = text
    case .failure(let failure):
      Terminal.write((failure.isContentError ? "" : "dl: ") + failure.message(path: path) + "\n", to: 2)
      return failure.isContentError ? ExitCode.dataError : ExitCode.usage
    }
    if let transcript, let problem = OutputFile.problem(transcript, inputs: [path]) {
      Terminal.write("dl: --transcript '\(transcript)': \(problem)\n", to: 2)
      return ExitCode.usage
    }
    let output = TerminalOutput()
    let session = Session(output: output)
    let recorder = transcript.map { _ in TranscriptRecorder(title: "dl transcript: \(path)") }
    attach(recorder, to: session, output: output)
    let ok = session.runScript(source, file: path)
    if thenInteractive {
      let repl = REPL(session: session, output: output, transcript: recorder)
      repl.run()
    }
    return finish(ok: ok, output: output, recorder: recorder, transcript: transcript)
  }

  /// `dl` with no script: a REPL on a terminal, else the piped lines run as a script.
  public static func runStandardInput(transcript: String?) -> Int32 {
    if let transcript, let problem = OutputFile.problem(transcript, inputs: []) {
      Terminal.write("dl: --transcript '\(transcript)': \(problem)\n", to: 2)
      return ExitCode.usage
    }
    let output = TerminalOutput()
    let session = Session(output: output)
    let recorder = transcript.map { _ in TranscriptRecorder(title: "dl session") }
    attach(recorder, to: session, output: output)
    var ok = true
    if Terminal.isTTY(0) {
      REPL(session: session, output: output, transcript: recorder).run()
    } else {
      let bytes: [UInt8]
      switch readStandardInput() {
      case .success(let b): bytes = b
      case .failure(let problem):
        Terminal.write("dl: cannot read standard input: \(problem.message)\n", to: 2)
        return ExitCode.usage
      }
      switch SourceFile.decode(bytes) {
      case .success(let source): ok = session.run(source, file: "<stdin>")
      case .failure(let failure):
        Terminal.write(failure.message(path: "<stdin>") + "\n", to: 2)
        return ExitCode.dataError
      }
    }
    return finish(ok: ok, output: output, recorder: recorder, transcript: transcript)
  }

  struct InputProblem: Error { var message: String }

  /// All of stdin, read with read(2): a closed descriptor or a directory is an error, not a trap.
  static func readStandardInput() -> Result<[UInt8], InputProblem> {
    var info = stat()
    guard fstat(0, &info) == 0 else { return .failure(InputProblem(message: "it is closed")) }
    if (info.st_mode & S_IFMT) == S_IFDIR { return .failure(InputProblem(message: "it is a directory")) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let got = chunk.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
      if got < 0 {
        if errno == EINTR { continue }
        let why = errno == EISDIR ? "it is a directory" : errno == EBADF ? "it is closed"
          : String(cString: strerror(errno)).lowercased()
        return .failure(InputProblem(message: why))
      }
      if got == 0 { return .success(bytes) }
      bytes.append(contentsOf: chunk[0..<got])
    }
  }

  /// Writes the transcript, if one was asked for, and turns the run's outcome into an exit code.
  /// A result that could not be written to stdout (`dl x.dl > /dev/full`) is an error too.
  static func finish(ok: Bool, output: TerminalOutput, recorder: TranscriptRecorder?, transcript: String?) -> Int32 {
    var code = ok ? ExitCode.ok : ExitCode.dataError
    if let failure = output.stdoutError {
      Terminal.write("dl: cannot write to standard output: \(String(cString: strerror(failure)).lowercased())\n", to: 2)
      code = ExitCode.ioError
    }
    if let r = recorder, let t = transcript, let err = r.write(to: t) {
      Terminal.write("dl: \(err)\n", to: 2)
      code = ExitCode.ioError
    }
    return code
  }

  static func attach(_ recorder: TranscriptRecorder?, to session: Session, output: TerminalOutput) {
    guard let recorder else { return }
    output.tee = recorder
    session.willRun = { source, comments in recorder.begin(source: source, comments: comments) }
  }
}
