import Foundation
import Testing
import Autograd
import NeuralNet
@testable import DLang

/// The recurrent layers in the language: each layer line checks and echoes its shape, a
/// `bidirectional` line takes a whole recurrent line, models train on sequences loaded from a
/// CSV (`shape=TxF`), survive a safetensors round trip, and `help` documents them.
@Suite("Recurrent layers in the language")
struct SequenceLayerTests {
  /// A session rooted in a fresh temporary directory holding `sine.csv`: 48 windows of 6
  /// steps of a sine wave (the first 5 are the input, the last the target).
  func session() throws -> (Session, RecordingOutput, String) {
    let dir = NSTemporaryDirectory() + "dl-rnn-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var csv = "a,b,c,d,e,y\n"
    for i in 0..<48 {
      csv += (0..<6).map { String(format: "%.4f", sin(0.3 * Double(i + $0))) }.joined(separator: ",") + "\n"
    }
    try csv.write(toFile: dir + "/sine.csv", atomically: true, encoding: .utf8)
    let out = RecordingOutput()
    let s = Session(output: out)
    s.baseDirectory = dir
    return (s, out, dir)
  }

  @Test("each recurrent line echoes its shape and Keras' parameter count")
  func echoes() throws {
    let (s, out, dir) = try session()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let source = """
      model f {
        input 20x1
        lstm 32 return_sequences=true
        gru 16 relu bptt=5 return_sequences=true
        simple_rnn 8 dropout=0.1 recurrent_dropout=0.2
        dense 1
      }
      model b {
        input 40x32
        bidirectional lstm 32
      }
      model c {
        input 10x3
        bidirectional gru 4 merge=sum return_sequences=true
        lstm 3 return_state=true
      }
      """
    #expect(s.run(source, file: "rnn.dl"), "\(out.stderr)")
    #expect(out.stdout == """
      model f
        input         → (None, 20, 1)
        lstm_1        → (None, 20, 32)  4,352 params
        gru_1         → (None, 20, 16)  2,400 params
        simple_rnn_1  → (None, 8)       200 params
        dense_1       → (None, 1)       9 params
        6,961 parameters
      model b
        input            → (None, 40, 32)
        bidirectional_1  → (None, 64)      16,640 params
        16,640 parameters
      model c
        input            → (None, 10, 3)
        bidirectional_1  → (None, 10, 4)  216 params
        lstm_1           → (None, 3)      96 params
        312 parameters

      """)
  }

  @Test("sequence models train, and a bidirectional model survives a safetensors round trip")
  func trains() throws {
    let (s, out, dir) = try session()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let source = """
      seed 0
      d = load "sine.csv" target=y shape=5x1
      model f {
        input 5x1
        bidirectional lstm 8 return_sequences=true
        gru 4
        dense 1
      }
      compile f loss=mse optimizer=adam(lr=0.01)
      fit f d epochs=20 batch=8 verbose=0
      save f "f.safetensors"
      g = load "f.safetensors"
      """
    #expect(s.run(source, file: "train.dl"), "\(out.stderr)")
    guard case .model(let f)? = s.value(named: "f"), case .model(let g)? = s.value(named: "g") else {
      Issue.record("no models"); return
    }
    let losses = f.history["loss"] ?? []
    #expect(losses.count == 20)
    #expect((losses.last ?? 1) < (losses.first ?? 0) * 0.5)
    let x = Tensor(shape: [2, 5, 1], data: (0..<10).map { Float(sin(0.3 * Double($0))) })
    let a = try f.network.predict(x: x), b = try g.network.predict(x: x)
    #expect(a == b)
    #expect(g.network.namedParameters.map(\.path).first == "bidirectional_1.forward_lstm.kernel")
  }

  @Test("help lstm and help bidirectional document the options, the taps and return_state")
  func help() throws {
    let lstm = try #require(HelpText.topic("lstm"))
    for word in ["return_sequences", "return_state", "bptt=K", "input_gate", "forget_gate", "output_gate",
                 "cell", "hidden", "first output", "recurrent_dropout"] {
      #expect(lstm.contains(word), "help lstm lacks \(word)")
    }
    let gru = try #require(HelpText.topic("gru"))
    #expect(gru.contains("update_gate") && gru.contains("reset_gate") && gru.contains("reset_after"))
    let bi = try #require(HelpText.topic("bidirectional"))
    #expect(bi.contains("merge=concat|sum|mul|ave") && bi.contains("forward_lstm"))
    #expect(LayerTable.names.contains("simple_rnn") && LayerTable.names.contains("bidirectional"))
  }
}
