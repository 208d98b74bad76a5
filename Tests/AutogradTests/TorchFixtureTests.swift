import Foundation
import Testing
import Autograd

// Every op of the engine against PyTorch reference values (`Fixtures/torch_ops.json`, made by
// `bench/fixtures/make_fixtures.py`; format and conventions in `bench/fixtures/README.md`).
// Each case runs the op forward, compares the output, backpropagates the fixture's upstream
// gradient and compares every input gradient. No Python is needed: the JSON is committed.

// MARK: - Fixture format

/// A JSON value of a fixture's `attrs` (numbers, flags, strings and nested lists).
enum FixtureValue: Decodable, Sendable {
  case bool(Bool), number(Double), string(String), array([FixtureValue])
  case object([String: FixtureValue]), null

  init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() { self = .null }
    else if let b = try? c.decode(Bool.self) { self = .bool(b) }
    else if let d = try? c.decode(Double.self) { self = .number(d) }
    else if let s = try? c.decode(String.self) { self = .string(s) }
    else if let a = try? c.decode([FixtureValue].self) { self = .array(a) }
    else { self = .object(try c.decode([String: FixtureValue].self)) }
  }

  /// The value as a whole number, or nil.
  var int: Int? {
    if case .number(let d) = self, d == d.rounded() { return Int(d) }
    return nil
  }
}

/// A tensor as stored in the fixtures: shape, row-major float32 data (written as doubles),
/// and `int` for class / gather indices.
struct FixtureTensor: Decodable, Sendable {
  var shape: [Int]
  var data: [Double]
  var int: Bool?

  /// The engine tensor (exact: every datum is a float32 value).
  var tensor: Tensor { Tensor(shape: shape, data: data.map { Float($0) }) }
}

/// One op case of `torch_ops.json`.
struct OpFixture: Decodable, Sendable, CustomTestStringConvertible {
  var name: String
  var `case`: String
  var attrs: [String: FixtureValue]?
  var inputs: [FixtureTensor]
  var output: FixtureTensor
  var upstream: FixtureTensor
  var grads: [FixtureTensor?]
  var extra: [String: FixtureTensor]?

  var testDescription: String { self.case }

  /// Attribute `key`, or a `FixtureError` naming the case.
  func attr(_ key: String) throws -> FixtureValue {
    guard let v = attrs?[key] else { throw FixtureError("\(self.case): missing attr '\(key)'") }
    return v
  }
  /// The error for attribute `key` not being `what`.
  func bad(_ key: String, _ what: String) -> FixtureError {
    FixtureError("\(self.case): attr '\(key)' is not \(what)")
  }
  func int(_ key: String) throws -> Int {
    guard let i = try attr(key).int else { throw bad(key, "an integer") }
    return i
  }
  func float(_ key: String) throws -> Float {
    guard case .number(let d) = try attr(key) else { throw bad(key, "a number") }
    return Float(d)
  }
  func bool(_ key: String) throws -> Bool {
    guard case .bool(let b) = try attr(key) else { throw bad(key, "a flag") }
    return b
  }
  func string(_ key: String) throws -> String {
    guard case .string(let s) = try attr(key) else { throw bad(key, "a string") }
    return s
  }
  func ints(_ key: String) throws -> [Int] {
    guard case .array(let a) = try attr(key) else { throw bad(key, "a list") }
    let out = a.compactMap(\.int)
    guard out.count == a.count else { throw bad(key, "a list of integers") }
    return out
  }
  /// `[[before, after], …]`.
  func pairs(_ key: String) throws -> [(before: Int, after: Int)] {
    guard case .array(let a) = try attr(key) else { throw bad(key, "a list") }
    return try a.map { p in
      guard case .array(let q) = p, q.count == 2, let b = q[0].int, let e = q[1].int else {
        throw bad(key, "a list of pairs")
      }
      return (b, e)
    }
  }
}

/// The top level of `torch_ops.json`.
struct OpFixtureFile: Decodable, Sendable {
  var torch: String
  var ops: [OpFixture]
}

struct FixtureError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}

// MARK: - Loading

enum TorchFixtures {
  /// The fixture file's URL: the test bundle's `Fixtures` resource, else the source tree.
  static func url(_ file: String) -> URL {
    if let u = Bundle.module.url(forResource: file, withExtension: "json",
                                 subdirectory: "Fixtures") { return u }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/\(file).json")
  }

  /// The decoded op fixtures, or the error that prevented loading them.
  static let ops: Result<OpFixtureFile, FixtureError> = {
    do {
      let data = try Data(contentsOf: url("torch_ops"))
      return .success(try JSONDecoder().decode(OpFixtureFile.self, from: data))
    } catch {
      return .failure(FixtureError("cannot load torch_ops.json: \(error)"))
    }
  }()

  /// The op cases (empty when loading failed; `fixturesLoad` then reports why).
  static var opCases: [OpFixture] { (try? ops.get().ops) ?? [] }
}

// MARK: - Mapping fixture names to engine ops

/// The engine op each fixture name exercises. `transpose` is `permuted([1, 0])`, so it records
/// a `permute`. `dropout` has no fixture: its mask comes from the engine's own generator and
/// cannot be reproduced by PyTorch's RNG (its gradient is covered by the finite-difference checks).
let fixtureOpKinds: [String: OpKind] = [
  "matmul": .matmul, "batched_matmul": .batchedMatmul,
  "add": .add, "sub": .sub, "mul": .mul, "div": .div, "neg": .neg,
  "pow": .pow, "sqrt": .sqrt, "exp": .exp, "log": .log, "abs": .abs, "clamp": .clamp,
  "relu": .relu, "leaky_relu": .leakyRelu, "sigmoid": .sigmoid, "tanh": .tanh,
  "softmax": .softmax, "log_softmax": .logSoftmax,
  "sum": .sum, "mean": .mean, "max": .max,
  "softmax_cross_entropy": .softmaxCrossEntropy,
  "softmax_cross_entropy_onehot": .softmaxCrossEntropyOneHot,
  "bce_with_logits": .bceWithLogits, "bce": .bce, "mse": .mse, "mae": .mae,
  "reshape": .reshape, "permute": .permute, "transpose": .permute, "slice": .slice,
  "concat": .concat, "stack": .stack, "pad": .pad, "gather": .gather,
  "conv2d": .conv2d, "conv2d_relu": .conv2dRelu, "maxpool2d": .maxPool2d, "minpool2d": .minPool2d, "avgpool2d": .avgPool2d,
  "batchnorm": .batchNorm,
]

/// What running a case produced.
struct OpRun {
  var output: Variable
  /// The inputs as variables (those with a fixture gradient require one).
  var inputs: [Variable]
  /// Extra tensors to compare: name → (actual, expected).
  var extra: [(String, Tensor, Tensor)] = []
}

/// Runs the engine op of `f` forward on its inputs (recording on the current tape).
func runFixtureOp(_ f: OpFixture) throws -> OpRun {
  let xs = f.inputs.enumerated().map { i, t in
    Variable(t.tensor, requiresGrad: i < f.grads.count && f.grads[i] != nil)
  }
  func need(_ n: Int) throws {
    guard xs.count == n else { throw FixtureError("\(f.case): \(xs.count) inputs, expected \(n)") }
  }
  /// The op's only supported axis is the last one.
  func lastAxis() throws {
    guard let a = f.attrs?["axis"]?.int else { return }
    guard a == -1 || a == xs[0].shape.count - 1 else {
      throw FixtureError("\(f.case): the engine's \(f.name) acts on the last axis only, not \(a)")
    }
  }
  var extra: [(String, Tensor, Tensor)] = []
  let y: Variable
  switch f.name {
  case "matmul":
    try need(2)
    y = matmul(xs[0], xs[1], transA: try f.bool("transA"), transB: try f.bool("transB"))
  case "batched_matmul":
    try need(2)
    y = batchedMatmul(xs[0], xs[1], transA: try f.bool("transA"), transB: try f.bool("transB"))
  case "add": try need(2); y = xs[0] + xs[1]
  case "sub": try need(2); y = xs[0] - xs[1]
  case "mul": try need(2); y = xs[0] * xs[1]
  case "div": try need(2); y = xs[0] / xs[1]
  case "neg": try need(1); y = -xs[0]
  case "pow": try need(1); y = xs[0].pow(try f.float("p"))
  case "sqrt": try need(1); y = xs[0].sqrt()
  case "exp": try need(1); y = xs[0].exp()
  case "log": try need(1); y = xs[0].log()
  case "abs": try need(1); y = xs[0].abs()
  case "clamp": try need(1); y = xs[0].clamp(try f.float("lo"), try f.float("hi"))
  case "relu": try need(1); y = xs[0].relu()
  case "leaky_relu": try need(1); y = xs[0].leakyRelu(alpha: try f.float("alpha"))
  case "sigmoid": try need(1); y = xs[0].sigmoid()
  case "tanh": try need(1); y = xs[0].tanh()
  case "softmax": try need(1); try lastAxis(); y = xs[0].softmax()
  case "log_softmax": try need(1); try lastAxis(); y = xs[0].logSoftmax()
  case "sum", "mean", "max":
    try need(1)
    let axes = try f.ints("axes"), keep = try f.bool("keepdims")
    y = f.name == "sum" ? xs[0].sum(axes: axes, keepDims: keep)
      : f.name == "mean" ? xs[0].mean(axes: axes, keepDims: keep)
      : xs[0].max(axes: axes, keepDims: keep)
  case "softmax_cross_entropy":
    try need(2); y = softmaxCrossEntropy(logits: xs[0], labels: xs[1].value)
  case "softmax_cross_entropy_onehot":
    try need(2); y = softmaxCrossEntropy(logits: xs[0], targets: xs[1].value)
  case "bce_with_logits":
    try need(2); y = binaryCrossEntropy(logits: xs[0], targets: xs[1].value)
  case "bce":
    try need(2)
    y = binaryCrossEntropy(probabilities: xs[0], targets: xs[1].value, epsilon: try f.float("eps"))
  case "mse": try need(2); y = meanSquaredError(xs[0], xs[1])
  case "mae": try need(2); y = meanAbsoluteError(xs[0], xs[1])
  case "reshape": try need(1); y = xs[0].reshaped(try f.ints("shape"))
  case "permute": try need(1); y = xs[0].permuted(try f.ints("perm"))
  case "transpose": try need(1); y = xs[0].transposed()
  case "slice":
    try need(1)
    y = xs[0].slice(axis: try f.int("axis"), try f.int("start")..<(try f.int("end")))
  case "concat": y = concat(xs, axis: try f.int("axis"))
  case "stack": y = stack(xs, axis: try f.int("axis"))
  case "pad": try need(1); y = xs[0].padded(try f.pairs("pads"))
  case "gather":
    try need(2)
    guard try f.int("axis") == 0 else {
      throw FixtureError("\(f.case): gather is along axis 0 only")
    }
    y = gather(xs[0], indices: xs[1].value)
  case "conv2d":
    try need(3)
    guard let padding = Padding(rawValue: try f.string("padding")) else {
      throw FixtureError("\(f.case): unknown padding")
    }
    y = conv2d(xs[0], kernel: xs[1], bias: xs[2], stride: try f.int("stride"), padding: padding)
  case "conv2d_relu":
    try need(3)
    guard let padding = Padding(rawValue: try f.string("padding")) else {
      throw FixtureError("\(f.case): unknown padding")
    }
    y = conv2d(xs[0], kernel: xs[1], bias: xs[2], stride: try f.int("stride"), padding: padding,
               activation: .relu)
  case "maxpool2d", "minpool2d", "avgpool2d":
    try need(1)
    let kind: PoolKind = f.name == "maxpool2d" ? .max : f.name == "minpool2d" ? .min : .average
    guard let padding = Padding(rawValue: try f.string("padding")) else {
      throw FixtureError("\(f.case): unknown padding")
    }
    y = pool2d(xs[0], kind: kind, size: try f.int("size"), stride: try f.int("stride"),
               padding: padding)
  case "batchnorm":
    try need(3)
    let features = xs[0].shape.last ?? 0
    let rank = xs[0].shape.count
    let axis = try f.int("axis"), reduced = try f.ints("reduce_axes")
    guard axis == -1 || axis == rank - 1, reduced == Array(0..<(rank - 1)) else {
      throw FixtureError("\(f.case): the engine normalises the last axis over all others only")
    }
    let training = try f.bool("training")
    let eps = try f.float("eps")
    // A fresh state (running mean 0, variance 1) with Keras' momentum 0.99: one training step
    // leaves running = 0.99·initial + 0.01·batch (Keras 3 updates with the biased variance).
    let state = BatchNormState(features: features, momentum: 0.99, epsilon: eps)
    y = batchNorm(xs[0], gamma: xs[1], beta: xs[2], state: state, training: training)
    if training, let mu = f.extra?["batch_mean"], let v = f.extra?["batch_var"] {
      let m = 0.99 as Float
      extra.append(("running_mean", state.runningMean,
                    mu.tensor.map { m * 0 + (1 - m) * $0 }))
      extra.append(("running_variance", state.runningVariance,
                    v.tensor.map { m * 1 + (1 - m) * $0 }))
      // With momentum 0 the running statistics are the batch statistics themselves, which
      // compares them at full sensitivity.
      let exact = BatchNormState(features: features, momentum: 0, epsilon: eps)
      _ = withoutGrad {
        batchNorm(Variable(xs[0].value), gamma: Variable(xs[1].value),
                  beta: Variable(xs[2].value), state: exact, training: true)
      }
      extra.append(("batch_mean", exact.runningMean, mu.tensor))
      extra.append(("batch_var", exact.runningVariance, v.tensor))
    }
  default:
    throw FixtureError("\(f.case): no engine op for fixture op '\(f.name)'")
  }
  return OpRun(output: y, inputs: xs, extra: extra)
}

// MARK: - Comparison

/// Element-wise tolerance |a − b| ≤ abs + rel·|b| (b the reference).
struct Tolerance: Sendable {
  var abs: Float = 1e-4
  var rel: Float = 1e-4
}

/// Per-op tolerances where float32 cannot meet the default (none needed so far: the engine
/// meets 1e-4 + 1e-4·|b| everywhere).
let loosenedTolerances: [String: Tolerance] = [:]

/// How `actual` differs from `expected`: a problem description (nil when within tolerance),
/// the largest absolute error and the largest error as a fraction of its allowance.
func compare(_ what: String, _ actual: Tensor, _ expected: Tensor, _ tol: Tolerance)
  -> (problem: String?, maxAbs: Float, worst: Float) {
  guard actual.shape == expected.shape else {
    return ("\(what): shape \(actual.shape), expected \(expected.shape)", .infinity, .infinity)
  }
  var maxAbs: Float = 0, worst: Float = 0, at = -1
  for i in 0..<expected.count {
    let a = actual.data[i], b = expected.data[i]
    let err = Swift.abs(a - b)
    let ratio = err / (tol.abs + tol.rel * Swift.abs(b))
    if !(ratio <= worst) { worst = ratio.isNaN ? .infinity : ratio; at = i }
    if !(err <= maxAbs) { maxAbs = err.isNaN ? .infinity : err }
  }
  guard worst > 1 else { return (nil, maxAbs, worst) }
  return ("\(what)[\(at)] = \(actual.data[at]), expected \(expected.data[at]) "
          + "(|Δ| \(Swift.abs(actual.data[at] - expected.data[at])); max |Δ| \(maxAbs))",
          maxAbs, worst)
}

// MARK: - Tests

@Suite("Ops against PyTorch reference values (torch_ops.json)")
struct TorchFixtureTests {
  @Test("the fixture file loads")
  func fixturesLoad() throws {
    let file = try TorchFixtures.ops.get()
    #expect(file.ops.count > 0)
    #expect(Set(file.ops.map(\.case)).count == file.ops.count, "case ids must be unique")
  }

  @Test("forward and backward match PyTorch", arguments: TorchFixtures.opCases)
  func opCase(_ f: OpFixture) throws {
    let tape = Tape.current
    tape.reset()
    let run = try runFixtureOp(f)
    let kind = fixtureOpKinds[f.name]
    let recorded = run.output.op?.rawValue ?? "none"
    #expect(run.output.op == kind,
            "\(f.case): the output records op \(recorded), expected \(kind?.rawValue ?? "none")")
    let tol = loosenedTolerances[f.name] ?? Tolerance()
    var problems: [String] = []
    var maxAbs: Float = 0
    func check(_ what: String, _ a: Tensor, _ b: Tensor) {
      let r = compare(what, a, b, tol)
      if let p = r.problem { problems.append(p) }
      maxAbs = Swift.max(maxAbs, r.maxAbs)
    }
    check("output", run.output.value, f.output.tensor)
    for (name, a, b) in run.extra { check(name, a, b) }

    tape.backward(from: run.output, seed: f.upstream.tensor)
    #expect(tape.count == 0)
    for (i, g) in f.grads.enumerated() {
      guard let g else { continue }
      guard let grad = run.inputs[i].grad else { problems.append("grads[\(i)]: none"); continue }
      check("grads[\(i)]", grad, g.tensor)
    }
    #expect(problems.isEmpty, "\(f.case): \(problems.joined(separator: "; "))")
    if ProcessInfo.processInfo.environment["DL_FIXTURE_VERBOSE"] != nil {
      print("fixture \(f.case): max |Δ| \(maxAbs)")
    }
  }

  @Test("every fixture op name maps to an engine op")
  func namesMap() throws {
    let unknown = Set(try TorchFixtures.ops.get().ops.map(\.name))
      .filter { fixtureOpKinds[$0] == nil }
    #expect(unknown.isEmpty, "fixture ops with no engine op: \(unknown.sorted())")
  }

  /// Every op kind has at least one PyTorch case, except `dropout`: its random mask comes from
  /// the engine's generator, which PyTorch's RNG cannot reproduce. The recurrent ops are
  /// compared with nn.RNN / nn.LSTM / nn.GRU through their layers instead, in
  /// Tests/NeuralNetTests/RNNTorchFixtureTests.swift (Fixtures/rnn_layers.json).
  @Test("every op kind but dropout has a PyTorch case")
  func coverage() throws {
    let covered = Set(try TorchFixtures.ops.get().ops.compactMap { fixtureOpKinds[$0.name] })
    let elsewhere: Set<OpKind> = [.dropout, .simpleRNN, .lstm, .gru]
    let missing = OpKind.allCases.filter { !elsewhere.contains($0) && !covered.contains($0) }
    #expect(missing.isEmpty, "op kinds without a PyTorch case: \(missing.map(\.rawValue))")
  }
}
