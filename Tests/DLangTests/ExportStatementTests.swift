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
    // dl's optimizer state, so the script's Adam goes on where dl's stopped.
    #expect(script.contains("OPTIMIZER = os.path.join(HERE, \"train_net.optimizer.safetensors\")"))
    #expect(script.contains("load_optimizer_state(net, optimizer)"))
    let state = try Self.file(dir + "/train_net.optimizer.safetensors")
    let adam = try #require(net.network.optimizer)
    #expect(state.metadata["dl.iterations"] == "\(adam.iterations)" && adam.iterations > 0)
    #expect(state.metadata["dl.optimizer"] == "adam")
    for (key, t) in adam.slotState {
      let parts = key.split(separator: "/")
      #expect(state.tensor(named: "\(parts[1]):\(parts[0])")?.data == t.data, "\(key)")
    }
    #expect(state.tensor(named: "m:dense_1.weights")?.shape == [4, 16])
  }

  @Test("PyTorch with class_weight and validation: dl's weighted first-batch loss, the validation data, the epochs so far")
  func pytorchFitSettings() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(ModelFileTests.trained, file: "<cell 1>"), "\(out.stderr)")
    #expect(s.run("fit net train validation=test epochs=2 batch=16 verbose=0 class_weight=[1, 2, 0.5]\n"
                  + "export net \"v.py\"", file: "<cell 2>"), "\(out.stderr)")
    let script = try String(contentsOfFile: dir + "/v.py", encoding: .utf8)
    #expect(script.contains("CLASS_WEIGHTS = torch.tensor([1.0, 2.0, 0.5])"))
    #expect(script.contains("VALIDATION = \"tensors\""))
    #expect(script.contains("START_EPOCH = 7"))  // 5 + 2 epochs
    let data = try Self.file(dir + "/v.data.safetensors")
    guard case .dataset(let test)? = s.value(named: "test"), case .dataset(let train)? = s.value(named: "train") else {
      Issue.record("no data"); return
    }
    #expect(data.tensor(named: "val_x")?.data == test.x.data)
    let net = try ModelFileTests.model(s, "net")
    let bx = Tensor(shape: [16, 4], data: Array(train.x.data[0..<64]))
    let by = Tensor(shape: [16], data: Array(try #require(train.y).data[0..<16]))
    let weighted = try net.network.weightedLoss(x: bx, y: by, perClass: [1, 2, 0.5])
    #expect(data.metadata["dl.first_batch_weighted_loss"].flatMap(Double.init) == weighted)
    #expect(weighted != data.metadata["dl.first_batch_loss"].flatMap(Double.init))
    #expect(s.run("fit net train epochs=1 batch=16 verbose=0 validation=0.25 class_weight=balanced\n"
                  + "export net \"f.py\"", file: "<cell 3>"), "\(out.stderr)")
    let f = try String(contentsOfFile: dir + "/f.py", encoding: .utf8)
    #expect(f.contains("VALIDATION = 0.25"))
    // balanced over the 90 training samples (the last quarter validates), as the fit weighed them
    let counts = (0..<3).map { c in train.y.map { y in (0..<90).filter { Int(y.data[$0]) == c }.count } ?? 0 }
    let balanced = counts.map { "\(90.0 / (3.0 * Double($0)))" }.joined(separator: ", ")
    #expect(f.contains("CLASS_WEIGHTS = torch.tensor([\(balanced)])"), "\(balanced)")
  }

  @Test("an encoder–decoder: encoder and decoder-step ONNX graphs with dl's greedy decoding; its PyTorch script")
  func seq2seq() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Seq2SeqStatementTests.setup + "\nfit rev small epochs=1 batch=32 verbose=0", file: "<cell 1>"),
            "\(out.stderr)")
    out.clear()
    #expect(s.run("export rev \"out/rev.onnx\"", file: "<cell 2>"), "\(out.stderr)")
    #expect(out.stdout.hasPrefix("exported rev to out/rev.encoder.onnx ("))
    #expect(out.stdout.contains("and out/rev.decoder.onnx (one decoding step"))
    #expect(FileManager.default.fileExists(atPath: dir + "/out/rev.encoder.onnx"))
    #expect(FileManager.default.fileExists(atPath: dir + "/out/rev.decoder.onnx"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/out/rev.onnx"))
    let sample = try Self.file(dir + "/out/rev.sample.safetensors")
    let src = try #require(sample.tensor(named: "source")), dec = try #require(sample.tensor(named: "decoder_input"))
    let probs = try #require(sample.tensor(named: "output"))
    #expect(src.shape == [16, 10] && dec.shape == [16, 11] && probs.shape == [16, 11, 14])
    guard case .model(let m)? = s.value(named: "rev"), let graph = m.seq2seq else { Issue.record("no model"); return }
    let greedy = try graph.greedy(src)
    for i in 0..<16 {  // the start token, then dl's tokens up to the end token
      #expect(dec.data[i * 11] == 2)
      let fed = (1..<11).map { Int(dec.data[i * 11 + $0]) }.prefix { $0 != 0 }
      #expect(Array(fed) == Array(greedy[i].prefix { $0 != 3 }.prefix(10)))
    }
    #expect(s.run("export rev \"train_rev.py\"", file: "<cell 3>"), "\(out.stderr)")
    let script = try String(contentsOfFile: dir + "/train_rev.py", encoding: .utf8)
    #expect(script.contains("def forward(self, source, decoder_input, logits=False):"))
    #expect(script.contains("return inputs(x, y)  # teacher forcing 1"), "fit with the default teacher_forcing=1.0")
    let weights = try Self.file(dir + "/train_rev.safetensors")
    #expect(weights.tensor(named: "attention.combine_kernel")?.shape == [32, 16])
    let data = try Self.file(dir + "/train_rev.data.safetensors")
    guard case .dataset(let small)? = s.value(named: "small") else { Issue.record("no data"); return }
    #expect(data.tensor(named: "x")?.data == small.x.data)
    let y = try #require(small.y)
    let loss = try m.network.evaluate(inputs: ["source": small.x, "decoder_input": PairVocabulary.decoderInput(y)], y: y)[0].1
    #expect(data.metadata["dl.loss"].flatMap(Double.init) == loss)
    // Scheduled sampling: the script goes on at the probability of dl's last epoch.
    #expect(s.run("fit rev small epochs=2 batch=32 verbose=0 teacher_forcing=linear(1.0, 0.4)\nexport rev \"tf_rev.py\"",
                  file: "<cell 4>"), "\(out.stderr)")
    let scheduled = try String(contentsOfFile: dir + "/tf_rev.py", encoding: .utf8)
    #expect(scheduled.contains("p = 0.4  # teacher forcing"), "linear(1.0, 0.4) ends at 0.4")
    #expect(scheduled.contains("d[:, 1:][own] = predicted[:, :-1][own]"))
  }

  @Test("PyTorch after a fit on a stream: the stream's rows, split and scaled, in the data file; validation too")
  func pytorchAfterStream() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run("""
      seed 2
      big = load "\(ModelFileTests.iris)" target=label stream=true buffer=50
      train, val = split big 0.8
      standardize train val
      model net {
        input 4
        dense 8 relu
        dense 3 softmax
      }
      compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01)
      fit net train epochs=2 batch=16 validation=val verbose=0
      export net "net.py"
      """, file: "<cell>"), "\(out.stderr)")
    guard case .stream(let train)? = s.value(named: "train"), case .stream(let val)? = s.value(named: "val") else {
      Issue.record("no streams"); return
    }
    let data = try Self.file(dir + "/net.data.safetensors")
    let (x, y) = try StreamFitRecord.tensors(train)
    #expect(x.shape == [train.count, 4] && y.shape == [train.count])
    #expect(data.tensor(named: "x")?.data == x.data && data.tensor(named: "y")?.data == y.data)
    #expect(data.tensor(named: "val_x")?.shape == [val.count, 4])
    // Standardized by train's statistics: the training columns have mean ~0.
    let mean = (0..<x.shape[0]).reduce(0.0) { $0 + Double(x.data[$1 * 4]) } / Double(x.shape[0])
    #expect(abs(mean) < 1e-4)
    let script = try String(contentsOfFile: dir + "/net.py", encoding: .utf8)
    #expect(script.contains("EPOCHS, BATCH, SHUFFLE = 2, 16, True"))
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
