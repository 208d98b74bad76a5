import Autograd

/// A 2-D convolution over NHWC images, as `keras.layers.Conv2D`: `activation(conv(x, kernel) +
/// bias)` with a kernel (kh, kw, C, F) and a bias (F). `same` padding is TensorFlow's
/// (out = ⌈in / stride⌉, the odd extra zero at the bottom/right); `valid` has none.
///
///     forward:  z = conv2d(x, kernel) + bias   (N, H, W, C) → (N, Ho, Wo, F);  y = act(z)
///     backward: by the conv2d op (im2col · sgemm, in blocks of samples when the batch's
///               unrolled windows outgrow the L2 cache; direct kernels for one-channel
///               inputs) and the activation's op
///
/// Every configuration the op cannot take (a kernel larger than a `valid` input, stride 0,
/// an input that is not (H, W, C), sizes past 32-bit indexing) is rejected by `outputShape`.
public final class Conv2D: UnaryLayer {
  public var name: String
  public var typeName: String { "Conv2D" }
  /// Number of output channels F.
  public let filters: Int
  /// Kernel height kh.
  public let kernelHeight: Int
  /// Kernel width kw.
  public let kernelWidth: Int
  /// Step between windows, on both axes.
  public let stride: Int
  /// `same` or `valid`.
  public let padding: Padding
  /// Applied after the convolution.
  public let activation: Activation
  /// Draws the kernel (Keras default: glorot_uniform, fan_in = kh·kw·C, fan_out = kh·kw·F).
  public let initializer: Initializer
  /// Draws the bias (Keras default: zeros).
  public let biasInitializer: Initializer
  /// L1 penalty factor on the kernel, 0 for none.
  public let l1: Float
  /// L2 penalty factor on the kernel, 0 for none.
  public let l2: Float
  /// Whether optimizers update this layer's weights.
  public var trainable: Bool = true
  /// The kernel (kh, kw, C, F); nil before `build`.
  public private(set) var kernel: Variable?
  /// The bias (F); nil before `build`.
  public private(set) var bias: Variable?

  /// A convolution with `filters` output channels and a `kernelSize` (height, width) kernel;
  /// `name` empty means auto-named by the model.
  public init(filters: Int, kernelSize: (Int, Int), stride: Int = 1, padding: Padding = .valid,
              activation: Activation = .linear, initializer: Initializer = .glorotUniform,
              biasInitializer: Initializer = .zeros, l1: Float = 0, l2: Float = 0,
              name: String = "") {
    self.filters = filters
    (kernelHeight, kernelWidth) = kernelSize
    self.stride = stride
    self.padding = padding
    self.activation = activation
    self.initializer = initializer
    self.biasInitializer = biasInitializer
    self.l1 = l1
    self.l2 = l2
    self.name = name
  }

  /// The output geometry for an (H, W, C) input, validated.
  func geometry(_ input: [Int]) throws -> (ho: Int, wo: Int, c: Int) {
    guard filters >= 1, filters <= ImageGeometry.maxExtent else {
      throw ShapeError("\(name) needs between 1 and \(ImageGeometry.maxExtent) filters, not \(filters)")
    }
    try ImageGeometry.checkWindow(kernelHeight, kernelWidth, stride: stride, what: "kernel", name)
    let (h, w, c) = try ImageGeometry.image(input, name)
    let (ho, wo) = try ImageGeometry.output(h: h, w: w, kh: kernelHeight, kw: kernelWidth,
                                           stride: stride, padding: padding, input: input,
                                           what: "kernel", name)
    // The op unrolls every window into a row of kh·kw·C values (im2col) and multiplies
    // by the kernel: each of those matrices must stay within 32-bit BLAS dimensions.
    _ = try ImageGeometry.bounded([ho, wo, kernelHeight, kernelWidth, c],
                                  limit: ImageGeometry.maxIndexable, "its unrolled windows", name)
    _ = try ImageGeometry.bounded([h, w, c], limit: ImageGeometry.maxIndexable, "its input", name)
    _ = try ImageGeometry.bounded([ho, wo, filters], limit: ImageGeometry.maxIndexable, "its output", name)
    return (ho, wo, c)
  }

  /// (Ho, Wo, filters).
  public func outputShape(_ input: [Int]) throws -> [Int] {
    let (ho, wo, _) = try geometry(input)
    return [ho, wo, filters]
  }

  public func parameterSpecs(input: [Int]) throws -> [ParameterSpec] {
    let (_, _, c) = try geometry(input)
    let shape = [kernelHeight, kernelWidth, c, filters]
    guard checkedProduct(shape) != nil else {
      throw ShapeError("\(name) would have a \(shape.kerasShape) kernel, more weights than fit in memory")
    }
    return [ParameterSpec(name: "kernel", shape: shape, trainable: trainable),
            ParameterSpec(name: "bias", shape: [filters], trainable: trainable)]
  }

  /// Draws the kernel then the bias from `rng`.
  public func build(input: [Int], rng: inout SeededRandom) throws {
    let specs = try parameterSpecs(input: input)
    kernel = Variable(initializer.make(specs[0].shape, rng: &rng), requiresGrad: true)
    bias = Variable(biasInitializer.make(specs[1].shape, rng: &rng), requiresGrad: true)
  }

  public var isBuilt: Bool { kernel != nil }

  public var parameters: [Parameter] {
    guard let k = kernel, let b = bias else { return [] }
    return [Parameter(name: "kernel", variable: k, trainable: trainable),
            Parameter(name: "bias", variable: b, trainable: trainable)]
  }

  /// The convolution plus bias; when an activation follows, the pre-activation maps are
  /// recorded as the tap `preactivation` (the model records the output as `output`).
  public func forwardLogits(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    let z = convolve(x, fused: .linear)
    if activation != .linear { context.tap(name, "preactivation", z.value) }
    return z
  }

  /// A relu convolution runs as one fused op (bias and relu in one pass over the product)
  /// unless a recorder asks for this layer's pre-activation maps.
  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    if activation == .relu && !(context.taps?.wants(name) ?? false) {
      return convolve(x, fused: .relu)
    }
    return activation.apply(forwardLogits(x, &context))
  }

  /// The convolution plus bias, then `fused` in the same pass; batches too large for the
  /// ops' 32-bit indices run in chunks of samples.
  private func convolve(_ x: Variable, fused: FusedActivation) -> Variable {
    guard let k = kernel, let b = bias else { preconditionFailure("\(name) is not built") }
    let (h, w, c) = (x.shape[1], x.shape[2], x.shape[3])
    let ho = ImageGeometry.extent(h, window: kernelHeight, stride: stride, padding: padding)
    let wo = ImageGeometry.extent(w, window: kernelWidth, stride: stride, padding: padding)
    let perSample = Swift.max(ho * wo * kernelHeight * kernelWidth * c, h * w * c, ho * wo * filters)
    let (s, p) = (stride, padding)
    let z = ImageGeometry.chunked(x, perSample: perSample) {
      conv2d($0, kernel: k, bias: b, stride: s, padding: p, activation: fused)
    }
    return z
  }

  /// 2·Ho·Wo·kh·kw·C·F per sample: one multiply-add per kernel weight per output position
  /// (padding positions included, bias adds not counted, as for `Dense`).
  public func flops(input: [Int]) -> Int {
    guard let (ho, wo, c) = try? geometry(input) else { return 0 }
    return ImageGeometry.saturatingProduct([2, ho, wo, kernelHeight, kernelWidth, c, filters])
  }

  public var config: [String: String] {
    var c = ["filters": String(filters), "kernel_size": "\(kernelHeight)x\(kernelWidth)",
             "strides": String(stride), "padding": padding.rawValue,
             "activation": activation.name, "initializer": initializer.name,
             "bias_initializer": biasInitializer.name]
    if l1 != 0 { c["l1"] = String(l1) }
    if l2 != 0 { c["l2"] = String(l2) }
    return c
  }

  public var isRegularized: Bool { l1 != 0 || l2 != 0 }

  /// l1·Σ|K| + l2·ΣK² on the tape (Keras `kernel_regularizer`).
  public func penalty() -> Variable? {
    guard isRegularized, let k = kernel else { return nil }
    return weightPenalty(k, l1: l1, l2: l2)
  }
}
