import Autograd
import Foundation
import Testing
@testable import NeuralNet

/// The model-file fixture (`bench/fixtures/make_safetensors_fixture.py`): a 4-16-3 softmax MLP
/// that dl trained on iris and saved, read back by `safetensors.torch.load_file`, and run by the
/// same network in PyTorch on fixed inputs.
struct TorchModelFileFixture: Decodable {
  struct Values: Decodable {
    var shape: [Int]
    var data: [Double]
    var tensor: Tensor { Tensor(shape: shape, data: data.map { Float($0) }) }
  }

  var metadata: [String: String]
  var tensors: [String: [Int]]
  var inputs: Values
  var outputs: Values

  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures")
  static var modelPath: String { directory.appendingPathComponent("iris_mlp.safetensors").path }

  static func load() throws -> TorchModelFileFixture {
    let url = directory.appendingPathComponent("iris_mlp_torch.json")
    return try JSONDecoder().decode(TorchModelFileFixture.self, from: Data(contentsOf: url))
  }
}

@Suite("SafeTensors: a file written by dl, read by PyTorch")
struct SafeTensorsTorchTests {
  @Test("PyTorch read the same tensors and metadata; our reader and the network reproduce its outputs")
  func torchOutputs() throws {
    let fixture = try TorchModelFileFixture.load()
    let file = try SafeTensors.decode(try AtomicFile.read(TorchModelFileFixture.modelPath))
    #expect(file.metadata == fixture.metadata)
    #expect(Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, $0.tensor.shape) }) == fixture.tensors)

    var rng = SeededRandom(seed: 0)
    let net = Model(name: "iris_mlp", inputShape: [4])
    for (i, (units, activation)) in [(16, Activation.relu), (3, .softmax)].enumerated() {
      let dense = Dense(units: units, activation: activation)
      dense.name = "dense_\(i + 1)"  // dl's names, as the language gives them
      try net.add(dense, rng: &rng)
    }
    for (layer, p) in net.parameters {
      let t = try #require(file.tensor(named: layer + "." + p.name))
      try net.setParameter(layer: layer, name: p.name, value: t)
    }
    let out = try net.predict(x: fixture.inputs.tensor, batchSize: 5)
    #expect(out.shape == fixture.outputs.shape)
    let diff = zip(out.data, fixture.outputs.data).map { abs(Double($0) - $1) }.max() ?? .infinity
    #expect(diff <= 1e-5, "max |dl - torch| = \(diff)")
  }

  @Test("our writer reproduces the committed file byte for byte from the same weights and metadata")
  func writerReproducesFile() throws {
    let bytes = try AtomicFile.read(TorchModelFileFixture.modelPath)
    let file = try SafeTensors.decode(bytes)
    #expect(try SafeTensors.encode(file.tensors, metadata: file.metadata) == bytes)
    // Also from the tensors in another order (the writer sorts them by name).
    #expect(try SafeTensors.encode(file.tensors.reversed(), metadata: file.metadata) == bytes)
  }
}
