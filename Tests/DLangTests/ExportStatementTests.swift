import Autograd
import Foundation
import NeuralNet
import Testing
@testable import DLang

/// `export MODEL "FILE.onnx"` and `export MODEL "FILE.py"` in a session: the files written,
/// what they hold, what the statement prints.
@Suite("export statement")
struct ExportStatementTests {
  static func file(_ path: String) throws -> SafeTensorsFile {
    let bytes = try AtomicFile.read(path)
    return try SafeTensors.decode(bytes)
  }

  @Test("ONNX: the model and a sample of the fit's inputs with dl's predictions beside it")
  func onnx() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(ModelFileTests.trained, file: "<cell 1>"), "\(out.stderr)")
    out.clear()
    #expect(s.run("export net \"out/net.onnx\"", file: "<cell 2>"), "\(out.stderr)")
    #expect(out.stdout.hasPrefix("exported net to out/net.onnx: ONNX opset 17, "))
    #expect(out.stdout.contains("16 sample inputs with dl's outputs in out/net.sample.safetensors"))
    let onnx = try AtomicFile.read(dir + "/out/net.onnx")
    #expect(onnx.count > 131 * 4)  // the weights are in it
    let sample = try Self.file(dir + "/out/net.sample.safetensors")
    let x = try #require(sample.tensor(named: "input")), y = try #require(sample.tensor(named: "output"))
    #expect(x.shape == [16, 4] && y.shape == [16, 3])
    let net = try ModelFileTests.model(s, "net")
    guard case .dataset(let train)? = s.value(named: "train") else { Issue.record("no train"); return }
    #expect(Array(train.x.data[0..<64]) == x.data)  // the fit's first samples
    #expect(try net.network.predict(x: x).data == y.data)
  }

  @Test("PyTorch: the script, dl's model file and the fit's data with dl's loss")
  func pytorch() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(ModelFileTests.trained, file: "<cell 1>"), "\(out.stderr)")
    out.clear()
    #expect(s.run("export net \"train_net.py\"", file: "<cell 2>"), "\(out.stderr)")
    #expect(out.stdout.contains("torchrun --nproc_per_node=N train_net.py"))
    let script = try String(contentsOfFile: dir + "/train_net.py", encoding: .utf8)
    #expect(script.contains("EPOCHS, BATCH, SHUFFLE = 5, 16, True"))
    #expect(script.contains("WEIGHTS = os.path.join(HERE, \"train_net.safetensors\")"))
    let weights = try Self.file(dir + "/train_net.safetensors")
    #expect(weights.tensor(named: "dense_1.weights")?.shape == [4, 16])
    let data = try Self.file(dir + "/train_net.data.safetensors")
    guard case .dataset(let train)? = s.value(named: "train") else { Issue.record("no train"); return }
    #expect(data.tensor(named: "x")?.data == train.x.data)
    let net = try ModelFileTests.model(s, "net")
    let loss = try net.network.evaluate(x: train.x, y: try #require(train.y))[0].1
    #expect(data.metadata["dl.loss"].flatMap(Double.init) == loss)
  }

  @Test("a layer without a mapping is refused at the model's name, nothing written")
  func refusal() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    let script = "model r {\n  input 5x1\n  simple_rnn 3 activation=linear\n}\nexport r \"r.onnx\""
    #expect(!s.run(script, file: "<cell>"))
    #expect(out.stderr.contains("simple_rnn_1: a recurrent layer with activation=linear has no ONNX operator"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/r.onnx"))
  }
}
