import Autograd
import Foundation
import NeuralNet
import Testing
@testable import DLang

/// `export MODEL "FILE.py"` of models that were not simply fitted: never compiled (the script
/// only predicts), cross-validated or searched (it trains on that dataset), and fits with
/// early stopping; the sample `--predict` runs on, with dl's outputs.
@Suite("export statement: what the script trains on")
struct ExportTrainingTests {
  static let iris = ModelFileTests.iris

  @Test("a model never compiled: a predict-only script, dl's weights, seeded sample inputs with dl's outputs")
  func neverCompiled() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run("""
      model padded {
        input 8x8x1
        conv2d 2 3x3 padding=same
      }
      padded.conv2d_1.kernel = [[[1, 0, -1], [2, 0, -2], [1, 0, -1]], [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]]
      model pool { input 8x8x1; maxpool 2x2 }
      export padded "p.py"
      export pool "q.py"
      """, file: "<cell>"), "\(out.stderr)")
    #expect(out.stdout.contains("a PyTorch script that predicts (padded was never compiled, so it cannot train; python p.py --predict)"))
    let script = try String(contentsOfFile: dir + "/p.py", encoding: .utf8)
    #expect(script.contains("TRAINABLE = False") && !script.contains("def train(args)"))
    let data = try ExportStatementTests.file(dir + "/p.data.safetensors")
    let x = try #require(data.tensor(named: "predict_x")), y = try #require(data.tensor(named: "dl_output"))
    #expect(x.shape == [16, 8, 8, 1] && y.shape == [16, 8, 8, 2])
    #expect(data.tensor(named: "x") == nil, "no training data")
    let padded = try ModelFileTests.model(s, "padded")
    #expect(try padded.network.predict(x: x).data == y.data)
    let weights = try ExportStatementTests.file(dir + "/p.safetensors")
    #expect(weights.tensor(named: "conv2d_1.kernel")?.data == padded.network.parameters.first?.parameter.variable.value.data)
    #expect(!FileManager.default.fileExists(atPath: dir + "/p.optimizer.safetensors"))
    let pool = try ExportStatementTests.file(dir + "/q.data.safetensors")
    #expect(pool.tensor(named: "dl_output")?.shape == [16, 4, 4, 1])
  }

  @Test("a model cross-validated, never fitted: the script trains on the crossval's dataset, epochs and batch")
  func crossvalidated() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    let setup = """
      seed 4
      iris = load "\(Self.iris)" target=label
      standardize iris
      model net {
        input 4
        dense 8 relu
        dense 3 softmax
      }
      compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01)
      crossval net iris folds=3 epochs=4 batch=8
      export net "cv.py"
      """
    #expect(s.run(setup, file: "<cell 1>"), "\(out.stderr)")
    #expect(out.stdout.contains("the data it was cross-validated on (150 samples) in cv.data.safetensors"))
    let script = try String(contentsOfFile: dir + "/cv.py", encoding: .utf8)
    #expect(script.contains("EPOCHS, BATCH, SHUFFLE = 4, 8, True"))
    #expect(script.contains("KerasAdam(params, lr=0.01,"))
    #expect(script.contains("the dataset net was cross-validated on by crossval; dl never fitted"))
    let data = try ExportStatementTests.file(dir + "/cv.data.safetensors")
    guard case .dataset(let iris)? = s.value(named: "iris") else { Issue.record("no iris"); return }
    #expect(data.tensor(named: "x")?.data == iris.x.data && data.tensor(named: "y")?.data == iris.y?.data)
    let net = try ModelFileTests.model(s, "net")
    #expect(net.history.epochs == 0, "crossval trains copies")
    let loss = try net.network.evaluate(x: iris.x, y: try #require(iris.y))[0].1
    #expect(data.metadata["dl.loss"].flatMap(Double.init) == loss, "the loss of the initial weights")
    #expect(data.tensor(named: "predict_x")?.shape == [16, 4])
    // search: its best setting's rate, batch and epochs.
    out.clear()
    #expect(s.run("search net iris lr=[0.1, 0.001] batch=[8] epochs=3 folds=3\nexport net \"s.py\"", file: "<cell 2>"),
            "\(out.stderr)")
    let best = try #require(out.stdout.split(separator: "\n").first { $0.hasPrefix("best: lr=") })
    let rate = try #require(best.dropFirst("best: lr=".count).split(separator: " ").first)
    let searched = try String(contentsOfFile: dir + "/s.py", encoding: .utf8)
    #expect(searched.contains("KerasAdam(params, lr=\(rate),"), "\(best)")
    #expect(searched.contains("EPOCHS, BATCH, SHUFFLE = 3, 8, True"))
    // A fit wins over the crossval: the script continues from the fit.
    #expect(s.run("fit net iris epochs=2 batch=16 verbose=0\nexport net \"f.py\"", file: "<cell 3>"), "\(out.stderr)")
    let fitted = try String(contentsOfFile: dir + "/f.py", encoding: .utf8)
    #expect(fitted.contains("EPOCHS, BATCH, SHUFFLE = 2, 16, True") && !fitted.contains("cross-validated"))
  }

  @Test("a fit with early stopping: the script has the same rule; a fitted model's data file holds the --predict sample")
  func earlyStopping() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(ModelFileTests.trained + """

      fit net train epochs=3 batch=16 verbose=0 validation=0.25 early_stopping=early_stopping(patience=2, min_delta=0.001, restore_best=false)
      export net "es.py"
      """, file: "<cell 1>"), "\(out.stderr)")
    let script = try String(contentsOfFile: dir + "/es.py", encoding: .utf8)
    #expect(script.contains(
      "return EarlyStopping(monitor=\"val_loss\", patience=2, min_delta=0.001, restore_best=False, start_from=0)"))
    let data = try ExportStatementTests.file(dir + "/es.data.safetensors")
    let x = try #require(data.tensor(named: "predict_x")), y = try #require(data.tensor(named: "dl_output"))
    let net = try ModelFileTests.model(s, "net")
    guard case .dataset(let train)? = s.value(named: "train") else { Issue.record("no train"); return }
    #expect(x.data == Array(train.x.data[0..<64]))
    #expect(try net.network.predict(x: x).data == y.data)
    // A monitor the script does not compute is refused, at the model.
    out.clear()
    #expect(!s.run("fit net train epochs=2 batch=16 verbose=0 early_stopping=early_stopping(monitor=accuracy)\n"
                   + "export net \"acc.py\"", file: "<cell 2>"))
    #expect(out.stderr.contains("early_stopping monitors accuracy, which the PyTorch script does not compute"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/acc.py"))
  }
}
