import Foundation
import Testing
import Autograd
import NeuralNet
@testable import DLang

/// `show M.LAYER SAMPLE` on a recurrent layer draws its input, gates and states as heat
/// strips over the time steps; and the sine contract beats persistence by the issue's margin.
@Suite("Recurrent layers seen inside")
struct RecurrentShowTests {
  func run(_ source: String) throws -> (Session, RecordingOutput, String) {
    let t = try SequenceLayerTests().session()
    #expect(t.0.run(source, file: "show.dl"), "\(t.1.stderr)")
    return t
  }

  static let model = """
    seed 0
    d = load "sine.csv" target=y shape=5x1
    model f {
      input 5x1
      lstm 12
      dense 1
    }
    compile f loss=mse optimizer=adam
    fit f d epochs=2 batch=8 verbose=0
    """

  @Test("an LSTM shows its input, three gates on 0…1, the cell and the hidden state, 8 units each")
  func lstmStrips() throws {
    let (_, out, dir) = try run(Self.model + "\nshow f.lstm_1 d[0]")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let start = try #require(lines.firstIndex { $0.hasPrefix("f.lstm_1 on d[0]: 5 steps") })
    let shown = Array(lines[start...])
    let labels: [String] = ["input ", "input gate ", "forget gate ", "output gate ", "cell ", "hidden "]
    let order: [Int] = labels.compactMap { label in shown.firstIndex { $0.hasPrefix(label) } }
    #expect(order.count == labels.count)
    #expect(order == order.sorted())
    #expect(shown.filter { $0.contains("0 … 1 (fixed), first 8 of 12 units") }.count == 3)
    #expect(shown.filter { $0.hasPrefix("  unit ") }.count == 5 * 8)
    // The gates, recorded by the layer, are the values drawn: sigmoid outputs in 0…1.
    guard case .model(let f)? = try run(Self.model).0.value(named: "f") else { Issue.record("no model"); return }
    let x = Tensor(shape: [5, 1], data: [0, 0.3, 0.6, 0.9, 1.2])
    let taps = try f.network.layerTaps(named: "lstm_1", for: x)
    #expect(taps.taps.map(\.name) == ["input_gate", "forget_gate", "output_gate", "cell", "hidden"])
    #expect(taps.taps.allSatisfy { $0.value.shape == [5, 12] })
    #expect(taps.input.shape == [5, 1] && taps.input.data == x.data)
    #expect(taps.taps[1].value.data.allSatisfy { $0 > 0 && $0 < 1 })
  }

  @Test("units= draws more units; a dense layer after it is still a strip")
  func unitsOption() throws {
    let (_, out, dir) = try run(Self.model + "\nshow f.lstm_1 d[0] units=12\nshow f.dense_1 d[0]")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(out.stdout.split(separator: "\n").filter { $0.hasPrefix("  unit ") }.count == 5 * 12)
    #expect(!out.stdout.contains("first 8 of"))
    #expect(out.stdout.contains("f.dense_1 on d[0]: (1,)"))
  }

  @Test("units= out of bounds is a located error")
  func unitsBounds() throws {
    let (s, out, dir) = try SequenceLayerTests().session()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(!s.run(Self.model + "\nshow f.lstm_1 d[0] units=0", file: "show.dl"))
    #expect(out.stderr.contains("show.dl:10:"))
    #expect(out.stderr.contains("units"))
  }

  @Test("examples/sine_lstm.dl: the test MSE is at least 3× lower than persistence's")
  func sineBeatsPersistence() throws {
    let root = InterpreterTests.root
    let out = RecordingOutput()
    let s = Session(output: out)
    s.baseDirectory = root
    let script = try String(contentsOfFile: root + "/examples/sine_lstm.dl", encoding: .utf8)
      .split(separator: "\n").filter { !$0.hasPrefix("plot") && !$0.hasPrefix("show") }.joined(separator: "\n")
    #expect(s.run(script, file: "sine_lstm.dl"), "\(out.stderr)")
    guard case .dataset(let test)? = s.value(named: "test"), let y = test.y,
          case .model(let f)? = s.value(named: "f") else { Issue.record("no test data or model"); return }
    let n = test.count, steps = test.x.shape[1]
    var persistence = 0.0
    for i in 0..<n {
      let d = Double(test.x.data[(i + 1) * steps - 1] - y.data[i])
      persistence += d * d
    }
    persistence /= Double(n)
    let mse = try #require(try f.network.evaluate(x: test.x, y: y).first { $0.0 == "loss" }?.1)
    #expect(persistence / mse >= 3, "test MSE \(mse), persistence \(persistence)")
  }
}
