import Foundation
import Testing
import Autograd
import NeuralNet
@testable import DLang

/// The image layers in the language: the contract CNN of issue 8 declared in a `model` block
/// (shapes echoed, parameter counts and FLOPs in `summary`), its kernels read and set by name,
/// saved to and loaded from a safetensors file, and listed by `help`.
@Suite("CNN layers in the language")
struct CNNLayerTests {
  static let contract = """
    model cnn {
      input 8x8x1
      rescale 1/16
      conv2d 16 3x3 padding=same relu
      maxpool 2x2
      conv2d 32 3x3 padding=same relu
      maxpool 2x2
      flatten
      dense 64 relu
      dense 10 softmax
    }
    """

  func session(_ dir: String? = nil) -> (Session, RecordingOutput) {
    let out = RecordingOutput()
    let s = Session(output: out)
    s.baseDirectory = dir ?? InterpreterTests.root
    return (s, out)
  }

  static func model(_ s: Session, _ name: String) throws -> ModelRef {
    guard case .model(let m)? = s.value(named: name) else { throw ModelFileError("no model \(name)") }
    return m
  }

  @Test("the contract model checks and echoes every shape and parameter count")
  func contractEcho() throws {
    let program = Parser.parse(source: Self.contract)
    #expect(program.diagnostics.isEmpty)
    let (s, out) = session()
    #expect(s.run("seed 1\n" + Self.contract, file: "cnn.dl"), "\(out.stderr)")
    #expect(out.stdout == """
      model cnn
        input      → (None, 8, 8, 1)
        rescale_1  → (None, 8, 8, 1)
        conv2d_1   → (None, 8, 8, 16)  160 params
        maxpool_1  → (None, 4, 4, 16)
        conv2d_2   → (None, 4, 4, 32)  4,640 params
        maxpool_2  → (None, 2, 2, 32)
        flatten_1  → (None, 128)
        dense_1    → (None, 64)        8,256 params
        dense_2    → (None, 10)        650 params
        13,706 parameters

      """)
    let m = try Self.model(s, "cnn")
    #expect(m.network.layerOutputShapes == [[8, 8, 1], [8, 8, 16], [4, 4, 16], [4, 4, 32], [2, 2, 32], [128], [64], [10]])
    #expect(m.network.namedParameters.map(\.path) == [
      "conv2d_1.kernel", "conv2d_1.bias", "conv2d_2.kernel", "conv2d_2.bias",
      "dense_1.weights", "dense_1.bias", "dense_2.weights", "dense_2.bias"])
  }

  @Test("summary: Keras' table with the parameter counts, conv FLOPs and how they are counted")
  func summary() throws {
    let (s, out) = session()
    #expect(s.run("seed 1\n" + Self.contract, file: "cnn.dl"))
    out.clear()
    #expect(s.run("summary cnn", file: "<cell 2>"), "\(out.stderr)")
    let rows = out.stdout.split(separator: "\n").map(String.init)
    func row(_ prefix: String) -> [String] {
      (rows.first { $0.hasPrefix("| " + prefix) } ?? "").split(separator: "|")
        .map { $0.trimmingCharacters(in: .whitespaces) }
    }
    #expect(row("conv2d_1") == ["conv2d_1 (Conv2D)", "(None, 8, 8, 16)", "160", "18.4K"])
    #expect(row("maxpool_1") == ["maxpool_1 (MaxPooling2D)", "(None, 4, 4, 16)", "0", "1.0K"])
    #expect(row("conv2d_2") == ["conv2d_2 (Conv2D)", "(None, 4, 4, 32)", "4,640", "147.5K"])
    #expect(row("dense_1") == ["dense_1 (Dense)", "(None, 64)", "8,256", "16.4K"])
    #expect(row("dense_2") == ["dense_2 (Dense)", "(None, 10)", "650", "1.3K"])
    #expect(row("rescale_1") == ["rescale_1 (Rescaling)", "(None, 8, 8, 1)", "0", "64"])
    #expect(rows.contains(" Total params: 13,706 (53.54 KB)"))
    #expect(rows.contains(" Conv2D FLOPs per sample: 2*Ho*Wo*kh*kw*C*F (output Ho, Wo; kernel kh, kw; channels C in, F out)"))
    // A model without convolutions keeps its summary as before.
    out.clear()
    #expect(s.run("model mlp {\n input 4\n dense 3\n}\nsummary mlp", file: "<cell 3>"))
    #expect(out.stdout.contains(" Forward FLOPs per sample: 24") && !out.stdout.contains("Conv2D"))
  }

  @Test("kernels are read and set by name; a convolution computes with the kernel it is given")
  func kernelsByName() throws {
    let (s, out) = session()
    let script = """
      model edges {
        input 4x4x1
        conv2d 1 3x3
      }
      edges.conv2d_1.kernel = [[[[1]], [[0]], [[-1]]], [[[2]], [[0]], [[-2]]], [[[1]], [[0]], [[-1]]]]
      edges.conv2d_1.bias = [0.5]
      print edges.conv2d_1.kernel.shape
      """
    #expect(s.run(script, file: "edges.dl"), "\(out.stderr)")
    #expect(out.stdout.hasSuffix("\n(3, 3, 1, 1)\n"))
    let m = try Self.model(s, "edges")
    // A vertical edge: columns 0 1 | 1 1 → Sobel-x gives -4 (+ bias) where it sees the step.
    let x = Tensor(shape: [1, 4, 4, 1], data: [0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1])
    let y = try m.network.predict(x: x)
    #expect(y.shape == [1, 2, 2, 1])
    #expect(y.data == [-3.5, 0.5, -3.5, 0.5])
    out.clear()
    #expect(!s.run("edges.conv2d_1.kernel = [[1, 0, -1]]", file: "<cell 2>"))
    #expect(out.stderr.contains("conv2d_1.kernel has shape (3, 3, 1, 1) but the new value has shape (1, 3)"), "\(out.stderr)")
    out.clear()
    #expect(!s.run("print edges.conv2d_1.weights", file: "<cell 3>"))
    #expect(out.stderr.contains("layer 'conv2d_1' has no parameter 'weights'"), "\(out.stderr)")
  }

  @Test("a kernel can be set filter by filter: (filters, height, width) becomes (height, width, 1, filters)")
  func kernelFilterByFilter() throws {
    let (s, out) = session()
    let script = """
      model edges {
        input 4x4x1
        conv2d 2 3x3
      }
      edges.conv2d_1.kernel = [[[1, 0, -1], [2, 0, -2], [1, 0, -1]], [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]]
      print edges.conv2d_1.kernel.shape
      """
    #expect(s.run(script, file: "edges.dl"), "\(out.stderr)")
    #expect(out.stdout.hasSuffix("\n(3, 3, 1, 2)\n"))
    let m = try Self.model(s, "edges")
    let k = try #require(m.network.layers.first { $0.name == "conv2d_1" }?.parameters.first { $0.name == "kernel" })
    // kernel[y][x][0][f]: filter 0 is Sobel-x, filter 1 Sobel-y.
    #expect(Array(k.variable.value.data[0..<6]) == [1, 1, 0, 2, -1, 1])
    out.clear()
    #expect(!s.run("edges.conv2d_1.kernel = [[1, 0, -1]]", file: "<cell 2>"))
    #expect(out.stderr.contains("filter by filter"), "\(out.stderr)")
  }

  @Test("save and load a trained CNN: the file names the kernels, predictions round-trip bit for bit")
  func saveAndLoad() throws {
    let dir = NSTemporaryDirectory() + "dl-cnn-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (s, out) = session(dir)
    let digits = InterpreterTests.root + "/examples/data/digits.csv"
    let script = """
      seed 2
      digits = load "\(digits)" target=label
      train, test = split digits 0.2 stratify=true
      \(Self.contract)
      compile cnn loss=sparse_categorical_crossentropy optimizer=adam(lr=0.002) metrics=[accuracy]
      fit cnn train epochs=1 batch=32 verbose=0
      save cnn "runs/cnn.safetensors"
      again = load "runs/cnn.safetensors"
      """
    #expect(s.run(script, file: "cnn.dl"), "\(out.stderr)")
    let file = try SafeTensors.decode(try AtomicFile.read(dir + "/runs/cnn.safetensors"))
    #expect(file.tensor(named: "conv2d_1.kernel")?.shape == [3, 3, 1, 16])
    #expect(file.tensor(named: "conv2d_2.kernel")?.shape == [3, 3, 16, 32])
    #expect(file.tensor(named: "conv2d_2.bias")?.shape == [32])
    #expect(file.metadata[ModelFiles.Key.model]?.contains("conv2d 16 3x3 padding=same relu") == true)
    let cnn = try Self.model(s, "cnn"), again = try Self.model(s, "again")
    guard case .dataset(let test)? = s.value(named: "test") else { Issue.record("no test set"); return }
    let images = test.x.reshaped([test.count, 8, 8, 1])  // the CSV rows are flat
    let a = try cnn.network.predict(x: images), b = try again.network.predict(x: images)
    #expect(a.shape == [test.count, 10])
    #expect(a.data.map(\.bitPattern) == b.data.map(\.bitPattern))
  }

  @Test("a session value named like a padding word does not leak into the saved block")
  func paddingWordsAreNotValues() throws {
    let dir = NSTemporaryDirectory() + "dl-cnn-words-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (s, out) = session(dir)
    let script = """
      same = 3
      k = 2
      model net {
        input 6x6x1
        conv2d 4 3x3 padding=same
        maxpool k
        global_maxpool
      }
      save net "net.safetensors"
      """
    #expect(s.run(script, file: "words.dl"), "\(out.stderr)")
    let file = try SafeTensors.decode(try AtomicFile.read(dir + "/net.safetensors"))
    #expect(file.metadata[ModelFiles.Key.model]
            == "model net {\n  input 6x6x1\n  conv2d 4 3x3 padding=same\n  maxpool 2\n  global_maxpool\n}")
  }

  @Test("help lists the image layers, each with its synopsis and an example that builds")
  func help() throws {
    let overview = HelpText.overview(style: .ascii)
    for name in ["conv2d", "maxpool", "minpool", "avgpool", "global_avgpool", "global_maxpool", "rescale"] {
      let spec = try #require(LayerTable.spec(name), "\(name) is in the layer table")
      #expect(overview.contains(name))
      #expect(HelpText.topic(name)?.contains(spec.synopsis) == true)
      let (s, out) = session()
      #expect(s.run("model m {\n  input 8x8x3\n  \(spec.example)\n}", file: name), "\(name): \(out.stderr)")
    }
    #expect(HelpText.topic("conv2d")?.contains("padding=same|valid") == true)
  }

  @Test("kernel and window sizes: KxK, a number for a square, a variable holding either")
  func sizes() throws {
    let (s, out) = session()
    let script = """
      k = 3x2
      w = 2
      model m {
        input 9x8x2
        conv2d 4 k stride=2
        avgpool w padding=same
        conv2d 3 1 relu
        minpool 2x2 stride=1
      }
      """
    #expect(s.run(script, file: "sizes.dl"), "\(out.stderr)")
    let m = try Self.model(s, "m")
    #expect(m.network.layerOutputShapes == [[4, 4, 4], [2, 2, 4], [2, 2, 3], [1, 1, 3]])
    #expect(m.network.parameter(layer: "conv2d_1", name: "kernel")?.variable.shape == [3, 2, 2, 4])
  }
}
