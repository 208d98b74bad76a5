import Foundation
import Testing
@testable import DLang
import NeuralNet

/// The interpreter in-process: a session keeps its state between runs (as REPL cells do),
/// help covers every statement, seeds make runs repeat, errors stop a run and keep the state.
@Suite("Interpreter")
struct InterpreterTests {
  static let root: String = {
    var d = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while d.path != "/" && !FileManager.default.fileExists(atPath: d.appendingPathComponent("Package.swift").path) {
      d = d.deletingLastPathComponent()
    }
    return d.path
  }()

  func session() -> (Session, RecordingOutput) {
    let out = RecordingOutput()
    let s = Session(output: out)
    s.baseDirectory = Self.root
    return (s, out)
  }

  @Test func stateSurvivesBetweenRunsAndErrors() {
    let (s, out) = session()
    #expect(s.run("x = [1, 2, 3]\nk = 2", file: "<cell 1>"))
    #expect(!s.run("print x * k + missing", file: "<cell 2>"))
    #expect(out.stderr.hasPrefix("<cell 2>:1:15: error: unknown name 'missing'"))
    out.clear()
    #expect(s.run("print x * k", file: "<cell 3>"))
    #expect(out.stdout == "[2, 4, 6]\n")
  }

  @Test func xorTrainsToFullAccuracy() throws {
    let (s, out) = session()
    let source = try String(contentsOfFile: Self.root + "/examples/xor.dl", encoding: .utf8)
    #expect(s.run(source, file: "xor.dl"))
    #expect(out.stdout.contains("accuracy: 1.0000"), "\(out.stdout)")
  }

  @Test func sameSeedSameOutput() {
    let script = """
      seed 5
      x = [[0, 0], [0, 1], [1, 0], [1, 1]]
      y = [0, 1, 1, 0]
      model m {
        input 2
        dense 4 relu
        dropout 0.2
        dense 1 sigmoid
      }
      compile m loss=binary_crossentropy optimizer=adam(lr=0.05)
      fit m x y epochs=20 batch=2 verbose=0
      print m.dense_1.weights
      """
    let (a, outA) = session(), (b, outB) = session()
    #expect(a.run(script, file: "a") && b.run(script, file: "b"))
    #expect(outA.stdout == outB.stdout)
    let (c, outC) = session()
    #expect(c.run(script.replacingOccurrences(of: "seed 5", with: "seed 6"), file: "c"))
    #expect(outC.stdout != outA.stdout)
  }

  @Test func weightsCanBeReadAndSet() {
    let (s, out) = session()
    #expect(s.run("model m {\n input 2\n dense 1\n}", file: "a"))
    out.clear()
    #expect(s.run("m.dense_1.bias = [0.5]\nm.dense_1.weights = [[1], [2]]\nprint m.dense_1.weights, m.dense_1.bias", file: "b"))
    #expect(out.stdout == "[[1],\n [2]]\n[0.5000]\n")
    #expect(!s.run("m.dense_1.weights = [1, 2, 3]", file: "c"))
  }

  @Test func helpCoversEveryStatementLayerLossOptimizerAndOption() {
    for s in Statements.all { #expect(HelpText.topic(s.name) != nil, "help \(s.name)") }
    for l in LayerTable.names { #expect(HelpText.topic(l) != nil, "help \(l)") }
    for n in LossTable.names + OptimizerTable.names + MetricTable.names + HelpText.initializerNames {
      #expect(HelpText.topic(n) != nil, "help \(n)")
    }
    for s in Statements.all { for o in s.options { #expect(HelpText.topic(o.name) != nil, "help \(o.name)") } }
    for n in HelpText.scheduleNames + HelpText.clippingNames + ["schedules", "clipping"] {
      #expect(HelpText.topic(n) != nil, "help \(n)")
      #expect(HelpText.topic(n)?.contains("example:") == true, "help \(n) has an example")
      #expect(HelpText.topics.contains(n), "\(n) is a help topic")
    }
    for sc in LearningRateSchedule.table {
      #expect(HelpText.topic(sc.name)?.contains(sc.example) == true, "help \(sc.name) shows its example")
      for st in sc.settings { #expect(HelpText.topic(sc.name)?.contains(st.name + "=") == true, "help \(sc.name) lists \(st.name)") }
      #expect(HelpText.topic("schedules")?.contains(sc.name) == true)
    }
    for st in FitOptions.earlyStoppingSettings {
      #expect(HelpText.topic("early_stopping")?.contains(st.name) == true, "help early_stopping lists \(st.name)")
    }
    let overview = HelpText.overview(style: .ascii)
    for n in HelpText.scheduleNames + HelpText.clippingNames { #expect(overview.contains(n), "overview lists \(n)") }
    for s in Statements.all { #expect(overview.contains(s.summary), "overview lists \(s.name)") }
  }

  @Test func exitStopsTheRun() {
    let (s, out) = session()
    #expect(s.run("print 1\nexit\nprint 2", file: "a"))
    #expect(out.stdout == "1\n")
    #expect(s.exitRequested)
  }

  @Test func resetForgetsEverything() {
    let (s, out) = session()
    #expect(s.run("a = 1\nreset", file: "a"))
    #expect(s.names.isEmpty)
    #expect(!s.run("print a", file: "b"))
    #expect(out.diagnostics.count == 1)
  }

  @Test func runLoadsAScriptIntoTheSession() {
    let (s, out) = session()
    #expect(s.run("run \"examples/xor.dl\"", file: "<cell 1>"))
    out.clear()
    #expect(s.run("print x.shape\nvars", file: "<cell 2>"))
    #expect(out.stdout.hasPrefix("(4, 2)\n"))
    #expect(out.stdout.contains("xor   model   (None, 2) → (None, 1)  2 layers, 33 params"))
  }

  @Test func runtimeDataErrorsAreLocated() {
    let (s, out) = session()
    #expect(!s.run("d = load \"no/such.csv\" target=last", file: "s.dl"))
    #expect(out.stderr.hasPrefix("s.dl:1:10: error: no/such.csv"), "\(out.stderr)")
  }

  @Test func featureCountMismatchNamesBothShapes() {
    let (s, out) = session()
    let ok = s.run("""
      x = [[1, 2, 3]]
      y = [1]
      model m {
        input 2
        dense 1 sigmoid
      }
      compile m loss=binary_crossentropy optimizer=sgd
      fit m x y
      """, file: "s.dl")
    #expect(!ok)
    #expect(out.stderr.contains("s.dl:8:7: error: model 'm' takes samples of shape (2,), but these are (3,)"), "\(out.stderr)")
  }

  @Test func hugeValuesPrintInsteadOfTrapping() throws {
    let csv = FileManager.default.temporaryDirectory.appendingPathComponent("dl-huge-\(getpid()).csv")
    try "x,y\n1e30,3e20\n2e30,-1e25\n".write(to: csv, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: csv) }
    let (s, out) = session()
    let ok = s.run("""
      d = load "\(csv.path)" target=y
      standardize d
      model m {
        input 1
        dense 1 sigmoid
      }
      predict m d
      """, file: "huge.dl")
    #expect(ok, "\(out.stderr)")
    #expect(out.stdout.contains("1.5000e+30"), "\(out.stdout)")
    #expect(out.stdout.contains("3.0000e+20"), "\(out.stdout)")
  }
}
