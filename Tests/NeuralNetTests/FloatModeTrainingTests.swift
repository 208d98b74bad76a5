import Testing
@testable import Autograd
@testable import NeuralNet

/// Training and inference run with subnormals flushed to zero (`FloatMode`, as TensorFlow's
/// CPU kernels), and give the caller's thread its mode back.
@Suite struct FloatModeTrainingTests {
  /// 1 → 1, linear, weight `w`, bias 0, compiled with SGD and MSE.
  static func model(weight w: Float) throws -> Model {
    var rng = SeededRandom(seed: 1)
    let m = Model(inputShape: [1])
    let dense = Dense(units: 1)
    try m.add(dense, rng: &rng)
    for p in dense.parameters {
      p.variable.value = Tensor(repeating: p.name == "weights" ? w : 0, shape: p.variable.shape)
    }
    try m.compile(loss: .mse, optimizer: SGD(lr: 0.1))
    return m
  }

  @inline(never) static func product(_ a: Float, _ b: Float) -> Float { a * b }

  #if arch(x86_64)
  @Test("predict and evaluate flush a subnormal output to zero, then restore the caller's mode")
  func inferenceFlushes() throws {
    let m = try Self.model(weight: 1e-20)
    let x = Tensor(shape: [3, 1], data: [1e-20, 1, 2e-19])
    #expect(Self.product(1e-20, 1e-20) != 0)  // 1e-40: a subnormal where nothing flushes
    let y = try m.predict(x: x)
    #expect(y.data == [0, 1e-20, 0])  // 1e-40 and 2e-39 flushed
    #expect(!FloatMode.flushesSubnormals)
    _ = try m.evaluate(x: x, y: Tensor(shape: [3, 1], data: [0, 0, 0]))
    #expect(!FloatMode.flushesSubnormals)
  }

  @Test("fit and trainOnBatch give the caller's mode back")
  func trainingRestores() throws {
    let m = try Self.model(weight: 0.5)
    var rng = SeededRandom(seed: 2)
    let x = Tensor(shape: [4, 1], data: [1, 2, 3, 4]), y = Tensor(shape: [4, 1], data: [2, 4, 6, 8])
    try m.fit(x: x, y: y, epochs: 2, batchSize: 2, rng: &rng)
    #expect(!FloatMode.flushesSubnormals)
    try m.trainOnBatch(x: x, y: y, rng: &rng)
    #expect(!FloatMode.flushesSubnormals)
    #expect(try m.predict(x: Tensor(shape: [1, 1], data: [1])).data[0] > 0.5)  // it trained
  }
  #endif
}
