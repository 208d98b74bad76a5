import Foundation
import Testing
import Autograd
@testable import NeuralNet

/// The image layers and the contract CNN beside PyTorch (`Fixtures/cnn_layers.json`, made by
/// `bench/fixtures/make_cnn_layers_fixture.py`): every layer with the same weights gives the
/// same output and the same gradients for a given upstream gradient; BatchNormalization
/// normalises NHWC maps per channel as `BatchNorm2d`; the whole contract CNN gives the same
/// probabilities, loss and gradients, and the same weights after one Adam step.
@Suite("Image layers vs PyTorch")
struct CNNTorchFixtureTests {
  struct T: Decodable {
    let shape: [Int]
    let data: [Float]
    var tensor: Tensor { Tensor(shape: shape, data: data) }
  }

  struct LayerSettings: Decodable {
    let type: String
    let filters: Int?, kernel: [Int]?, stride: Int?, padding: String?, activation: String?
    let kind: String?, size: Int?, scale: Float?, offset: Float?
  }

  struct LayerCase: Decodable, CustomTestStringConvertible {
    let name: String
    let layer: LayerSettings
    let x: T, dy: T, y: T, dx: T
    let params: [String: T], dparams: [String: T]
    var testDescription: String { name }
  }

  struct BatchNorm: Decodable {
    let momentum: Float, epsilon: Float
    let x: T, gamma: T, beta: T, dy: T, y: T, dx: T, dgamma: T, dbeta: T
    let moving_mean: T, moving_variance: T, x2: T, y2: T
  }

  struct CNN: Decodable {
    struct Adam: Decodable { let lr: Float, beta1: Float, beta2: Float, eps: Float }
    let optimizer: Adam
    let x: T, y: T, probabilities: T
    let loss: Double
    let params: [String: T], grads: [String: T], after: [String: T]
  }

  struct File: Decodable {
    let layers: [LayerCase]
    let batchnorm_nhwc: BatchNorm
    let cnn: CNN
  }

  static let file: File? = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/cnn_layers.json")
    return try? JSONDecoder().decode(File.self, from: Data(contentsOf: url))
  }()

  static var layerCases: [LayerCase] { file?.layers ?? [] }

  static func close(_ a: Tensor?, _ b: T, _ tol: Float = 1e-4) -> Bool {
    guard let a, a.shape == b.shape else { return false }
    return zip(a.data, b.data).allSatisfy { abs($0 - $1) <= tol * (1 + abs($1)) }
  }

  static func pool(_ name: String?) -> PoolKind? {
    switch name {
    case "max": return .max
    case "min": return .min
    case "average": return .average
    default: return nil
    }
  }

  /// The dl layer a fixture case describes.
  static func make(_ s: LayerSettings) throws -> Layer {
    let padding = try #require(Padding(rawValue: s.padding ?? "valid"))
    switch s.type {
    case "conv2d":
      let k = try #require(s.kernel)
      let act = try #require(Activation.named(s.activation ?? "linear"))
      return Conv2D(filters: try #require(s.filters), kernelSize: (k[0], k[1]), stride: s.stride ?? 1,
                    padding: padding, activation: act)
    case "pool":
      return Pooling2D(try #require(pool(s.kind)), size: try #require(s.size), stride: s.stride, padding: padding)
    case "global_pool":
      return GlobalPooling2D(try #require(pool(s.kind)))
    case "rescale":
      return Rescaling(scale: try #require(s.scale), offset: s.offset ?? 0)
    default:
      throw CNNFixtureError(description: "unknown layer type \(s.type)")
    }
  }

  @Test("the fixture is there and covers every image layer")
  func coverage() throws {
    let f = try #require(Self.file)
    let names = Set(f.layers.map { $0.name.split(separator: "/")[0] })
    #expect(names == ["conv2d", "maxpool", "minpool", "avgpool", "global_pool", "rescale"])
    #expect(f.layers.contains { $0.layer.padding == "same" && $0.layer.stride == 2 && $0.layer.type == "conv2d" })
  }

  @Test("each layer: output and gradients for the same weights and upstream gradient", arguments: layerCases)
  func layer(_ c: LayerCase) throws {
    let m = Model(inputShape: Array(c.x.shape.dropFirst()))
    let layer = try Self.make(c.layer)
    var rng = SeededRandom(seed: 0)
    try m.add(layer, rng: &rng)
    #expect(m.outputShape == Array(c.y.shape.dropFirst()))
    for (name, t) in c.params { try m.setParameter(layer: layer.name, name: name, value: t.tensor) }
    Tape.current.reset()
    let x = Variable(c.x.tensor, requiresGrad: true)
    var ctx = ForwardContext(training: false, rng: rng)
    let y = layer.forward([x], &ctx)[0]
    #expect(Self.close(y.value, c.y), "output")
    Tape.current.backward(from: y, seed: c.dy.tensor)
    #expect(Self.close(x.grad, c.dx), "dx")
    for (name, g) in c.dparams {
      #expect(Self.close(m.parameter(layer: layer.name, name: name)?.variable.grad, g), "d\(name)")
    }
  }

  @Test("batchnorm on (N, H, W, C): per-channel batch statistics, gradients, moving statistics, inference")
  func batchNormNHWC() throws {
    let f = try #require(Self.file?.batchnorm_nhwc)
    let m = Model(inputShape: Array(f.x.shape.dropFirst()))
    let layer = BatchNormalization(momentum: f.momentum, epsilon: f.epsilon)
    var rng = SeededRandom(seed: 0)
    try m.add(layer, rng: &rng)
    try m.setParameter(layer: layer.name, name: "gamma", value: f.gamma.tensor)
    try m.setParameter(layer: layer.name, name: "beta", value: f.beta.tensor)
    Tape.current.reset()
    let x = Variable(f.x.tensor, requiresGrad: true)
    var ctx = ForwardContext(training: true, rng: rng)
    let y = layer.forward(x, &ctx)
    #expect(Self.close(y.value, f.y))
    Tape.current.backward(from: y, seed: f.dy.tensor)
    #expect(Self.close(x.grad, f.dx))
    #expect(Self.close(layer.gamma?.grad, f.dgamma))
    #expect(Self.close(layer.beta?.grad, f.dbeta))
    #expect(Self.close(layer.movingMean?.value, f.moving_mean))
    #expect(Self.close(layer.movingVariance?.value, f.moving_variance))
    #expect(Self.close(try m.predict(x: f.x2.tensor), f.y2))
  }

  /// The contract model of issue 8, with the fixture's weights.
  static func contractModel(_ f: CNN) throws -> Model {
    var rng = SeededRandom(seed: 0)
    let m = Model(name: "cnn", inputShape: [8, 8, 1])
    try m.add(Rescaling(scale: 1.0 / 16, name: "rescale_1"), rng: &rng)
    try m.add(Conv2D(filters: 16, kernelSize: (3, 3), padding: .same, activation: .relu, name: "conv2d_1"), rng: &rng)
    try m.add(Pooling2D(.max, size: 2, name: "maxpool_1"), rng: &rng)
    try m.add(Conv2D(filters: 32, kernelSize: (3, 3), padding: .same, activation: .relu, name: "conv2d_2"), rng: &rng)
    try m.add(Pooling2D(.max, size: 2, name: "maxpool_2"), rng: &rng)
    try m.add(Flatten(name: "flatten_1"), rng: &rng)
    try m.add(Dense(units: 64, activation: .relu, name: "dense_1"), rng: &rng)
    try m.add(Dense(units: 10, activation: .softmax, name: "dense_2"), rng: &rng)
    #expect(m.namedParameters.map(\.path).sorted() == f.params.keys.sorted())
    for (path, t) in f.params {
      let parts = path.split(separator: ".").map(String.init)
      try m.setParameter(layer: parts[0], name: parts[1], value: t.tensor)
    }
    return m
  }

  @Test("the contract CNN: probabilities, loss and gradients match PyTorch")
  func contractForwardAndGradients() throws {
    let f = try #require(Self.file?.cnn)
    let m = try Self.contractModel(f)
    #expect(Self.close(try m.predict(x: f.x.tensor), f.probabilities, 1e-5))
    let probe = GradientProbe()
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: probe)
    var rng = SeededRandom(seed: 0)
    let logs = try m.trainOnBatch(x: f.x.tensor, y: f.y.tensor, rng: &rng)
    let loss = try #require(logs.first { $0.0 == "loss" }?.1)
    #expect(abs(loss - f.loss) <= 1e-5 * (1 + abs(f.loss)))
    for (path, p) in m.namedParameters {
      let g = try #require(f.grads[path])
      #expect(Self.close(probe.gradients[ObjectIdentifier(p.variable)], g, 2e-4), "grad \(path)")
    }
  }

  @Test("the contract CNN: the weights after one Adam step match Keras' update from PyTorch's gradients")
  func contractAdamStep() throws {
    let f = try #require(Self.file?.cnn)
    let m = try Self.contractModel(f)
    let o = f.optimizer
    try m.compile(loss: .sparseCategoricalCrossentropy,
                  optimizer: Adam(lr: o.lr, beta1: o.beta1, beta2: o.beta2, epsilon: o.eps))
    var rng = SeededRandom(seed: 0)
    _ = try m.trainOnBatch(x: f.x.tensor, y: f.y.tensor, rng: &rng)
    for (path, p) in m.namedParameters {
      let after = try #require(f.after[path])
      #expect(Self.close(p.variable.value, after, 1e-5), "\(path) after one step")
    }
  }
}

struct CNNFixtureError: Error, CustomStringConvertible {
  var description: String
}
