import Autograd
import Foundation
import NeuralNet
import Testing

// Three small networks against PyTorch reference values (`torch_nets.json`, made by
// `bench/fixtures/make_fixtures.py`; format in `bench/fixtures/README.md`): the loss and every
// gradient at the fixture's initial parameters, then the parameters after full-batch steps of
// Adam, SGD with momentum and RMSprop (Keras formulas). `xor_mlp` and `mlp_softmax` run through
// `Model`; `tiny_cnn` is assembled from Autograd ops (a check of the ops themselves; the
// convolution layers are compared in CNNTorchFixtureTests) and trained with the NeuralNet
// optimizers.

// MARK: - Fixture format

/// A tensor as stored in the fixtures (float32 values written as doubles).
struct NetFixtureTensor: Decodable, Sendable {
  var shape: [Int]
  var data: [Double]
  var int: Bool?

  var tensor: Tensor { Tensor(shape: shape, data: data.map { Float($0) }) }
}

/// One optimizer run: its settings and number of full-batch steps.
struct NetOptimizerConfig: Decodable, Sendable {
  var type: String
  var lr: Double
  var beta1: Double?
  var beta2: Double?
  var eps: Double?
  var momentum: Double?
  var nesterov: Bool?
  var rho: Double?
  var centered: Bool?
  var steps: Int

  /// The NeuralNet optimizer with these settings (Keras semantics on both sides).
  func make() throws -> Optimizer {
    switch type {
    case "adam":
      return Adam(lr: Float(lr), beta1: Float(beta1 ?? 0.9), beta2: Float(beta2 ?? 0.999),
                  epsilon: Float(eps ?? 1e-7))
    case "sgd":
      return SGD(lr: Float(lr), momentum: Float(momentum ?? 0), nesterov: nesterov ?? false)
    case "rmsprop":
      guard (momentum ?? 0) == 0, !(centered ?? false) else {
        throw NetFixtureError("RMSprop with momentum or centred is not implemented")
      }
      return RMSprop(lr: Float(lr), rho: Float(rho ?? 0.9), epsilon: Float(eps ?? 1e-7))
    default:
      throw NetFixtureError("unknown optimizer type '\(type)'")
    }
  }
}

/// One network of `torch_nets.json`.
struct NetFixture: Decodable, Sendable {
  var name: String
  var arch: String
  var params: [String: NetFixtureTensor]
  var x: NetFixtureTensor
  var y: NetFixtureTensor
  var loss: Double
  var grads: [String: NetFixtureTensor]
  var optimizers: [String: NetOptimizerConfig]
  var after: [String: [String: NetFixtureTensor]]
  var loss_history: [String: [Double]]?
}

struct NetFixtureFile: Decodable, Sendable {
  var nets: [NetFixture]
}

struct NetFixtureError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}

/// One optimizer run of one network, as a test argument.
struct NetRun: Sendable, CustomTestStringConvertible {
  var net: String
  var optimizer: String
  var testDescription: String { "\(net) \(optimizer)" }
}

enum TorchNets {
  /// The decoded fixture, read from the source tree (NeuralNetTests has no resources).
  static let file: Result<NetFixtureFile, NetFixtureError> = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("AutogradTests/Fixtures/torch_nets.json")
    do {
      return .success(try JSONDecoder().decode(NetFixtureFile.self,
                                               from: Data(contentsOf: url)))
    } catch {
      return .failure(NetFixtureError("cannot load \(url.path): \(error)"))
    }
  }()

  static var nets: [NetFixture] { (try? file.get().nets) ?? [] }
  static var names: [String] { nets.map(\.name) }
  static var runs: [NetRun] {
    nets.flatMap { n in n.optimizers.keys.sorted().map { NetRun(net: n.name, optimizer: $0) } }
  }

  static func net(_ name: String) throws -> NetFixture {
    guard let n = try file.get().nets.first(where: { $0.name == name }) else {
      throw NetFixtureError("no net '\(name)'")
    }
    return n
  }
}

// MARK: - Networks under test

/// A network built from a fixture: its loss and gradients at the current parameters, and
/// full-batch optimizer steps.
protocol FixtureNetwork {
  /// Parameters by fixture name (`dense_1.weights`, …).
  var parameters: [String: Variable] { get }
  /// The loss at the current parameters and dLoss/dParameter, without updating.
  func lossAndGradients() throws -> (Double, [String: Tensor])
  /// One full-batch step with `optimizer`; returns the loss before the step.
  func step(_ optimizer: Optimizer) throws -> Double
}

/// An optimizer that records the gradients it is given and updates nothing: with it,
/// `trainOnBatch` is one forward/backward pass through the public API.
final class GradientProbe: Optimizer {
  var learningRate: Float = 0
  var name: String { "gradient_probe" }
  var config: [(String, String)] { [] }
  var iterations = 0
  var clipping = GradientClipping()
  var schedule: LearningRateSchedule?
  var slotState: [(String, Tensor)] { [] }
  func restoreSlots(_ state: [(String, Tensor)]) throws {}
  private(set) var gradients: [ObjectIdentifier: Tensor] = [:]

  func step(_ params: [Parameter]) {
    iterations += 1
    for p in params {
      if let g = p.variable.grad { gradients[ObjectIdentifier(p.variable)] = g }
      p.variable.zeroGrad()
    }
  }
}

/// `xor_mlp` and `mlp_softmax`: `Model` + `Dense`, trained with `trainOnBatch`.
final class SequentialNet: FixtureNetwork {
  let model: Model
  let loss: Loss
  let x: Tensor, y: Tensor
  private var compiledWith: Optimizer?

  init(_ f: NetFixture) throws {
    var rng = SeededRandom(seed: 0)  // the initial values are replaced by the fixture's
    model = Model(name: f.name, inputShape: Array(f.x.shape.dropFirst()))
    switch f.name {
    case "xor_mlp":  // dense_1 2→8 tanh; dense_2 8→1 sigmoid; BCE
      try model.add(Dense(units: 8, activation: .tanh, name: "dense_1"), rng: &rng)
      try model.add(Dense(units: 1, activation: .sigmoid, name: "dense_2"), rng: &rng)
      loss = .binaryCrossentropy
    case "mlp_softmax":  // dense_1 4→16 relu; dense_2 16→3 softmax; sparse CE
      try model.add(Dense(units: 16, activation: .relu, name: "dense_1"), rng: &rng)
      try model.add(Dense(units: 3, activation: .softmax, name: "dense_2"), rng: &rng)
      loss = .sparseCategoricalCrossentropy
    default:
      throw NetFixtureError("no Model model for net '\(f.name)'")
    }
    guard model.parameters.count == f.params.count else {
      throw NetFixtureError("\(f.name): the model has \(model.parameters.count) parameters, "
                            + "the fixture \(f.params.count)")
    }
    for (key, t) in f.params {
      let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
      guard parts.count == 2 else { throw NetFixtureError("bad parameter name '\(key)'") }
      try model.setParameter(layer: parts[0], name: parts[1], value: t.tensor)
    }
    x = f.x.tensor
    y = f.y.tensor
  }

  var parameters: [String: Variable] {
    Dictionary(uniqueKeysWithValues: model.parameters.map {
      ("\($0.layer).\($0.parameter.name)", $0.parameter.variable)
    })
  }

  private func compile(_ optimizer: Optimizer) throws {
    if compiledWith !== optimizer {
      try model.compile(loss: loss, optimizer: optimizer)
      compiledWith = optimizer
    }
  }

  func lossAndGradients() throws -> (Double, [String: Tensor]) {
    let probe = GradientProbe()
    try compile(probe)
    var rng = SeededRandom(seed: 0)
    let logs = try model.trainOnBatch(x: x, y: y, rng: &rng)
    var grads: [String: Tensor] = [:]
    for (key, v) in parameters { grads[key] = probe.gradients[ObjectIdentifier(v)] }
    return (logs[0].1, grads)
  }

  /// The loss from `evaluate` (inference mode, no tape).
  func evaluatedLoss() throws -> Double {
    try compile(compiledWith ?? GradientProbe())
    return try model.evaluate(x: x, y: y, batchSize: x.shape[0])[0].1
  }

  func step(_ optimizer: Optimizer) throws -> Double {
    try compile(optimizer)
    var rng = SeededRandom(seed: 0)
    return try model.trainOnBatch(x: x, y: y, rng: &rng)[0].1
  }
}

/// `tiny_cnn` from Autograd ops: conv2d (3×3, same) → relu → 2×2 max pool → flatten (NHWC)
/// → matmul + bias → softmax cross-entropy with integer labels.
final class TinyCNN: FixtureNetwork {
  let kernel, convBias, weights, bias: Variable
  let x: Tensor, y: Tensor
  let params: [Parameter]

  init(_ f: NetFixture) throws {
    func p(_ key: String) throws -> Variable {
      guard let t = f.params[key] else { throw NetFixtureError("\(f.name): no parameter \(key)") }
      return Variable(t.tensor, requiresGrad: true)
    }
    kernel = try p("conv2d_1.weights")
    convBias = try p("conv2d_1.bias")
    weights = try p("dense_1.weights")
    bias = try p("dense_1.bias")
    guard f.params.count == 4 else { throw NetFixtureError("\(f.name): expected 4 parameters") }
    x = f.x.tensor
    y = f.y.tensor
    params = [("conv2d_1.weights", kernel), ("conv2d_1.bias", convBias),
              ("dense_1.weights", weights), ("dense_1.bias", bias)]
      .map { Parameter(name: $0.0, variable: $0.1) }
  }

  var parameters: [String: Variable] {
    Dictionary(uniqueKeysWithValues: params.map { ($0.name, $0.variable) })
  }

  /// The forward pass, recorded on the current tape.
  private func forward() -> Variable {
    let h = conv2d(Variable(x), kernel: kernel, bias: convBias, stride: 1, padding: .same).relu()
    let pooled = pool2d(h, kind: .max, size: 2, stride: 2, padding: .valid)
    let flat = pooled.reshaped([x.shape[0], -1])
    return softmaxCrossEntropy(logits: matmul(flat, weights) + bias, labels: y)
  }

  private func backward() -> Double {
    let tape = Tape.current
    tape.reset()
    for p in params { p.variable.zeroGrad() }
    let loss = forward()
    tape.backward(from: loss)
    return Double(loss.value.scalar)
  }

  func lossAndGradients() throws -> (Double, [String: Tensor]) {
    let l = backward()
    var grads: [String: Tensor] = [:]
    for p in params { grads[p.name] = p.variable.grad }
    for p in params { p.variable.zeroGrad() }
    return (l, grads)
  }

  func step(_ optimizer: Optimizer) throws -> Double {
    let l = backward()
    optimizer.step(params)
    return l
  }
}

func makeNetwork(_ f: NetFixture) throws -> any FixtureNetwork {
  f.name == "tiny_cnn" ? try TinyCNN(f) : try SequentialNet(f)
}

// MARK: - Comparison

/// |a − b| ≤ 1e-4 + 1e-4·|b| for every element (b the reference); problems and max |a − b|.
func netMismatches(_ what: String, _ actual: [Float], _ expected: [Double])
  -> (problems: [String], maxAbs: Double) {
  guard actual.count == expected.count else {
    return (["\(what): \(actual.count) values, expected \(expected.count)"], .infinity)
  }
  var problems: [String] = []
  var maxAbs = 0.0
  for i in 0..<expected.count {
    let a = Double(actual[i]), b = expected[i]
    let err = Swift.abs(a - b)
    if !(err <= maxAbs) { maxAbs = err.isNaN ? .infinity : err }
    if !(err <= 1e-4 + 1e-4 * Swift.abs(b)) && problems.count < 3 {
      problems.append("\(what)[\(i)] = \(a), expected \(b)")
    }
  }
  return (problems, maxAbs)
}

func verbose(_ s: @autoclosure () -> String) {
  if ProcessInfo.processInfo.environment["DL_FIXTURE_VERBOSE"] != nil { print(s()) }
}

// MARK: - Tests

@Suite("Networks against PyTorch reference values (torch_nets.json)")
struct TorchNetTests {
  @Test("the fixture file loads and lists the three networks")
  func fixturesLoad() throws {
    let nets = try TorchNets.file.get().nets
    #expect(Set(nets.map(\.name)) == ["xor_mlp", "mlp_softmax", "tiny_cnn"])
  }

  @Test("loss and gradients at the initial parameters", arguments: TorchNets.names)
  func lossAndGradients(_ name: String) throws {
    let f = try TorchNets.net(name)
    let net = try makeNetwork(f)
    let (loss, grads) = try net.lossAndGradients()
    var problems: [String] = []
    var maxAbs = 0.0
    func check(_ r: (problems: [String], maxAbs: Double)) {
      problems += r.problems
      maxAbs = Swift.max(maxAbs, r.maxAbs)
    }
    check(netMismatches("loss", [Float(loss)], [f.loss]))
    if let s = net as? SequentialNet {
      check(netMismatches("evaluate loss", [Float(try s.evaluatedLoss())], [f.loss]))
    }
    #expect(Set(grads.keys) == Set(f.grads.keys), "\(name): gradients of \(grads.keys.sorted())")
    for (key, g) in f.grads.sorted(by: { $0.key < $1.key }) {
      guard let a = grads[key] else { problems.append("\(key): no gradient"); continue }
      #expect(a.shape == g.shape, "\(key): gradient shape \(a.shape), expected \(g.shape)")
      check(netMismatches("grad \(key)", a.data, g.data))
    }
    // The gradients were taken without an update: the parameters are still the initial ones.
    for (key, v) in net.parameters {
      check(netMismatches("unchanged \(key)", v.value.data, f.params[key]?.data ?? []))
    }
    #expect(problems.isEmpty, "\(name): \(problems.joined(separator: "; "))")
    verbose("net \(name) loss/grads: max |Δ| \(maxAbs)")
  }

  @Test("parameters after optimizer steps", arguments: TorchNets.runs)
  func optimizerSteps(_ run: NetRun) throws {
    let f = try TorchNets.net(run.net)
    guard let config = f.optimizers[run.optimizer], let after = f.after[run.optimizer] else {
      throw NetFixtureError("\(run.testDescription): no optimizer settings or results")
    }
    let net = try makeNetwork(f)
    let optimizer = try config.make()
    var losses: [Float] = []
    for _ in 0..<config.steps { losses.append(Float(try net.step(optimizer))) }
    #expect(optimizer.iterations == config.steps)

    var problems: [String] = []
    var maxAbs = 0.0
    func check(_ r: (problems: [String], maxAbs: Double)) {
      problems += r.problems
      maxAbs = Swift.max(maxAbs, r.maxAbs)
    }
    if let history = f.loss_history?[run.optimizer] {
      check(netMismatches("loss", losses, history))
    }
    let params = net.parameters
    #expect(Set(params.keys) == Set(after.keys))
    for (key, expected) in after.sorted(by: { $0.key < $1.key }) {
      guard let v = params[key] else { problems.append("\(key): no such parameter"); continue }
      check(netMismatches(key, v.value.data, expected.data))
    }
    #expect(problems.isEmpty, "\(run.testDescription): \(problems.joined(separator: "; "))")
    verbose("net \(run.testDescription): max |Δ| \(maxAbs)")
  }
}
