import DLang
import Foundation
import Testing
@testable import Notebook

/// TAB completion against a real session: names come from statements run in it.
@Suite("Completer")
final class CompleterTests {
  let directory: String
  let session: Session
  let completer: Completer

  init() throws {
    directory = NSTemporaryDirectory() + "dl-completer-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
    let csv = "a,b,label\n" + (0..<8).map { "\($0),\(8 - $0),\($0 % 2)" }.joined(separator: "\n") + "\n"
    try csv.write(toFile: directory + "/data/points.csv", atomically: true, encoding: .utf8)
    try "print 1\n".write(toFile: directory + "/data/script.dl", atomically: true, encoding: .utf8)
    try "notes\n".write(toFile: directory + "/readme.txt", atomically: true, encoding: .utf8)
    let output = RecordingOutput()
    session = Session(output: output)
    session.baseDirectory = directory
    completer = Completer(session: session)
    let ok = session.run("""
      points = load "data/points.csv" target=label
      train, test = split points 0.5
      xs = [[0, 0], [0, 1]]
      model net {
        input 2
        dense 4 relu
        dense 1 sigmoid
      }
      """, file: "<setup>")
    #expect(ok, "\(output.stderr)")
  }

  deinit { try? FileManager.default.removeItem(atPath: directory) }

  /// Candidates with the cursor at the end of `line`.
  func complete(_ line: String) -> [String] {
    completer.complete(line: line, cursor: line.utf8.count).candidates
  }

  /// What one TAB press would turn `line` into (no listing considered).
  func tab(_ line: String) -> String {
    let c = completer.complete(line: line, cursor: line.utf8.count)
    let action = CompletionPlanner.plan(line: line, cursor: line.utf8.count, completion: c, width: 80)
    return String(line.dropLast(action.deleteCount)) + action.insert
  }

  @Test func statementKeywordsAtTheStart() {
    #expect(complete("fi") == ["fit"])
    #expect(complete("ev") == ["evaluate"])
    #expect(Set(complete("s")).isSuperset(of: ["seed", "split", "standardize", "summary"]))
    #expect(tab("compi") == "compile")
  }

  @Test func variableNamesAtTheStartAndAsArguments() {
    #expect(complete("poi") == ["points"])
    #expect(tab("print x") == "print xs")
    #expect(tab("print tr") == "print train")
    #expect(tab("standardize tr") == "standardize train")
  }

  @Test func layerKindsOnlyInsideAModelBlock() {
    #expect(!complete("den").contains("dense"))
    session.isTypingModelBlock = true
    defer { session.isTypingModelBlock = false }
    #expect(complete("  den") == ["dense"])
    #expect(tab("  den") == "  dense")
    #expect(Set(complete("  d")) == ["dense", "dropout"])
    #expect(complete("  dense 8 re").contains("relu"))
    #expect(complete("  dense 8 relu in") == ["init="])
    #expect(complete("  dense 8 relu init=he").allSatisfy { $0.hasPrefix("he") })
    #expect(!complete("  dense 8 relu init=he").isEmpty)
  }

  @Test func optionNamesOfTheStatementBeingTyped() {
    #expect(complete("fit net train ep") == ["epochs="])
    #expect(complete("fit net train b") == ["batch="])
    #expect(Set(complete("fit net train v")) == ["validation=", "verbose="])
    #expect(complete("compile net lo") == ["loss="])
    #expect(complete("compile net loss=mse op") == ["optimizer="])
    #expect(complete("predict net xs to") == ["top="])
    #expect(complete("predict net xs t").contains("test"))
    #expect(tab("x = load \"data/points.csv\" ta") == "x = load \"data/points.csv\" target=")
  }

  @Test func optionsAlreadyGivenAreNotOfferedAgain() {
    #expect(!complete("fit net train epochs=3 ").contains("epochs="))
    #expect(complete("fit net train epochs=3 ").contains("batch="))
  }

  @Test func modelsFirstThenData() {
    #expect(complete("fit ").contains("net"))
    #expect(!complete("fit ").contains("points"))
    #expect(complete("fit net ").contains("train"))
    #expect(!complete("fit net ").contains("net"))
    #expect(complete("summary n") == ["net"])
  }

  @Test func lossOptimizerAndMetricNamesAfterTheirOption() {
    #expect(complete("compile net loss=bin") == ["binary_crossentropy"])
    #expect(complete("compile net loss=").contains("mse"))
    #expect(complete("compile net loss=mse optimizer=ad").contains("adam"))
    #expect(complete("compile net loss=mse optimizer=adam metrics=[acc") == ["accuracy"])
    #expect(complete("compile net loss=mse optimizer=adam metrics=[accuracy, ").contains("accuracy"))
    #expect(complete("compile net loss=mse optimizer=adam metrics=[accuracy, ").allSatisfy { !$0.hasSuffix("=") })
    #expect(Set(complete("fit net train verbose=")) == ["0", "1", "2"])
    #expect(complete("split points 0.8 stratify=") == ["false", "true"])
    #expect(complete("fit net train validation=") == ["points", "test", "train"])
    #expect(complete("compile net loss=mse optimizer=adam(lr=co") == ["cosine"])
    #expect(Set(complete("compile net loss=mse optimizer=sgd(lr=")) == Set(ScheduleTable.names))
    #expect(complete("fit net train class_weight=") == ["balanced"])
  }

  @Test func layerAndParameterNamesAfterADot() {
    #expect(complete("print net.") == ["net.dense_1", "net.dense_2", "net.history"])
    #expect(tab("print net.dense_1.w") == "print net.dense_1.weights")
    #expect(Set(complete("print net.dense_2.")) == ["net.dense_2.weights", "net.dense_2.bias"])
    #expect(complete("print train.") .contains("train.x"))
    #expect(complete("print nothing.").isEmpty)
  }

  @Test func rightHandSideOfAnAssignment() {
    #expect(complete("d = lo") == ["load"])
    #expect(complete("a, b = sp") == ["split"])
    #expect(complete("y = x").contains("xs"))
  }

  @Test func helpTopicsAndTime() {
    #expect(complete("help fi") == ["fit"])
    #expect(complete("help ad").contains("adam"))
    #expect(complete("help de") == ["dense", "describe"])
    #expect(complete("time fi") == ["fit"])
    #expect(complete("time fit net train ep") == ["epochs="])
  }

  @Test func filePathsInsideAQuotedString() {
    #expect(complete("x = load \"da") == ["data/"])
    #expect(complete("x = load \"data/") == ["data/points.csv"], "load prefers .csv files")
    #expect(complete("run \"data/") == ["data/script.dl"], "run prefers .dl files")
    #expect(complete("print \"") == ["data/", "readme.txt"])
    let c = completer.complete(line: "x = load \"data/p", cursor: 16)
    #expect(c.replaceFrom == 10)
    #expect(c.candidates == ["data/points.csv"])
  }

  @Test func modelFilesForLoadAndSave() throws {
    #expect(session.run("save net \"data/net.safetensors\"", file: "<cell>"))
    #expect(complete("x = load \"data/") == ["data/net.safetensors", "data/points.csv"])
    #expect(complete("save net \"data/") == ["data/net.safetensors"])
    #expect(complete("save n") == ["net"])
  }

  @Test func plotOffersTheMetricsOfTheModelsHistory() {
    #expect(complete("plot net ") == ["log="], "not trained yet: only the option")
    #expect(session.run("compile net loss=binary_crossentropy optimizer=adam metrics=[accuracy]\n"
                        + "fit net train epochs=1 verbose=0", file: "<cell>"))
    #expect(complete("plot net ") == ["accuracy", "log=", "loss"])
    #expect(complete("plot net ac") == ["accuracy"])
  }

  @Test func cursorInTheMiddleOfTheLine() {
    let line = "fit net train ep batch=4"
    let c = completer.complete(line: line, cursor: 16)
    #expect(c.candidates == ["epochs="])
    #expect(c.replaceFrom == 14)
  }
}

/// Completion offers only statements that exist: the ones taking a model come from the table.
@Suite("Completer: statement table")
struct CompleterTableTests {
  @Test("model statements are those whose first argument is a model, save among them")
  func modelStatementsFromTable() {
    let session = Session(output: RecordingOutput())
    let completer = Completer(session: session)
    let fromTable = Statements.all.filter(\.takesModel).map(\.name)
    #expect(Set(fromTable) == ["compile", "fit", "evaluate", "predict", "generate", "summary", "plot", "confusion", "gradients", "save", "trace", "activations", "crossval", "search", "lrfind", "export"])
    // `compare MODEL MODEL …` takes its models as a list of expressions, not a model argument.
    #expect(fromTable == Statements.all.filter { $0.synopsis.hasPrefix($0.name + " MODEL") && $0.name != "compare" }.map(\.name))
    #expect(completer.complete(line: "sa", cursor: 2).candidates.contains("save"))
    #expect(completer.candidatesFor(word: "", head: "").contains("save"))
  }
}

/// Completion derives from the statement table: its keywords, options and argument shapes.
@Suite("Completer: derived from the statement table")
struct CompleterDerivedTests {
  let completer = Completer(session: Session(output: RecordingOutput()))

  func complete(_ line: String) -> [String] {
    completer.complete(line: line, cursor: line.utf8.count).candidates
  }

  @Test func keywordsAreExactlyTheTables() {
    let all = Statements.all.map(\.name).sorted()
    #expect(complete("") == all)
    #expect(complete("time ") == all)
    #expect(complete("x = ") == Statements.all.filter(\.isValue).map(\.name).sorted())
  }

  @Test func everyStatementOffersExactlyItsOptions() {
    for spec in Statements.all {
      if case .statement? = spec.arguments.first { continue }
      if case .word(_, _, .helpTopic)? = spec.arguments.first { continue }
      let line = (spec.isValue ? "x = " : "") + spec.name + " "
      #expect(complete(line) == spec.options.map { $0.name + "=" }.sorted(), "\(line)")
    }
  }

  @Test func optionValuesAreTheTablesWords() {
    for spec in Statements.all {
      for option in spec.options where !option.allowedValues.isEmpty {
        let line = (spec.isValue ? "x = " : "") + spec.name + " " + option.name + "="
        #expect(complete(line) == option.allowedValues.sorted(), "\(line)")
      }
    }
    #expect(complete("compile net loss=mse optimizer=adam(lr=") == ScheduleTable.names.sorted())
  }

  @Test func helpOffersEveryTopic() {
    #expect(complete("help ") == Set(HelpText.topics).sorted())
  }
}
