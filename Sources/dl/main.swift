import ArgumentParser
import Notebook

// OpenBLAS picks its kernel when it loads; choose the fast one before anything else runs.
Launcher.selectBLASKernel()

/// `dl`: a notebook-style REPL and script runner for neural networks.
struct DL: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dl",
    abstract: "A notebook-style REPL and script runner for neural networks.",
    discussion: """
      dl                      open an interactive session (or run the lines piped in)
      dl FILE.dl              run a script
      dl -i FILE.dl           run a script, then stay interactive
      dl --transcript OUT.md [FILE.dl]   also write a Markdown record of the run
      Exit codes: 0 ok, 64 usage, 65 an error in the script or its data, 70 internal failure,
      74 an output (stdout, the transcript) could not be written.
      """)

  @Flag(name: .shortAndLong, help: "Stay interactive after running the script.")
  var interactive = false

  @Option(name: .long, help: "Write a notebook-style Markdown transcript to this file.")
  var transcript: String?

  @Flag(name: .long, help: "Show the version and the BLAS kernel in use.")
  var version = false

  @Argument(help: "A .dl script to run.")
  var script: String?

  func run() throws {
    if version { print(Launcher.versionText); return }
    let code: Int32
    if let script {
      code = Launcher.runScript(path: script, transcript: transcript, thenInteractive: interactive)
    } else {
      if interactive { throw ValidationError("-i needs a script: dl -i FILE.dl") }
      code = Launcher.runStandardInput(transcript: transcript)
    }
    if code != 0 { throw ExitCode(code) }
  }
}

DL.main()
