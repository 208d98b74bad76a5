import Foundation
import Testing
import Autograd
@testable import NeuralNet

/// The image layers (Conv2D, Pooling2D, GlobalPooling2D, Rescaling, and BatchNormalization on
/// NHWC maps): gradient checks through each layer with its options, shape inference and the
/// errors that keep every impossible configuration away from the ops, FLOPs, names, taps.
@Suite("Image layers")
struct ImageLayerTests {
  static let gradCases: [LayerGradCase] = [
    LayerGradCase(label: "conv2d 4 3x3 same relu", make: {
      Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .relu)
    }, x: uniformValues([2, 5, 6, 3], seed: 11)),
    LayerGradCase(label: "conv2d 3 3x2 valid stride 2 tanh, he_normal", make: {
      Conv2D(filters: 3, kernelSize: (3, 2), stride: 2, activation: .tanh, initializer: .heNormal,
             biasInitializer: .randomUniform)
    }, x: uniformValues([2, 7, 6, 2], seed: 12)),
    LayerGradCase(label: "conv2d 2 2x2 same stride 2 (odd padding after)", make: {
      Conv2D(filters: 2, kernelSize: (2, 2), stride: 2, padding: .same, biasInitializer: .ones)
    }, x: uniformValues([1, 5, 7, 2], seed: 13)),
    LayerGradCase(label: "conv2d 3 1x1 (no im2col)", make: {
      Conv2D(filters: 3, kernelSize: (1, 1), activation: .sigmoid)
    }, x: uniformValues([2, 3, 4, 2], seed: 14)),
    LayerGradCase(label: "conv2d 2 5x5 same on a 3x3 map (kernel beyond the input)", make: {
      Conv2D(filters: 2, kernelSize: (5, 5), padding: .same)
    }, x: uniformValues([1, 3, 3, 2], seed: 15)),
    LayerGradCase(label: "maxpool 2x2", make: { Pooling2D(.max, size: 2) },
                  x: distinctValues([2, 5, 4, 3], seed: 21)),
    LayerGradCase(label: "maxpool 3x3 stride 2 same", make: {
      Pooling2D(.max, size: 3, stride: 2, padding: .same)
    }, x: distinctValues([2, 6, 5, 2], seed: 22)),
    LayerGradCase(label: "minpool 2x2 stride 1", make: { Pooling2D(.min, size: 2, stride: 1) },
                  x: distinctValues([2, 4, 4, 2], seed: 23)),
    LayerGradCase(label: "avgpool 3x3 stride 2 same", make: {
      Pooling2D(.average, size: 3, stride: 2, padding: .same)
    }, x: uniformValues([2, 6, 5, 2], seed: 24)),
    LayerGradCase(label: "avgpool 2x2", make: { Pooling2D(.average, size: 2) },
                  x: uniformValues([1, 4, 6, 3], seed: 25)),
    LayerGradCase(label: "global_avgpool", make: { GlobalPooling2D(.average) },
                  x: uniformValues([2, 3, 4, 3], seed: 26)),
    LayerGradCase(label: "global_maxpool", make: { GlobalPooling2D(.max) },
                  x: distinctValues([2, 3, 4, 3], seed: 27)),
    LayerGradCase(label: "rescale 1/16 offset -0.5", make: { Rescaling(scale: 1.0 / 16, offset: -0.5) },
                  x: uniformValues([2, 3, 3, 1], seed: 28)),
    LayerGradCase(label: "batchnorm on NHWC, training (per channel)", make: {
      BatchNormalization(momentum: 0.9)
    }, x: uniformValues([3, 3, 4, 2], seed: 29), training: true),
    LayerGradCase(label: "batchnorm on NHWC, inference", make: { BatchNormalization() },
                  x: uniformValues([2, 3, 3, 2], seed: 30)),
  ]

  @Test("gradients through each layer match central differences", arguments: gradCases)
  func gradientCheck(_ c: LayerGradCase) throws {
    let problems = try LayerGradCheck.mismatches(c)
    #expect(problems.isEmpty, "\(c.label): \(problems.joined(separator: "; "))")
  }

  func shape(_ layer: Layer, _ input: [Int]) throws -> [Int] {
    try Model(inputShape: input).add(layer)
  }

  @Test("shape inference: same and valid padding, strides, kernels beyond a same-padded input")
  func shapes() throws {
    #expect(try shape(Conv2D(filters: 16, kernelSize: (3, 3), padding: .same), [8, 8, 1]) == [8, 8, 16])
    #expect(try shape(Conv2D(filters: 4, kernelSize: (3, 3)), [8, 8, 1]) == [6, 6, 4])
    #expect(try shape(Conv2D(filters: 4, kernelSize: (3, 2), stride: 2), [7, 6, 3]) == [3, 3, 4])
    #expect(try shape(Conv2D(filters: 4, kernelSize: (3, 3), stride: 2, padding: .same), [7, 6, 3]) == [4, 3, 4])
    #expect(try shape(Conv2D(filters: 2, kernelSize: (5, 5), padding: .same), [3, 3, 8]) == [3, 3, 2])
    #expect(try shape(Pooling2D(.max, size: 2), [8, 8, 16]) == [4, 4, 16])
    #expect(try shape(Pooling2D(.max, size: 2), [5, 5, 3]) == [2, 2, 3])
    #expect(try shape(Pooling2D(.average, size: 2, padding: .same), [5, 5, 3]) == [3, 3, 3])
    #expect(try shape(Pooling2D(.min, size: 3, stride: 1), [5, 6, 2]) == [3, 4, 2])
    #expect(try shape(GlobalPooling2D(.average), [4, 5, 7]) == [7])
    #expect(try shape(GlobalPooling2D(.max), [4, 5, 7]) == [7])
    #expect(try shape(Rescaling(scale: 2), [4, 5, 7]) == [4, 5, 7])
    #expect(try shape(Rescaling(scale: 2), [3]) == [3])
  }

  /// The ShapeError message of adding `layer` after an input of `input`.
  func error(_ layer: Layer, _ input: [Int]) -> String? {
    do {
      _ = try Model(inputShape: input).add(layer)
      return nil
    } catch let e as ShapeError {
      return e.message
    } catch {
      return "not a ShapeError: \(error)"
    }
  }

  @Test("impossible configurations are ShapeErrors naming the layer and the shapes, before any op runs")
  func impossibleConfigurations() {
    let big = Conv2D(filters: 4, kernelSize: (5, 5), name: "c")
    #expect(error(big, [3, 3, 8]) == "c: its 5x5 kernel is larger than its 3x3 input (None, 3, 3, 8) "
            + "with padding=valid; use padding=same or a kernel of at most 3x3")
    #expect(error(Conv2D(filters: 4, kernelSize: (2, 4), name: "c"), [5, 3, 1])?
      .hasPrefix("c: its 2x4 kernel is larger than its 5x3 input") == true)
    #expect(error(Pooling2D(.max, size: 3, name: "p"), [2, 2, 4]) == "p: its 3x3 window is larger than "
            + "its 2x2 input (None, 2, 2, 4) with padding=valid; use padding=same or a window of at most 2x2")
    #expect(error(Conv2D(filters: 4, kernelSize: (3, 3), stride: 0, name: "c"), [8, 8, 1])
            == "c: the stride must be between 1 and 16777216, not 0")
    #expect(error(Pooling2D(.average, size: 2, stride: -1, name: "p"), [8, 8, 1])
            == "p: the stride must be between 1 and 16777216, not -1")
    #expect(error(Pooling2D(.max, size: 0, name: "p"), [8, 8, 1]) == "p: a window needs sizes of at least 1, not 0x0")
    #expect(error(Conv2D(filters: 4, kernelSize: (0, 3), name: "c"), [8, 8, 1]) == "c: a kernel needs sizes of at least 1, not 0x3")
    #expect(error(Conv2D(filters: 0, kernelSize: (3, 3), name: "c"), [8, 8, 1])
            == "c needs between 1 and 16777216 filters, not 0")
    #expect(error(Pooling2D(.max, size: Int.max, padding: .same, name: "p"), [8, 8, 1])?
      .hasPrefix("p: a 9223372036854775807x9223372036854775807 window is too large") == true)
    #expect(error(Conv2D(filters: 1, kernelSize: (3, 3), stride: Int.max, padding: .same, name: "c"), [8, 8, 1])?
      .hasPrefix("c: the stride must be between 1 and") == true)
    for layer: Layer in [Conv2D(filters: 1, kernelSize: (1, 1), name: "l"), Pooling2D(.max, size: 1, name: "l"),
                         GlobalPooling2D(.max, name: "l")] {
      #expect(error(layer, [64])?.hasPrefix("l expects images of shape (None, H, W, C) but gets (None, 64); "
                                            + "image layers need height×width×channels maps") == true)
      #expect(error(layer, [8, 8])?.hasPrefix("l expects images of shape (None, H, W, C) but gets (None, 8, 8)") == true)
    }
    #expect(error(Rescaling(scale: .infinity, name: "r"), [3]) != nil)
    #expect(error(Rescaling(scale: 1, offset: .nan, name: "r"), [3]) != nil)
    #expect(error(GlobalPooling2D(.min, name: "g"), [3, 3, 1]) == "g: global pooling is average or max")
  }

  @Test("sizes past 32-bit indexing are refused per sample: unrolled windows, pooling indices")
  func indexingLimits() {
    // 2048×2048×64 input and a 7×7 kernel: 12.8 billion unrolled values per sample.
    let message = error(Conv2D(filters: 8, kernelSize: (7, 7), padding: .same, name: "c"), [2048, 2048, 64])
    #expect(message == "c: its unrolled windows would need more than 2147483647 values per sample, more "
            + "than one op can address; use a smaller input, kernel or stride")
    #expect(error(Pooling2D(.max, size: 2, name: "p"), [65536, 32768, 1])?.hasPrefix("p: its input would need") == true)
    // The model's own budget still applies to what fits these limits.
    let kernel = Conv2D(filters: 1 << 16, kernelSize: (64, 64), padding: .same, name: "c")
    #expect(error(kernel, [1, 1, 1 << 8])?.contains("250 million weights") == true)
  }

  @Test("a batch past 32-bit indexing runs in chunks of samples: same values and gradients")
  func chunkedBatch() throws {
    #expect(ImageGeometry.chunks(batch: 5, perSample: 10) == [0..<5])
    #expect(ImageGeometry.chunks(batch: 5, perSample: Int(Int32.max) / 2) == [0..<2, 2..<4, 4..<5])
    #expect(ImageGeometry.chunks(batch: 3, perSample: Int(Int32.max) * 4) == [0..<1, 1..<2, 2..<3])
    let model = Model(inputShape: [5, 5, 2])
    let conv = Conv2D(filters: 3, kernelSize: (3, 3), stride: 2, padding: .same)
    var rng = SeededRandom(seed: 3)
    try model.add(conv, rng: &rng)
    guard let k = conv.kernel, let b = conv.bias else { Issue.record("not built"); return }
    let x = uniformValues([5, 5, 5, 2], seed: 31)
    func run(_ perSample: Int) -> (Tensor, Tensor?, Tensor?) {
      Tape.current.reset()
      k.zeroGrad()
      let xv = Variable(x, requiresGrad: true)
      let y = ImageGeometry.chunked(xv, perSample: perSample) {
        conv2d($0, kernel: k, bias: b, stride: 2, padding: .same)
      }
      Tape.current.backward(from: y, seed: Tensor(shape: y.shape) { Float($0 % 7) - 3 })
      return (y.value, xv.grad, k.grad)
    }
    let whole = run(10), parts = run(Int(Int32.max) / 2)
    #expect(whole.0 == parts.0)
    #expect(whole.1 == parts.1)
    let dk0 = whole.2?.data ?? [], dk1 = parts.2?.data ?? [1]
    #expect(dk0.count == dk1.count && zip(dk0, dk1).allSatisfy { abs($0 - $1) <= 1e-4 * (1 + abs($0)) })
  }

  @Test("parameters: kernel (kh, kw, C, F) and bias (F), Keras' glorot fans; FLOPs per sample")
  func parametersAndFlops() throws {
    var rng = SeededRandom(seed: 5)
    let m = Model(inputShape: [8, 8, 1])
    try m.add(Rescaling(scale: 1.0 / 16), rng: &rng)
    try m.add(Conv2D(filters: 16, kernelSize: (3, 3), padding: .same, activation: .relu), rng: &rng)
    try m.add(Pooling2D(.max, size: 2), rng: &rng)
    try m.add(Conv2D(filters: 32, kernelSize: (3, 3), padding: .same, activation: .relu), rng: &rng)
    try m.add(Pooling2D(.average, size: 2), rng: &rng)
    try m.add(GlobalPooling2D(.max), rng: &rng)
    #expect(m.layers.map(\.name) == ["rescaling", "conv2d", "max_pooling2d", "conv2d_1",
                                     "average_pooling2d", "global_max_pooling2d"])
    #expect(m.namedParameters.map(\.path) == ["conv2d.kernel", "conv2d.bias", "conv2d_1.kernel", "conv2d_1.bias"])
    let k = try #require(m.parameter(layer: "conv2d_1", name: "kernel"))
    #expect(k.variable.shape == [3, 3, 16, 32])
    let limit = (6.0 / Float(9 * 16 + 9 * 32)).squareRoot()
    #expect(k.variable.value.data.allSatisfy { abs($0) <= limit })
    #expect(k.variable.value.data.contains { abs($0) > 0.9 * limit })
    #expect(m.parameter(layer: "conv2d_1", name: "bias")?.variable.value.data.allSatisfy { $0 == 0 } == true)
    let s = m.summary()
    #expect(s.rows.map(\.params) == [0, 160, 0, 4640, 0, 0])
    #expect(s.rows.map(\.typeName) == ["Rescaling", "Conv2D", "MaxPooling2D", "Conv2D",
                                       "AveragePooling2D", "GlobalMaxPooling2D"])
    // 2·Ho·Wo·kh·kw·C·F
    #expect(s.rows[1].flops == 2 * 8 * 8 * 3 * 3 * 1 * 16)
    #expect(s.rows[3].flops == 2 * 4 * 4 * 3 * 3 * 16 * 32)
    #expect(s.rows[2].flops == 4 * 4 * 16 * 4)
    #expect(s.rows[0].flops == 64)
    #expect(s.rows[5].flops == 2 * 2 * 32)
  }

  @Test("the weight penalty covers the kernel, not the bias")
  func penalty() throws {
    var rng = SeededRandom(seed: 6)
    let m = Model(inputShape: [4, 4, 2])
    let conv = Conv2D(filters: 2, kernelSize: (2, 2), l1: 0.01, l2: 0.1)
    try m.add(conv, rng: &rng)
    let k = try #require(conv.kernel?.value.data)
    let expected = 0.01 * k.reduce(0) { $0 + abs($1) } + 0.1 * k.reduce(0) { $0 + $1 * $1 }
    let p = try #require(conv.penalty())
    #expect(abs(p.value.scalar - expected) <= 1e-6)
    #expect(Conv2D(filters: 2, kernelSize: (2, 2)).penalty() == nil)
  }

  @Test("taps: every layer's output, and a convolution's pre-activation, on request")
  func taps() throws {
    var rng = SeededRandom(seed: 8)
    let m = Model(inputShape: [6, 6, 1])
    try m.add(Conv2D(filters: 3, kernelSize: (3, 3), activation: .relu, name: "edges"), rng: &rng)
    try m.add(Pooling2D(.max, size: 2, name: "pool"), rng: &rng)
    let x = uniformValues([2, 6, 6, 1], seed: 9)
    let taps = m.taps(x, layers: ["edges"])
    let pre = try #require(taps.value(layer: "edges", name: "preactivation"))
    let out = try #require(taps.value(layer: "edges", name: "output"))
    #expect(pre.shape == [2, 4, 4, 3] && out.shape == [2, 4, 4, 3])
    #expect(out.data == pre.data.map { Swift.max($0, 0) })
    #expect(taps.value(layer: "pool", name: "output") == nil)
    #expect(m.taps(x).value(layer: "pool", name: "output")?.shape == [2, 2, 2, 3])
  }

  @Test("a CNN trains: the loss falls on a toy task (bright left or right half)")
  func trains() throws {
    var rng = SeededRandom(seed: 10)
    var xs: [Float] = [], ys: [Float] = []
    for i in 0..<64 {
      let left = i % 2 == 0
      for _ in 0..<6 { for c in 0..<6 { xs.append((c < 3) == left ? 12 + rng.uniform(0, 4) : rng.uniform(0, 4)) } }
      ys.append(left ? 0 : 1)
    }
    let x = Tensor(shape: [64, 6, 6, 1], data: xs), y = Tensor(shape: [64], data: ys)
    let m = Model(inputShape: [6, 6, 1])
    try m.add(Rescaling(scale: 1.0 / 16), rng: &rng)
    try m.add(Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .relu), rng: &rng)
    try m.add(Pooling2D(.max, size: 2), rng: &rng)
    try m.add(BatchNormalization(), rng: &rng)
    try m.add(GlobalPooling2D(.average), rng: &rng)
    try m.add(Dense(units: 2, activation: .softmax), rng: &rng)
    try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(lr: 0.05), metrics: [.accuracy])
    let history = try m.fit(x: x, y: y, epochs: 30, batchSize: 16, rng: &rng)
    let losses = history["loss"] ?? []
    #expect((losses.last ?? 1) < 0.5 * (losses.first ?? 0))
    #expect((history.last("accuracy") ?? 0) >= 0.95)
  }

  @Test("a relu conv2d runs fused unless its pre-activation is tapped: same output, same gradients")
  func fusedReluMatchesTapped() throws {
    var rng = SeededRandom(seed: 4)
    let m = Model(inputShape: [5, 6, 3])
    let layer = Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .relu)
    try m.add(layer, rng: &rng)
    let x = Tensor(shape: [2, 5, 6, 3]) { Float(($0 * 37) % 23) / 11 - 1 }
    func run(_ taps: TapRecorder?) -> (Tensor, Tensor, [Tensor]) {
      Tape.current.reset()
      for p in layer.parameters { p.variable.grad = nil }
      let xv = Variable(x, requiresGrad: true)
      var ctx = ForwardContext(training: true, rng: rng, taps: taps)
      let y = layer.forward([xv], &ctx)[0]
      Tape.current.backward(from: y, seed: Tensor(shape: y.shape) { Float($0 % 5) - 2 })
      return (y.value, xv.grad ?? Tensor(shape: [0], data: []), layer.parameters.compactMap { $0.variable.grad })
    }
    let recorder = TapRecorder()
    let tapped = run(recorder)
    let fused = run(nil)
    #expect(recorder.value(layer: layer.name, name: "preactivation") != nil)
    #expect(fused.0.data.contains(0) && fused.0.data.contains { $0 > 0 })
    #expect(fused.0 == tapped.0)
    #expect(fused.1 == tapped.1)
    #expect(fused.2 == tapped.2 && fused.2.count == 2)
  }
}
