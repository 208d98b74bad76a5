import Autograd
import Foundation
import NeuralNet
import Testing
@testable import DLang

/// `save MODEL "FILE.safetensors"` and `NAME = load "FILE.safetensors"` in a session whose
/// base directory is a fresh temporary directory.
@Suite("Model files: save and load")
struct ModelFileTests {
  static let iris = InterpreterTests.root + "/examples/data/iris.csv"

  /// A session rooted in a new temporary directory (removed by `cleanUp`).
  static func session() -> (Session, RecordingOutput, String) {
    let dir = NSTemporaryDirectory() + "dl-modelfile-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let out = RecordingOutput()
    let s = Session(output: out)
    s.baseDirectory = dir
    return (s, out, dir)
  }

  static func cleanUp(_ dir: String) { try? FileManager.default.removeItem(atPath: dir) }

  static let trained = """
    seed 3
    iris = load "\(iris)" target=label
    train, test = split iris 0.8 stratify=true
    standardize train test
    model net {
      input 4
      dense 16 relu
      dropout 0.1
      dense 3 softmax
    }
    compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]
    fit net train epochs=5 batch=16 verbose=0
    """

  static func model(_ s: Session, _ name: String) throws -> ModelRef {
    guard case .model(let m)? = s.value(named: name) else { throw ModelFileError("no model \(name)") }
    return m
  }

  @Test("the contract lines: save, load, evaluate give the same loss and metrics; predictions are bit-identical")
  func contract() throws {
    let (s, out, dir) = Self.session()
    defer { Self.cleanUp(dir) }
    #expect(s.run(Self.trained, file: "<cell 1>"), "\(out.stderr)")
    out.clear()
    #expect(s.run("evaluate net test", file: "<cell 2>"))
    let before = out.stdout
    out.clear()
    let lines = """
      save net "runs/net.safetensors"
      again = load "runs/net.safetensors"
      evaluate again test
      """
    #expect(s.run(lines, file: "<cell 3>"), "\(out.stderr)")
    let printed = out.stdout.split(separator: "\n").map(String.init)
    #expect(printed.first?.hasPrefix("saved net to runs/net.safetensors: 4 tensors, 131 parameters, ") == true)
    #expect(printed.dropFirst().first == "again: model from runs/net.safetensors: 3 layers, 131 parameters, "
            + "compiled with loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]")
    #expect(printed.last.map { $0 + "\n" } == before)
    #expect(FileManager.default.fileExists(atPath: dir + "/runs/net.safetensors"))

    let net = try Self.model(s, "net"), again = try Self.model(s, "again")
    guard case .dataset(let test)? = s.value(named: "test") else { Issue.record("no test"); return }
    let a = try net.network.predict(x: test.x, batchSize: 7)
    let b = try again.network.predict(x: test.x, batchSize: 7)
    #expect(a.shape == b.shape)
    #expect(a.data.map(\.bitPattern) == b.data.map(\.bitPattern))
    #expect(again.compiled?.optionsText == net.compiled?.optionsText)
    #expect(again.source == net.source)
    // The loaded model trains on, as a compiled model should.
    #expect(s.run("fit again train epochs=1 verbose=0", file: "<cell 4>"), "\(out.stderr)")
  }

  @Test("the file is plain safetensors: F32 tensors named layer.parameter, the metadata keys")
  func fileContents() throws {
    let (s, out, dir) = Self.session()
    defer { Self.cleanUp(dir) }
    #expect(s.run(Self.trained + "\nsave net \"net.safetensors\"", file: "<cell 1>"), "\(out.stderr)")
    let file = try SafeTensors.decode(try AtomicFile.read(dir + "/net.safetensors"))
    #expect(file.tensors.map(\.name) == ["dense_1.bias", "dense_1.weights", "dense_2.bias", "dense_2.weights"])
    #expect(file.header.entries.allSatisfy { $0.dtype == "F32" })
    #expect(file.tensor(named: "dense_1.weights")?.shape == [4, 16])
    let net = try Self.model(s, "net")
    #expect(file.tensor(named: "dense_2.weights") == net.network.parameter(layer: "dense_2", name: "weights")?.variable.value)
    #expect(file.metadata[ModelFiles.Key.version] == "1")
    #expect(file.metadata[ModelFiles.Key.model] == "model net {\n  input 4\n  dense 16 relu\n  dropout 0.1\n  dense 3 softmax\n}")
    #expect(file.metadata[ModelFiles.Key.compile] == "loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]")
    #expect(file.metadata[ModelFiles.Key.classes] == "[\"0\",\"1\",\"2\"]")  // iris.csv's labels are 0, 1, 2
  }

  @Test("class names of the training data are kept; session values in the block are written out")
  func classesAndSelfContainedSource() throws {
    let (s, out, dir) = Self.session()
    defer { Self.cleanUp(dir) }
    let csv = "a,b,kind\n" + (0..<12).map { i in "\(i % 3),\(i % 2),\(["cat", "dog", "emu"][i % 3])" }.joined(separator: "\n")
    try csv.write(toFile: dir + "/pets.csv", atomically: true, encoding: .utf8)
    let script = """
      pets = load "pets.csv" target=kind
      units = 4
      rate = 0.5
      out = 3
      model m {
        input 2
        dense units * 2 relu   # eight
        dropout rate
        dense 3 softmax name=out
      }
      compile m loss=sparse_categorical_crossentropy optimizer=sgd(lr=0.1, momentum=0.9)
      fit m pets epochs=2 batch=4 verbose=0
      save m "m.safetensors"
      units = 100
      back = load "m.safetensors"
      """
    #expect(s.run(script, file: "<cell 1>"), "\(out.stderr)")
    let file = try SafeTensors.decode(try AtomicFile.read(dir + "/m.safetensors"))
    #expect(file.metadata[ModelFiles.Key.model] == "model m {\n  input 2\n  dense 8 relu\n  dropout 0.5\n  dense 3 softmax name=out\n}")
    #expect(file.metadata[ModelFiles.Key.classes] == #"["cat","dog","emu"]"#)
    #expect(file.metadata[ModelFiles.Key.compile] == "loss=sparse_categorical_crossentropy optimizer=sgd(lr=0.1, momentum=0.9)")
    #expect(file.tensors.map(\.name) == ["dense_1.bias", "dense_1.weights", "out.bias", "out.weights"])
    #expect(out.stdout.contains("  classes: 0 → cat, 1 → dog, 2 → emu"))
    #expect(try Self.model(s, "back").classNames == ["cat", "dog", "emu"])
    #expect(try Self.model(s, "back").network.parameterCount == 51)
  }

  @Test("saving twice gives the same bytes; loading and saving again too")
  func stableBytes() throws {
    let (s, out, dir) = Self.session()
    defer { Self.cleanUp(dir) }
    let script = Self.trained + """

      save net "a.safetensors"
      save net "b.safetensors"
      copy = load "a.safetensors"
      save copy "c.safetensors"
      """
    #expect(s.run(script, file: "<cell 1>"), "\(out.stderr)")
    let a = try AtomicFile.read(dir + "/a.safetensors")
    #expect(try AtomicFile.read(dir + "/b.safetensors") == a)
    #expect(try AtomicFile.read(dir + "/c.safetensors") == a)
  }

  /// Runs `source` in a fresh session after `setUp` (which must succeed); returns the rendered
  /// errors, and checks that the session lives on.
  static func errors(setUp: String = "", _ source: String, files: [String: [UInt8]] = [:]) throws -> String {
    let (s, out, dir) = session()
    defer { cleanUp(dir) }
    for (name, bytes) in files { try AtomicFile.write(bytes, to: dir + "/" + name) }
    if !setUp.isEmpty { #expect(s.run(setUp, file: "<cell 1>"), "\(out.stderr)") }
    out.clear()
    #expect(!s.run(source, file: "<cell 2>"), "\(source) ran without an error")
    let text = out.stderr
    out.clear()
    #expect(s.run("print 1 + 1", file: "<cell 3>"))
    #expect(out.stdout == "2\n")
    return text
  }

  static let tiny = "model m {\n  input 2\n  dense 1 sigmoid\n}\ncompile m loss=binary_crossentropy optimizer=adam"

  @Test("save: checked before running — a model is needed, and a .safetensors name")
  func saveChecks() throws {
    let unknown = try Self.errors("save nope \"x.safetensors\"")
    #expect(unknown.contains("<cell 2>:1:6: error: unknown name 'nope'"), "\(unknown)")
    let notModel = try Self.errors(setUp: "x = 1", "save x \"x.safetensors\"")
    #expect(notModel.contains("error: 'save' needs a model"), "\(notModel)")
    let ext = try Self.errors(setUp: Self.tiny, "save m \"m.bin\"")
    #expect(ext.contains("<cell 2>:1:8: error: save writes safetensors files; the name must end in .safetensors"), "\(ext)")
    #expect(ext.contains("hint: e.g. save m \"m.safetensors\""), "\(ext)")
    let noPath = try Self.errors(setUp: Self.tiny, "save m")
    #expect(noPath.contains("'save' expects a file name in quotes after the model"), "\(noPath)")
  }

  @Test("save: a path that cannot be written, or an input of the session, is a located error")
  func saveWriteErrors() throws {
    let blocked = try Self.errors(setUp: Self.tiny, "save m \"plain/m.safetensors\"", files: ["plain": [1]])
    #expect(blocked.contains("<cell 2>:1:8: error: plain/m.safetensors: cannot write: plain exists and is not a directory"), "\(blocked)")
    let model = try SafeTensors.encode([("dense_1.weights", Tensor(shape: [2, 1], data: [1, 2])),
                                        ("dense_1.bias", Tensor(shape: [1], data: [0]))],
                                       metadata: [ModelFiles.Key.version: "1",
                                                  ModelFiles.Key.model: "model m {\n  input 2\n  dense 1 sigmoid\n}"])
    let input = try Self.errors("m = load \"in.safetensors\"\nsave m \"in.safetensors\"", files: ["in.safetensors": model])
    #expect(input.contains("<cell 2>:2:8: error: in.safetensors: refusing to overwrite a file this session reads as input"), "\(input)")
  }

  @Test("save refuses to write over the script being run")
  func saveOverScript() throws {
    let (s, out, dir) = Self.session()
    defer { Self.cleanUp(dir) }
    let path = dir + "/train.safetensors"
    let script = Self.tiny + "\nsave m \"train.safetensors\""
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    #expect(!s.run(script, file: path))
    #expect(out.stderr.contains("refusing to overwrite a file this session reads as input"), "\(out.stderr)")
    #expect(try String(contentsOfFile: path, encoding: .utf8) == script)
  }

  @Test("load: a truncated or corrupt file is one error naming the file and the byte offset")
  func corruptFiles() throws {
    let (s, out, dir) = Self.session()
    #expect(s.run(Self.tiny + "\nsave m \"good.safetensors\"", file: "<cell 1>"), "\(out.stderr)")
    let good = try AtomicFile.read(dir + "/good.safetensors")
    Self.cleanUp(dir)

    let truncated = try Self.errors("m = load \"cut.safetensors\"", files: ["cut.safetensors": Array(good.prefix(good.count - 3))])
    #expect(truncated.contains("<cell 2>:1:10: error: cut.safetensors: byte "), "\(truncated)")
    #expect(truncated.contains("truncated"), "\(truncated)")
    #expect(truncated.components(separatedBy: "error:").count == 2, "\(truncated)")
    var flipped = good
    flipped[23] = UInt8(ascii: "!")  // the ':' after "__metadata__"
    let corrupt = try Self.errors("m = load \"bad.safetensors\"", files: ["bad.safetensors": flipped])
    #expect(corrupt.contains("error: bad.safetensors: byte 23: malformed header: expected ':' after a key, found '!'"), "\(corrupt)")
    let tiny = try Self.errors("m = load \"short.safetensors\"", files: ["short.safetensors": [1, 2, 3]])
    #expect(tiny.contains("short.safetensors: byte 0: the file is 3 bytes long"), "\(tiny)")
    let missing = try Self.errors("m = load \"nothere.safetensors\"")
    #expect(missing.contains("error: nothere.safetensors: no such file"), "\(missing)")
  }

  @Test("load: files that are safetensors but not a usable dl model")
  func notAModel() throws {
    let weights = Tensor(shape: [2, 1], data: [1, 2]), bias = Tensor(shape: [1], data: [0])
    func file(_ source: String?, version: String = "1", tensors: [(name: String, tensor: Tensor)]? = nil,
              compile: String? = nil) throws -> [UInt8] {
      var meta = [ModelFiles.Key.version: version]
      if let source { meta[ModelFiles.Key.model] = source }
      if let compile { meta[ModelFiles.Key.compile] = compile }
      return try SafeTensors.encode(tensors ?? [("dense_1.weights", weights), ("dense_1.bias", bias)], metadata: meta)
    }
    let block = "model m {\n  input 2\n  dense 1 sigmoid\n}"
    let bare = try Self.errors("m = load \"w.safetensors\"",
                               files: ["w.safetensors": try SafeTensors.encode([("w", weights)])])
    #expect(bare.contains("w.safetensors: not a dl model file: its metadata has no dl.version key"), "\(bare)")
    let newer = try Self.errors("m = load \"v.safetensors\"", files: ["v.safetensors": try file(block, version: "7")])
    #expect(newer.contains("model file format 7 is not one this dl reads"), "\(newer)")
    let unbuildable = try Self.errors("m = load \"u.safetensors\"",
                                      files: ["u.safetensors": try file("model m {\n  input 2\n  conv9 4\n}")])
    #expect(unbuildable.contains("u.safetensors: the model stored in it does not build: line 3:3: unknown layer 'conv9'"), "\(unbuildable)")
    let shape = try Self.errors("m = load \"s.safetensors\"",
                                files: ["s.safetensors": try file(block, tensors: [("dense_1.weights", Tensor(shape: [1, 2], data: [1, 2])), ("dense_1.bias", bias)])])
    #expect(shape.contains("tensor 'dense_1.weights' has shape (1, 2), but the model's dense_1.weights is (2, 1)"), "\(shape)")
    let missing = try Self.errors("m = load \"m.safetensors\"", files: ["m.safetensors": try file(block, tensors: [("dense_1.weights", weights)])])
    #expect(missing.contains("tensor 'dense_1.bias' is missing"), "\(missing)")
    let extra = try Self.errors("m = load \"e.safetensors\"",
                                files: ["e.safetensors": try file(block, tensors: [("dense_1.weights", weights), ("dense_1.bias", bias), ("x.y", bias)])])
    #expect(extra.contains("tensor 'x.y' belongs to no parameter of the model"), "\(extra)")
    let badCompile = try Self.errors("m = load \"c.safetensors\"", files: ["c.safetensors": try file(block, compile: "loss=nonsense optimizer=adam(lr=0.1)")])
    #expect(badCompile.contains("c.safetensors: its compile settings 'loss=nonsense optimizer=adam(lr=0.1)' are not valid here: unknown loss 'nonsense'"), "\(badCompile)")
    let options = try Self.errors("m = load \"o.safetensors\" target=label", files: ["o.safetensors": try file(block)])
    #expect(options.contains("<cell 2>:1:26: error: a model file takes no options (target= is for CSV files)"), "\(options)")
  }

  @Test("the checker knows a loaded file is a model: compiled, or not, as saved")
  func checkerKinds() throws {
    // Loaded from a file saved earlier by the same script: `fit` is checked before anything runs.
    let uncompiled = try Self.errors("model m {\n  input 2\n  dense 1\n}\nsave m \"u.safetensors\"\nback = load \"u.safetensors\"\nfit back [[1, 2]] [1]")
    #expect(uncompiled.contains("<cell 2>:7:5: error: model 'back' is not compiled yet"), "\(uncompiled)")
    #expect(!uncompiled.contains("saved m"))
    // A file that exists before the script runs: its header tells.
    let (s, out, dir) = Self.session()
    defer { Self.cleanUp(dir) }
    #expect(s.run(Self.tiny + "\nsave m \"t.safetensors\"", file: "<cell 1>"))
    let program = Parser.parse(source: "k = load \"t.safetensors\"\nsummary k")
    let diagnostics = Checker(session: s).check(program.statements)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    out.clear()
    #expect(!s.run("k = load \"t.safetensors\"\nstandardize k", file: "<cell 2>"))
    #expect(out.stderr.contains("standardize works on datasets; this is a model"), "\(out.stderr)")
  }

  @Test("a file that starts like safetensors is a model file whatever its name")
  func sniffedByMagic() throws {
    let (s, out, dir) = Self.session()
    defer { Self.cleanUp(dir) }
    #expect(s.run(Self.tiny + "\nsave m \"m.safetensors\"", file: "<cell 1>"))
    try FileManager.default.copyItem(atPath: dir + "/m.safetensors", toPath: dir + "/m.weights")
    #expect(s.run("w = load \"m.weights\"\nsummary w", file: "<cell 2>"), "\(out.stderr)")
    #expect(out.stdout.contains("w: model from m.weights: 1 layers, 3 parameters"))
  }

  @Test("help and the statement table know save")
  func help() throws {
    let text = try #require(HelpText.topic("save"))
    #expect(text.contains("save MODEL \"FILE.safetensors\""))
    #expect(text.contains("parent directories are created"))
    #expect(HelpText.topic("load")?.contains("FILE.safetensors") == true)
  }
}

@Suite("Model files: the PyTorch fixture through the language")
struct ModelFileTorchFixtureTests {
  static let fixtures = InterpreterTests.root + "/Tests/NeuralNetTests/Fixtures"

  struct Expected: Decodable {
    struct Values: Decodable { var shape: [Int]; var data: [Double] }
    var inputs: Values
    var outputs: Values
  }

  @Test("load gives the model PyTorch ran (outputs within 1e-5); save writes the same bytes again")
  func loadPredictSave() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    let source = "net = load \"\(Self.fixtures)/iris_mlp.safetensors\"\nsave net \"again.safetensors\""
    #expect(s.run(source, file: "<cell 1>"), "\(out.stderr)")
    #expect(out.stdout.contains("  classes: 0 → setosa, 1 → versicolor, 2 → virginica"))
    let committed = try AtomicFile.read(Self.fixtures + "/iris_mlp.safetensors")
    #expect(try AtomicFile.read(dir + "/again.safetensors") == committed)

    let expected = try JSONDecoder().decode(
      Expected.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/iris_mlp_torch.json")))
    let net = try ModelFileTests.model(s, "net")
    let x = Tensor(shape: expected.inputs.shape, data: expected.inputs.data.map { Float($0) })
    let y = try net.network.predict(x: x, batchSize: 32)
    #expect(y.shape == expected.outputs.shape)
    let diff = zip(y.data, expected.outputs.data).map { abs(Double($0) - $1) }.max() ?? .infinity
    #expect(diff <= 1e-5, "max |dl - torch| = \(diff)")
  }
}
