import Foundation
import Testing
@testable import DLang

/// The statement table is the single source of the statements: the parser reaches every row,
/// every row's example checks and runs, every declared bound holds in the checker and in the
/// interpreter alike, and `help` lists exactly the rows.
@Suite("Statement table: one row per statement")
struct StatementTableTests {
  /// The command a parsed example holds (a value statement's is on the right of `=`).
  static func command(of statement: Statement) -> Command? {
    switch statement.kind {
    case .command(let c): return c
    case .assign(_, .command(let c)): return c
    default: return nil
    }
  }

  @Test func theParserReachesEveryRowThroughItsExample() throws {
    for row in StatementTable.rows {
      let program = Parser.parse(source: row.spec.example)
      #expect(program.diagnostics == [], "\(row.name): \(row.spec.example)")
      let statement = try #require(program.statements.first, "\(row.name)")
      let reached = StatementTable.row(for: statement)?.name ?? StatementTableTests.command(of: statement)?.keyword.text
      #expect(reached == row.name, "\(row.spec.example) parses as \(reached ?? "nothing")")
    }
  }

  @Test func keywordsAreTheRowsInTableOrder() {
    #expect(Keywords.statements == StatementTable.rows.map(\.name))
    #expect(Statements.all.map(\.name) == StatementTable.rows.map(\.name))
    #expect(Set(Keywords.statements).count == Keywords.statements.count, "a keyword is declared twice")
    let values = StatementTable.rows.filter { if case .value = $0.role { return true }; return false }
    #expect(values.map(\.name) == Statements.all.filter(\.isValue).map(\.name))
  }

  /// A session in a fresh directory where `examples/` is the repository's: every row's example
  /// runs there, in table order (`reset` and `exit` last), each through its own row.
  @Test func everyRowChecksAndRunsItsExample() throws {
    let dir = NSTemporaryDirectory() + "dl-table-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createSymbolicLink(
      atPath: dir + "/examples", withDestinationPath: TestSupport.root.appendingPathComponent("examples").path)
    let output = RecordingOutput()
    let session = Session(output: output)
    session.baseDirectory = dir
    let last = ["reset", "exit"]
    let rows = StatementTable.rows.filter { !last.contains($0.name) }
      + last.compactMap { StatementTable.row($0) }
    for row in rows {
      if row.name == "reset" {
        // What the rows before made: datasets, a trained model, its file.
        #expect(["iris", "train", "test", "net"].allSatisfy { session.value(named: $0) != nil })
        if case .model(let m)? = session.value(named: "net") { #expect(m.history.epochs == 65) }
        #expect(FileManager.default.fileExists(atPath: dir + "/runs/net.safetensors"))
      }
      if let setup = StatementTableTests.setups[row.name] {
        #expect(session.run(setup, file: "<setup \(row.name)>"), "\(setup): \(output.stderr)")
      }
      #expect(session.run(row.spec.example, file: "<\(row.name)>"), "\(row.spec.example): \(output.stderr)")
      #expect(output.diagnostics == [], "\(row.name)")
      if row.name == "seed" { #expect(session.seed == 42) }
    }
    #expect(session.names.isEmpty, "reset ran")
    #expect(session.exitRequested, "exit ran")
  }

  /// What an example needs that the rows before it do not make: a series for `windows`, and
  /// a model that takes its windows for `generate` (and a compiled one for `gradients`).
  static let setups = [
    "windows": "wave = load \"examples/data/sine.csv\"",
    "generate": "model f {\n  input 20x1\n  flatten\n  dense 1\n}",
    "gradients": "model rnn {\n  input 20x1\n  simple_rnn 4\n  dense 1\n}\ncompile rnn loss=mse optimizer=sgd",
    "trace": "x = [[2, 5]]\ny = [0]\nmodel neuron {\n  input 2\n  dense 1 sigmoid\n}\ncompile neuron loss=mse optimizer=sgd",
    "compare": "model net2 {\n  input 4\n  dense 3 softmax\n}\ncompile net2 loss=sparse_categorical_crossentropy optimizer=sgd metrics=[accuracy]\nfit net2 train epochs=2 verbose=0",
  ]

  /// The example of `row` with `name=value` in place of (or added to) its own options.
  static func source(_ row: StatementRow, option name: String, value: String) -> String {
    var words = row.spec.example.split(separator: " ").map(String.init)
    words.removeAll { $0.hasPrefix(name + "=") }
    return (words + ["\(name)=\(value)"]).joined(separator: " ")
  }

  /// Values just outside an option's declared kind, with the message each must give.
  static func outside(_ o: OptionSpec) -> [(value: String, message: String)] {
    switch o.kind {
    case .int(let lo, let hi):
      var cases = [("\(lo - 1)", "\(o.name) must be between \(lo) and \(hi), not \(lo - 1)")]
      if hi < Arguments.largestWhole { cases.append(("\(hi + 1)", "\(o.name) must be between \(lo) and \(hi), not \(hi + 1)")) }
      cases.append(("1.5", "\(o.name) must be a whole number, not 1.5"))
      return cases
    case .number(let lo, let hi, _):
      // Any message, as long as the checker and the interpreter agree on it.
      return [lo - 1, hi + 1].filter(\.isFinite).map { (ValueFormat.number($0), "") }
    case .bool:
      return [("3", "\(o.name) must be true or false")]
    case .custom:
      return []
    }
  }

  @Test func everyDeclaredBoundHoldsInTheCheckerAndInTheInterpreter() throws {
    var checked = 0
    for row in StatementTable.rows {
      for o in row.spec.options {
        for (value, message) in StatementTableTests.outside(o) {
          let text = StatementTableTests.source(row, option: o.name, value: value)
          let program = Parser.parse(source: text)
          #expect(program.diagnostics == [], "\(text)")
          let statement = try #require(program.statements.first)
          let at = try #require(StatementTableTests.command(of: statement)?.option(o.name)?.value.range)
          // The checker, in a session where none of the example's names exist.
          let found = Checker(session: Session(output: RecordingOutput())).check([statement])
          let fromChecker = found.first { $0.range == at }
          #expect(fromChecker?.message == message || message.isEmpty && fromChecker != nil, "checker: \(text)")
          // The interpreter directly, with no checker before it.
          let interpreter = Interpreter(session: Session(output: RecordingOutput()), file: "<t>", source: text)
          do {
            try interpreter.execute(statement)
            Issue.record("the interpreter ran \(text)")
          } catch let d as Diagnostic {
            #expect(d.range == at, "interpreter location: \(text)")
            #expect(d.message == fromChecker?.message, "interpreter: \(text)")
          }
          checked += 1
        }
      }
    }
    #expect(checked >= 20, "every simple option of the table has its bounds tried")
  }

  @Test func fitEpochsAboveTheBoundStopTheInterpreterWithoutTheChecker() throws {
    let text = "fit net x y epochs=1000001"
    let program = Parser.parse(source: text)
    let statement = try #require(program.statements.first)
    let session = Session(output: RecordingOutput())
    #expect(session.run("x = [[0, 1], [1, 0]]\ny = [0, 1]\nmodel net { input 2; dense 2 softmax }\n"
                        + "compile net loss=sparse_categorical_crossentropy optimizer=sgd", file: "<setup>"))
    let interpreter = Interpreter(session: session, file: "<t>", source: text)
    #expect {
      try interpreter.execute(statement)
    } throws: { error in
      (error as? Diagnostic)?.message == "epochs must be between 1 and 1000000, not 1000001"
        && (error as? Diagnostic)?.range.start == SourceLocation(line: 1, column: 20)
    }
    #expect(session.value(named: "net").map { if case .model(let m) = $0 { m.history.epochs == 0 } else { false } } == true,
            "nothing was trained")
  }

  @Test func helpListsExactlyTheRows() throws {
    let overview = HelpText.overview(style: .ascii)
    let lines = overview.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let start = try #require(lines.firstIndex(of: "Statements:"))
    let listed = lines[(start + 1)...].prefix { !$0.isEmpty }
      .compactMap { $0.split(separator: " ").first.map(String.init) }
    #expect(listed == StatementTable.rows.map(\.name))
    for row in StatementTable.rows {
      let text = HelpText.topic(row.name) ?? ""
      #expect(text.hasPrefix(row.spec.synopsis), "help \(row.name) starts with its synopsis")
      for o in row.spec.options { #expect(text.contains("\(o.name)=\(o.valueHint)"), "help \(row.name) lists \(o.name)") }
    }
  }

  @Test func optionValuesComeFromTheTables() throws {
    let compile = try #require(Statements.spec("compile"))
    #expect(compile.option("loss")?.allowedValues == LossTable.names)
    #expect(compile.option("optimizer")?.allowedValues == OptimizerTable.names)
    #expect(compile.option("metrics")?.allowedValues == MetricTable.names)
    #expect(compile.option("optimizer")?.settingValues["lr"] == ScheduleTable.names)
    #expect(Statements.spec("split")?.option("stratify")?.allowedValues == ["true", "false"])
    #expect(Statements.spec("evaluate")?.option("verbose")?.allowedValues == ["0", "1", "2"])
    #expect(HelpText.layerOptionValues("init") == HelpText.initializerNames)
    #expect(HelpText.layerOptionValues("activation") == HelpText.activationNames)
  }
}

/// `class_weight=[W, ...]` is checked against the model's classes before anything runs.
@Suite("Checker: class_weight list length")
struct ClassWeightCheckTests {
  func messages(_ source: String) -> [String] {
    let program = Parser.parse(source: source)
    return Checker(session: Session(output: RecordingOutput())).check(program.statements)
      .map { "\($0.range.start): \($0.message)" }
  }

  let model = "model m { input 2; dense 3 softmax }\ncompile m loss=sparse_categorical_crossentropy optimizer=adam\n"

  @Test func aListOfTheWrongLengthIsReportedAtTheList() {
    #expect(messages(model + "fit m [[0, 1]] [2] class_weight=[1, 2]") ==
            ["3:33: class_weight has 2 weights but the model has 3 classes"])
  }

  @Test func aListOfTheRightLengthPasses() {
    #expect(messages(model + "fit m [[0, 1]] [2] class_weight=[1, 2, 3]") == [])
    #expect(messages(model + "w = 2\nfit m [[0, 1]] [2] class_weight=[1, w, 3]") == [])
  }

  @Test func oneSigmoidOutputHasTwoClasses() {
    let binary = "model b { input 2; dense 1 sigmoid }\ncompile b loss=binary_crossentropy optimizer=adam\n"
    #expect(messages(binary + "fit b [[0, 1]] [1] class_weight=[1, 2, 3]") ==
            ["3:33: class_weight has 3 weights but the model has 2 classes"])
    #expect(messages(binary + "fit b [[0, 1]] [1] class_weight=[1, 2]") == [])
  }

  @Test func aRegressionLossOrAnUnknownModelIsLeftToFit() {
    let mse = "model r { input 2; dense 3 }\ncompile r loss=mse optimizer=adam\n"
    #expect(messages(mse + "fit r [[0, 1]] [[1, 2, 3]] class_weight=[1, 2]") == [])
  }

  @Test func aRecompiledOrRedeclaredModelIsCheckedWithItsNewLoss() {
    let source = model + "compile m loss=mse optimizer=adam\nfit m [[0, 1]] [[0, 0, 1]] class_weight=[1, 2]"
    #expect(messages(source) == [])
    let redeclared = model + "model m { input 2; dense 4 softmax }\ncompile m loss=categorical_crossentropy optimizer=adam\n"
      + "fit m [[0, 1]] [[0, 0, 0, 1]] class_weight=[1, 2, 3]"
    #expect(messages(redeclared) == ["5:44: class_weight has 3 weights but the model has 4 classes"])
  }
}
