import Foundation
import Testing
import Autograd
@testable import NeuralNet

/// The model core's toolbox: loss weighting on sequences, schedules, clipping, class weights,
/// pure shape inference, graph models and taps, penalties and optimizer slots.

/// A test-only layer that adds its two inputs (same shape).
final class AddTwo: Layer {
  var name: String
  var typeName: String { "AddTwo" }
  init(name: String = "") { self.name = name }
  func outputShapes(_ inputs: [[Int]]) throws -> [[Int]] {
    guard inputs.count == 2, inputs[0] == inputs[1] else { throw ShapeError("AddTwo needs two equal shapes") }
    return [inputs[0]]
  }
  func forward(_ inputs: [Variable], _ context: inout ForwardContext) -> [Variable] {
    [inputs[0] + inputs[1]]
  }
  var config: [String: String] { [:] }
}

/// A test-only identity layer that taps "probe"; counts how often the tapped value is made.
final class TapProbe: UnaryLayer {
  var name: String
  var typeName: String { "TapProbe" }
  var evaluations = 0
  init(name: String = "") { self.name = name }
  func outputShape(_ input: [Int]) throws -> [Int] { input }
  func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    context.tap(name, "probe", { self.evaluations += 1; return x.value }())
    return x
  }
  var config: [String: String] { [:] }
}

func bits(_ snapshot: [(String, Tensor)]) -> [String: [UInt32]] {
  Dictionary(snapshot.map { ($0.0, $0.1.data.map(\.bitPattern)) }, uniquingKeysWith: { a, _ in a })
}

// MARK: - 2. Loss.compute on sequences

@Suite("Loss on sequence outputs with a mask")
struct SequenceLossTests {
  @Test("masked (N, T, C) loss equals the mean over the unmasked steps", arguments: [true, false])
  func maskedSequence(fused: Bool) {
    let n = 2, t = 3, c = 4
    let logits = Tensor(shape: [n, t, c]) { i in Float((i * 7) % 11) / 4 - 1 }
    let labels = Tensor(shape: [n, t], data: [1, 3, 0, 2, 2, 1])
    let mask: [Float] = [1, 1, 0, 1, 0, 0]
    var expected = 0.0
    for r in 0..<(n * t) where mask[r] == 1 {
      let z = (0..<c).map { Double(logits.data[r * c + $0]) }
      let m = z.max()!
      let lse = m + log(z.map { exp($0 - m) }.reduce(0, +))
      expected += lse - z[Int(labels.data[r])]
    }
    expected /= 3
    let out: Variable = fused ? Variable(logits) : Variable(logits).softmax()
    let v = withoutGrad {
      Loss.sparseCategoricalCrossentropy.compute(out, targets: labels, fused: fused,
                                                  weights: Tensor(shape: [n * t], data: mask),
                                                  normalizer: 3).value.scalar
    }
    #expect(abs(Double(v) - expected) < 1e-5, "\(v) vs \(expected)")
    // Unweighted: the mean over all N·T steps, the same as unit weights.
    let plain = withoutGrad {
      Loss.sparseCategoricalCrossentropy.compute(out, targets: labels, fused: fused).value.scalar
    }
    let unit = withoutGrad {
      Loss.sparseCategoricalCrossentropy.compute(out, targets: labels, fused: fused,
                                                  weights: Tensor(repeating: 1, shape: [n * t])).value.scalar
    }
    #expect(abs(plain - unit) < 1e-5, "\(plain) vs \(unit)")
  }
}

// MARK: - 3. Schedules

@Suite("Learning-rate schedules")
struct ScheduleTests {
  func approx(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(1, abs(b)) }

  @Test("step: lr · f^⌊e/E⌋")
  func step() throws {
    let s = try LearningRateSchedule(initial: 0.1, kind: .step(every: 3, factor: 0.5))
    let got = (0..<8).map { s.rate(epoch: $0) }
    let want = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025]
    #expect(zip(got, want).allSatisfy(approx), "\(got)")
  }

  @Test("exponential: lr · r^e")
  func exponential() throws {
    let s = try LearningRateSchedule(initial: 0.01, kind: .exponential(rate: 0.9))
    for e in 0..<6 { #expect(approx(s.rate(epoch: e), 0.01 * pow(0.9, Double(e)))) }
  }

  @Test("cosine without warm-up: half a cosine to 0 at epochs, 0 after")
  func cosine() throws {
    let s = try LearningRateSchedule(initial: 1, kind: .cosine(epochs: 10, warmup: 0))
    #expect(approx(s.rate(epoch: 0), 1))
    #expect(approx(s.rate(epoch: 5), 0.5))
    #expect(approx(s.rate(epoch: 2), 0.5 * (1 + cos(Double.pi * 0.2))))
    #expect(s.rate(epoch: 10) == 0)
    #expect(s.rate(epoch: 25) == 0)
  }

  @Test("cosine with warm-up: linear ramp (e+1)/W, then the cosine over T−W")
  func cosineWarmup() throws {
    let s = try LearningRateSchedule(initial: 2, kind: .cosine(epochs: 10, warmup: 2))
    #expect(approx(s.rate(epoch: 0), 1))
    #expect(approx(s.rate(epoch: 1), 2))
    #expect(approx(s.rate(epoch: 2), 2))
    #expect(approx(s.rate(epoch: 6), 1))
    #expect(approx(s.rate(epoch: 8), 2 * 0.5 * (1 + cos(Double.pi * 0.75))))
    #expect(s.rate(epoch: 10) == 0)
    #expect(s.rate(epoch: 11) == 0)
  }

  @Test("plateau: patience, factor, min_delta; wait resets after a reduction")
  func plateau() throws {
    let s = try LearningRateSchedule(initial: 1, kind: .plateau(patience: 2, factor: 0.5, minDelta: 0.1))
    let values = [1.0, 0.95, 0.92, 0.91, 0.5, 0.45, 0.45, 0.45, 0.45]
    var rates: [Double] = [], notes: [Int] = []
    for (i, v) in values.enumerated() {
      if s.observe(epoch: i + 1, monitored: v) != nil { notes.append(i + 1) }
      rates.append(s.rate(epoch: i + 1))
    }
    // 1 best; .95, .92 not better by 0.1 → reduce at 3; .91 wait 1; .5 best; .45 (not by
    // 0.1) wait 1, .45 → reduce at 7; wait reset so .45 (8) wait 1, .45 (9) → reduce again.
    #expect(notes == [3, 7, 9])
    #expect(rates == [1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125])
    #expect(s.wait == 0)
    #expect(s.best == 0.5)
  }

  @Test("plateau note names the epoch and the new rate")
  func plateauNote() throws {
    let s = try LearningRateSchedule(initial: 0.01, kind: .plateau(patience: 0, factor: 0.5, minDelta: 0))
    #expect(s.observe(epoch: 1, monitored: 1) == nil)
    let note = s.observe(epoch: 2, monitored: 1)
    #expect(note == "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.005.")
  }

  @Test("make builds each schedule from settings with defaults")
  func make() throws {
    let s = try LearningRateSchedule.make("step", lr: 0.1, settings: ["every": 2])
    #expect(s.kind == .step(every: 2, factor: 0.5))
    let c = try LearningRateSchedule.make("cosine", lr: 0.1, settings: ["epochs": 20, "warmup": 3])
    #expect(c.kind == .cosine(epochs: 20, warmup: 3))
    let p = try LearningRateSchedule.make("plateau", lr: 0.1, settings: [:])
    #expect(p.kind == .plateau(patience: 10, factor: 0.1, minDelta: 1e-4))
  }

  @Test("make rejects unknown names, missing settings, fractional epochs and bad factors",
        arguments: [
          ("linear", [String: Double]()), ("step", [:]), ("exponential", [:]),
          ("cosine", ["epochs": 2.5]), ("step", ["every": 3, "factor": 0]),
          ("plateau", ["factor": 1.5]), ("plateau", ["patience": -1]), ("step", ["every": 2, "gamma": 1]),
          ("cosine", ["epochs": 5, "warmup": 5]),
        ])
  func makeErrors(name: String, settings: [String: Double]) {
    #expect(throws: ModelError.self) { try LearningRateSchedule.make(name, lr: 0.1, settings: settings) }
  }

  @Test("state save and restore round trip continues identically")
  func stateRoundTrip() throws {
    let a = try LearningRateSchedule(initial: 1, kind: .plateau(patience: 2, factor: 0.5, minDelta: 0))
    for v in [3.0, 2.0, 2.5, 2.4, 2.6] { _ = a.observe(epoch: 1, monitored: v) }
    let b = try LearningRateSchedule(initial: 1, kind: .plateau(patience: 2, factor: 0.5, minDelta: 0))
    b.restore(a.state)
    #expect(b.state == a.state)
    #expect(a.state == [0.5, 2.0, 1])
    for v in [2.7, 2.8, 1.0, 1.5] {
      #expect(a.observe(epoch: 1, monitored: v) == b.observe(epoch: 1, monitored: v))
      #expect(a.rate(epoch: 0) == b.rate(epoch: 0))
    }
  }
}

// MARK: - 4. Clipping

@Suite("Gradient clipping")
struct ClippingTests {
  func param(_ name: String, _ grad: [Float]) -> Parameter {
    let v = Variable(Tensor.zeros([grad.count]), requiresGrad: true)
    v.grad = Tensor(shape: [grad.count], data: grad)
    return Parameter(name: name, variable: v)
  }

  @Test("clipnorm scales each tensor by c / max(‖g‖, c)")
  func clipnorm() {
    let a = param("a", [3, 4]), b = param("b", [0.3, 0.4])
    GradientClipping(clipnorm: 1).apply([a, b])
    #expect(a.variable.grad!.data.elementsEqual([0.6, 0.8]) { abs($0 - $1) < 1e-6 })
    #expect(b.variable.grad!.data == [0.3, 0.4])
  }

  @Test("global_clipnorm scales every tensor by c / max(√Σ‖g‖², c)")
  func globalClipnorm() {
    let a = param("a", [3, 4]), b = param("b", [0, 0, 12])
    GradientClipping(globalClipnorm: 1).apply([a, b])
    #expect(a.variable.grad!.data.elementsEqual([3.0 / 13, 4.0 / 13]) { abs($0 - $1) < 1e-6 })
    #expect(b.variable.grad!.data.elementsEqual([0, 0, 12.0 / 13]) { abs($0 - $1) < 1e-6 })
    let c = param("c", [0.1, 0.2]), d = param("d", [0.2])
    GradientClipping(globalClipnorm: 1).apply([c, d])
    #expect(c.variable.grad!.data == [0.1, 0.2])
    #expect(d.variable.grad!.data == [0.2])
  }

  @Test("clipvalue clamps each element to [−v, v]")
  func clipvalue() {
    let a = param("a", [-2, 0.3, 0.7, -0.1])
    GradientClipping(clipvalue: 0.5).apply([a])
    #expect(a.variable.grad!.data == [-0.5, 0.3, 0.5, -0.1])
  }

  @Test("validate rejects two settings at once and non-positive values")
  func validate() throws {
    try GradientClipping().validate()
    try GradientClipping(clipnorm: 2).validate()
    #expect(throws: ModelError.self) { try GradientClipping(clipnorm: 1, clipvalue: 1).validate() }
    #expect(throws: ModelError.self) { try GradientClipping(clipvalue: 1, globalClipnorm: 1).validate() }
    #expect(throws: ModelError.self) { try GradientClipping(clipnorm: 0).validate() }
    #expect(throws: ModelError.self) { try GradientClipping(clipvalue: -1).validate() }
    #expect(throws: ModelError.self) { try GradientClipping(globalClipnorm: .infinity).validate() }
    #expect(throws: ModelError.self) { try GradientClipping(clipnorm: .nan).validate() }
  }

  @Test("compile with two clip settings throws")
  func compileTwoSettings() throws {
    let (m, _) = try xorModel(seed: 1)
    let opt = SGD(lr: 0.1)
    opt.clipping = GradientClipping(clipnorm: 1, globalClipnorm: 1)
    #expect(throws: ModelError.self) { try m.compile(loss: .binaryCrossentropy, optimizer: opt) }
    #expect(m.optimizer == nil)
  }
}

// MARK: - 5. Class weights

@Suite("Class weights")
struct ClassWeightTests {
  // 6 of class 0, 3 of class 1, 1 of class 2.
  let labels: [Float] = [0, 1, 0, 0, 2, 1, 0, 0, 1, 0]

  func model(units: Int, activation: Activation, loss: Loss) throws -> Model {
    var rng = SeededRandom(seed: 3)
    let m = Model(inputShape: [2])
    try m.add(Dense(units: units, activation: activation), rng: &rng)
    try m.compile(loss: loss, optimizer: SGD(lr: 0))
    return m
  }

  func balancedExpectation() -> [Double] { [10.0 / 18, 10.0 / 9, 10.0 / 3] }

  @Test("balanced = n / (C · count) for sparse labels")
  func balancedSparse() throws {
    let m = try model(units: 3, activation: .softmax, loss: .sparseCategoricalCrossentropy)
    let (pc, ps) = try m.classWeights(.balanced, targets: Tensor(shape: [10], data: labels))
    #expect(zip(pc, balancedExpectation()).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(ps.shape == [10])
    for i in 0..<10 { #expect(abs(Double(ps.data[i]) - balancedExpectation()[Int(labels[i])]) < 1e-6) }
  }

  @Test("balanced for one-hot targets")
  func balancedCategorical() throws {
    let m = try model(units: 3, activation: .softmax, loss: .categoricalCrossentropy)
    var oh = Tensor.zeros([10, 3])
    for i in 0..<10 { oh.data[i * 3 + Int(labels[i])] = 1 }
    let (pc, ps) = try m.classWeights(.balanced, targets: oh)
    #expect(zip(pc, balancedExpectation()).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(abs(Double(ps.data[4]) - 10.0 / 3) < 1e-6)
  }

  @Test("balanced for binary targets")
  func balancedBinary() throws {
    let m = try model(units: 1, activation: .sigmoid, loss: .binaryCrossentropy)
    let y = Tensor(shape: [4, 1], data: [1, 0, 0, 0])
    let (pc, ps) = try m.classWeights(.balanced, targets: y)
    #expect(zip(pc, [4.0 / 6, 2.0]).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(ps.data.elementsEqual([2, 2.0 / 3, 2.0 / 3, 2.0 / 3]) { abs($0 - $1) < 1e-6 })
  }

  @Test("a list of the wrong length, a negative weight, or an empty class under balanced throws")
  func errors() throws {
    let m = try model(units: 3, activation: .softmax, loss: .sparseCategoricalCrossentropy)
    let y = Tensor(shape: [10], data: labels)
    #expect(throws: ModelError.self) { try m.classWeights(.list([1, 2]), targets: y) }
    #expect(throws: ModelError.self) { try m.classWeights(.list([1, 2, -1]), targets: y) }
    let missing = Tensor(shape: [4], data: [0, 1, 0, 1])
    let e = #expect(throws: ModelError.self) { try m.classWeights(.balanced, targets: missing) }
    #expect(e?.message.contains("class 2") == true)
    let r = try model(units: 1, activation: .linear, loss: .mse)
    #expect(throws: ModelError.self) { try r.classWeights(.balanced, targets: Tensor(shape: [2, 1], data: [0, 1])) }
  }

  @Test("fit with class weights reports the weighted loss (SGD lr 0, one full batch) and notes them")
  func fitWeightedLoss() throws {
    let m = try model(units: 3, activation: .softmax, loss: .sparseCategoricalCrossentropy)
    let x = Tensor(shape: [10, 2]) { Float(($0 * 5) % 7) / 3 - 1 }
    let y = Tensor(shape: [10], data: labels)
    let before = bits(m.weightsSnapshot())
    let p = try m.predict(x: x)
    let cw = [1.0, 2.0, 0.5]
    var expected = 0.0
    for i in 0..<10 { expected -= cw[Int(labels[i])] * log(Double(p.data[i * 3 + Int(labels[i])])) }
    expected /= 10
    var notes: [String] = []
    var rng = SeededRandom(seed: 1)
    let h = try m.fit(x: x, y: y, epochs: 1, batchSize: 10, shuffle: false,
                      classWeight: .list(cw), rng: &rng) { notes.append($0) }
    #expect(abs(h["loss"]![0] - expected) < 1e-5, "\(h["loss"]![0]) vs \(expected)")
    #expect(bits(m.weightsSnapshot()) == before)
    #expect(notes.contains("class weights: 0: 1, 1: 2, 2: 0.5"), "\(notes)")
    // Without weights the reported loss is the plain mean, which differs here.
    var plain = 0.0
    for i in 0..<10 { plain -= log(Double(p.data[i * 3 + Int(labels[i])])) }
    let h2 = try m.fit(x: x, y: y, epochs: 1, batchSize: 10, shuffle: false, rng: &rng)
    #expect(abs(h2["loss"]![0] - plain / 10) < 1e-5)
  }
}

// MARK: - 10. Optimizer slots

@Suite("Optimizer slots keyed by path")
struct OptimizerSlotTests {
  func twoLayer(seed: UInt64) throws -> Model {
    var rng = SeededRandom(seed: seed)
    let m = Model(inputShape: [3])
    try m.add(Dense(units: 4, activation: .tanh), rng: &rng)
    try m.add(Dense(units: 2), rng: &rng)
    return m
  }
  let x = Tensor(shape: [5, 3]) { Float(($0 * 3) % 7) / 3 - 1 }
  let y = Tensor(shape: [5, 2]) { Float(($0 * 5) % 4) / 2 - 0.5 }
  let paths = ["dense.bias", "dense.weights", "dense_1.bias", "dense_1.weights"]

  @Test("slot names are path/slot", arguments: ["adam", "rmsprop", "sgd"])
  func names(kind: String) throws {
    let m = try twoLayer(seed: 2)
    let (opt, slots): (Optimizer, [String]) = switch kind {
      case "adam": (Adam(lr: 0.01), ["m", "v"])
      case "rmsprop": (RMSprop(lr: 0.01), ["rms"])
      default: (SGD(lr: 0.01, momentum: 0.9), ["velocity"])
    }
    try m.compile(loss: .mse, optimizer: opt)
    var rng = SeededRandom(seed: 1)
    try m.trainOnBatch(x: x, y: y, rng: &rng)
    let names = opt.slotState.map(\.0)
    #expect(names == paths.flatMap { p in slots.map { p + "/" + $0 } })
    let w = opt.slotState.first { $0.0 == "dense.weights/" + slots[0] }!.1
    #expect(w.shape == [3, 4])
    #expect(w.data.contains { $0 != 0 })
  }

  @Test("restoreSlots then a step equals continuing the original optimizer", arguments: ["adam", "rmsprop", "sgd"])
  func restoreContinues(kind: String) throws {
    func make() -> Optimizer {
      switch kind {
      case "adam": Adam(lr: 0.01)
      case "rmsprop": RMSprop(lr: 0.01)
      default: SGD(lr: 0.01, momentum: 0.9, nesterov: true)
      }
    }
    let a = try twoLayer(seed: 4), b = try twoLayer(seed: 4)
    let oa = make(), ob = make()
    try a.compile(loss: .mse, optimizer: oa)
    try b.compile(loss: .mse, optimizer: ob)
    var ra = SeededRandom(seed: 1), rb = SeededRandom(seed: 1)
    for _ in 0..<3 { try a.trainOnBatch(x: x, y: y, rng: &ra); try b.trainOnBatch(x: x, y: y, rng: &rb) }
    // b continues with a fresh optimizer restored from ob's state.
    let fresh = make()
    try fresh.restoreSlots(ob.slotState)
    fresh.iterations = ob.iterations
    try b.compile(loss: .mse, optimizer: fresh)
    for _ in 0..<2 { try a.trainOnBatch(x: x, y: y, rng: &ra); try b.trainOnBatch(x: x, y: y, rng: &rb) }
    #expect(bits(a.weightsSnapshot()) == bits(b.weightsSnapshot()))
    #expect(bits(oa.slotState) == bits(fresh.slotState))
  }

  @Test("restoreSlots rejects a buffer the optimizer does not have")
  func restoreRejects() {
    #expect(throws: ModelError.self) { try Adam().restoreSlots([("dense.weights/rms", Tensor.zeros([2]))]) }
    #expect(throws: ModelError.self) { try SGD(momentum: 0.5).restoreSlots([("noslash", Tensor.zeros([2]))]) }
  }
}

// MARK: - 11. Pure shape inference

@Suite("Pure shape inference and the parameter budget")
struct ShapeInferenceTests {
  @Test("declaring 100M weights allocates nothing")
  func declareAllocatesNothing() throws {
    let m = Model(inputShape: [50_000])
    let d = Dense(units: 2_000)
    #expect(try m.add(d) == [2_000])
    #expect(m.isBuilt == false)
    #expect(d.isBuilt == false)
    #expect(d.parameters.isEmpty)
    #expect(d.weights == nil)
    #expect(m.declaredParameterCount == 50_000 * 2_000 + 2_000)
    let s = m.summary()
    #expect(s.totalParams == 100_002_000)
    #expect(s.trainableParams == 100_002_000)
    #expect(s.rows.map(\.name) == ["dense"])
  }

  @Test("exceeding maxParameters throws a ShapeError and leaves the model unchanged")
  func budget() throws {
    let m = Model(inputShape: [100_000])
    try m.add(Dense(units: 2_000))
    let before = m.declaredParameterCount
    #expect(before == 200_002_000)
    let big = Dense(units: 30_000)
    #expect(throws: ShapeError.self) { try m.add(big) }
    #expect(m.declaredParameterCount == before)
    #expect(m.layers.count == 1)
    #expect(m.outputShape == [2_000])
    #expect(big.name == "")
    #expect(!big.isBuilt)
    // A layer that stays within the budget is still accepted afterwards.
    #expect(try m.add(Dense(units: 10)) == [10])
    #expect(m.declaredParameterCount == before + 20_010)
  }

  @Test("Flatten of a shape whose product overflows Int throws")
  func flattenOverflow() {
    #expect(throws: ShapeError.self) { try Flatten().outputShape([1 << 40, 1 << 40]) }
    #expect(throws: ShapeError.self) { try Model().addInput(name: "x", shape: [1 << 40, 1 << 40]) }
    #expect(throws: ShapeError.self) { try Dense(units: 1 << 40).parameterSpecs(input: [1 << 40]) }
  }

  @Test("build allocates in node order and matches the add-and-build path")
  func buildMatchesEager() throws {
    let lazy = Model()
    try lazy.add(InputLayer(shape: [3]))
    try lazy.add(Dense(units: 4, activation: .relu))
    try lazy.add(Dropout(rate: 0.1))
    try lazy.add(Dense(units: 2, biasInitializer: .randomUniform))
    #expect(!lazy.isBuilt)
    var r1 = SeededRandom(seed: 9)
    try lazy.build(rng: &r1)
    #expect(lazy.isBuilt)
    let eager = Model()
    var r2 = SeededRandom(seed: 9)
    try eager.add(InputLayer(shape: [3]), rng: &r2)
    try eager.add(Dense(units: 4, activation: .relu), rng: &r2)
    try eager.add(Dropout(rate: 0.1), rng: &r2)
    try eager.add(Dense(units: 2, biasInitializer: .randomUniform), rng: &r2)
    #expect(lazy.weightsSnapshot().map(\.0) == ["dense.weights", "dense.bias", "dense_1.weights", "dense_1.bias"])
    #expect(bits(lazy.weightsSnapshot()) == bits(eager.weightsSnapshot()))
    #expect(r1.state == r2.state)
    // Building again changes nothing.
    let snap = bits(lazy.weightsSnapshot())
    try lazy.build(rng: &r1)
    #expect(bits(lazy.weightsSnapshot()) == snap)
  }
}

// MARK: - 12. Graph models and taps

@Suite("Graph models and taps")
struct GraphTests {
  @Test("a two-input graph joined by an Add layer computes both branches")
  func twoInputs() throws {
    let m = Model(name: "graph")
    let a = try m.addInput(name: "a", shape: [2])
    let b = try m.addInput(name: "b", shape: [3])
    let da = try m.addNode(Dense(units: 2, name: "da"), inputs: [a])
    let db = try m.addNode(Dense(units: 2, name: "db"), inputs: [b])
    let sum = try m.addNode(AddTwo(), inputs: [da[0], db[0]])
    m.setOutputs(sum)
    #expect(!m.isChain)
    #expect(m.layers.map(\.name) == ["da", "db", "add_two"])
    #expect(throws: ShapeError.self) { try m.addNode(AddTwo(), inputs: [a, b]) }
    var rng = SeededRandom(seed: 1)
    try m.build(rng: &rng)
    let wa = Tensor(shape: [2, 2], data: [1, 2, 3, 4]), ba = Tensor(shape: [2], data: [0.5, -0.5])
    let wb = Tensor(shape: [3, 2], data: [1, 0, 0, 1, 1, 1]), bb = Tensor(shape: [2], data: [10, 20])
    try m.setParameter(layer: "da", name: "weights", value: wa)
    try m.setParameter(layer: "da", name: "bias", value: ba)
    try m.setParameter(layer: "db", name: "weights", value: wb)
    try m.setParameter(layer: "db", name: "bias", value: bb)
    let xa = Tensor(shape: [2, 2], data: [1, 1, 0, 2])
    let xb = Tensor(shape: [2, 3], data: [1, 2, 3, -1, 0, 1])
    var ctx = ForwardContext(training: false, rng: SeededRandom(seed: 0))
    let out = withoutGrad { m.forwardGraph([Variable(xa), Variable(xb)], logits: false, &ctx) }
    #expect(out.count == 1)
    // da: [1,1]→[4.5, 5.5]; [0,2]→[6.5, 7.5]. db: [1,2,3]→[14, 25]; [-1,0,1]→[10, 21].
    #expect(out[0].value.shape == [2, 2])
    #expect(out[0].value.data == [18.5, 30.5, 16.5, 28.5])
  }

  @Test("a chain is a chain")
  func chain() throws {
    let (m, _) = try xorModel(seed: 1)
    #expect(m.isChain)
    let g = Model()
    let i = try g.addInput(name: "x", shape: [2])
    let d = try g.addNode(Dense(units: 2), inputs: [i])
    _ = try g.addNode(Dense(units: 2), inputs: [i])
    g.setOutputs(d)
    #expect(!g.isChain)
  }

  @Test("taps record each node's output; a restricted recorder only its layer")
  func taps() throws {
    let (m, _) = try xorModel(seed: 5)
    let all = m.taps(xorX)
    #expect(all.values.map(\.layer) == ["dense", "dense_1"])
    #expect(all.values.allSatisfy { $0.name == "output" })
    #expect(all.value(layer: "dense", name: "output")?.shape == [4, 8])
    let p = try m.predict(x: xorX)
    #expect(all.value(layer: "dense_1", name: "output")?.data == p.data)
    let one = m.taps(xorX, layers: ["dense_1"])
    #expect(one.values.map(\.layer) == ["dense_1"])
    #expect(Tape.current.count == 0)
  }

  @Test("with no recorder nothing is recorded and tapped values are never made")
  func noRecorder() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [2])
    let probe = TapProbe()
    try m.add(Dense(units: 2), rng: &rng)
    try m.add(probe, rng: &rng)
    _ = try m.predict(x: xorX)
    #expect(probe.evaluations == 0)
    _ = m.taps(xorX, layers: ["dense"])
    #expect(probe.evaluations == 0)
    let rec = m.taps(xorX)
    #expect(probe.evaluations == 1)
    #expect(rec.value(layer: "tap_probe", name: "probe")?.shape == [4, 2])
  }
}

// MARK: - 13. Penalties

@Suite("Weight penalties on the tape")
struct PenaltyTests {
  @Test("Dense(l1:, l2:) penalty is l1·Σ|w| + l2·Σw² and its gradient is l1·sign(w) + 2·l2·w")
  func penalty() throws {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [2])
    let d = Dense(units: 3, l1: 0.01, l2: 0.02)
    try m.add(d, rng: &rng)
    let w: [Float] = [0.5, -1, 2, -0.25, 0.75, -3]
    try m.setParameter(layer: "dense", name: "weights", value: Tensor(shape: [2, 3], data: w))
    try m.setParameter(layer: "dense", name: "bias", value: Tensor(shape: [3], data: [5, 5, 5]))
    Tape.current.reset()
    let p = try #require(d.penalty())
    let l1 = w.map { Double(abs($0)) }.reduce(0, +), l2 = w.map { Double($0 * $0) }.reduce(0, +)
    #expect(abs(Double(p.value.scalar) - (0.01 * l1 + 0.02 * l2)) < 1e-6)
    Tape.current.backward(from: p)
    let g = try #require(d.weights?.grad)
    for i in 0..<6 {
      let want = 0.01 * (w[i] > 0 ? 1 : -1) + 2 * 0.02 * w[i]
      #expect(abs(g.data[i] - want) < 1e-6, "\(i): \(g.data[i]) vs \(want)")
    }
    #expect(d.bias?.grad == nil || d.bias!.grad!.data.allSatisfy { $0 == 0 })
    d.weights?.grad = nil
    Tape.current.reset()
    #expect(Dense(units: 2).penalty() == nil)
  }

  @Test("the penalty's gradient reaches the weights through fit's backward")
  func penaltyInTraining() throws {
    func run(l2: Float) throws -> [Float] {
      var rng = SeededRandom(seed: 2)
      let m = Model(inputShape: [2])
      try m.add(Dense(units: 1, l2: l2), rng: &rng)
      try m.compile(loss: .mse, optimizer: SGD(lr: 0.1))
      let x = Tensor(shape: [4, 2], data: [0, 0, 0, 0, 0, 0, 0, 0])
      let before = m.weightsSnapshot()[0].1.data
      try m.fit(x: x, y: Tensor.zeros([4, 1]), epochs: 1, batchSize: 4, shuffle: false, rng: &rng)
      let after = m.weightsSnapshot()[0].1.data
      return zip(before, after).map { $1 / $0 }
    }
    // Zero inputs and targets: only the penalty moves the weights, w ← w − 0.1·2·l2·w.
    #expect(try run(l2: 0).allSatisfy { $0 == 1 })
    #expect(try run(l2: 0.5).allSatisfy { abs($0 - 0.9) < 1e-6 })
  }
}
