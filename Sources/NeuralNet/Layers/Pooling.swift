import Autograd

/// Max, min or average pooling over `size`×`size` windows of NHWC images, as
/// `keras.layers.MaxPooling2D` / `AveragePooling2D` (min pooling is max pooling's mirror:
/// the smallest value of each window). The stride defaults to the window. With `same`
/// padding the windows at the border cover fewer positions: padded positions are ignored,
/// never compared or counted in an average (TensorFlow's semantics).
///
///     forward:  y[n, i, j, c] = max / min / mean of x over window (i, j), per channel
///     backward: by the pool2d op (to the arg-max / arg-min, or spread over the window)
public final class Pooling2D: UnaryLayer {
  public var name: String
  /// `MaxPooling2D`, `MinPooling2D` or `AveragePooling2D`.
  public var typeName: String {
    switch kind {
    case .max: return "MaxPooling2D"
    case .min: return "MinPooling2D"
    case .average: return "AveragePooling2D"
    }
  }
  /// The reduction of each window.
  public let kind: PoolKind
  /// The window's side.
  public let size: Int
  /// Step between windows (defaults to `size`).
  public let stride: Int
  /// `valid` (Keras' default) or `same`.
  public let padding: Padding

  /// A pooling layer; `stride` nil means the window's size; `name` empty means auto-named.
  public init(_ kind: PoolKind, size: Int, stride: Int? = nil, padding: Padding = .valid,
              name: String = "") {
    self.kind = kind
    self.size = size
    self.stride = stride ?? size
    self.padding = padding
    self.name = name
  }

  /// (Ho, Wo, C); throws when the window does not fit or the input is not (H, W, C).
  public func outputShape(_ input: [Int]) throws -> [Int] {
    try ImageGeometry.checkWindow(size, size, stride: stride, what: "window", name)
    let (h, w, c) = try ImageGeometry.image(input, name)
    let (ho, wo) = try ImageGeometry.output(h: h, w: w, kh: size, kw: size, stride: stride,
                                           padding: padding, input: input, what: "window", name)
    // The op keeps 32-bit arg-max indices into the input.
    _ = try ImageGeometry.bounded([h, w, c], limit: ImageGeometry.maxIndexable, "its input", name)
    return [ho, wo, c]
  }

  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    let perSample = x.shape.dropFirst().reduce(1, *)
    let (k, s, st, p) = (kind, size, stride, padding)
    return ImageGeometry.chunked(x, perSample: perSample) {
      pool2d($0, kind: k, size: s, stride: st, padding: p)
    }
  }

  /// One operation per window element per output value: Ho·Wo·size²·C.
  public func flops(input: [Int]) -> Int {
    guard let out = try? outputShape(input) else { return 0 }
    return ImageGeometry.saturatingProduct(out + [size, size])
  }

  public var config: [String: String] {
    ["pool_size": "\(size)x\(size)", "strides": String(stride), "padding": padding.rawValue]
  }
}

/// The mean or maximum of each channel over the whole image, as
/// `keras.layers.GlobalAveragePooling2D` / `GlobalMaxPooling2D`: (N, H, W, C) → (N, C).
/// Built on the `mean` / `max` reductions over axes 1 and 2 (the maximum's gradient goes to
/// the first arg-max).
public final class GlobalPooling2D: UnaryLayer {
  public var name: String
  /// `GlobalAveragePooling2D` or `GlobalMaxPooling2D`.
  public var typeName: String { kind == .max ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D" }
  /// `.average` or `.max`.
  public let kind: PoolKind

  /// A global pooling layer (`.average` or `.max`; `.min` is taken as a ShapeError by
  /// `outputShape`); `name` empty means auto-named.
  public init(_ kind: PoolKind, name: String = "") {
    self.kind = kind
    self.name = name
  }

  /// (C).
  public func outputShape(_ input: [Int]) throws -> [Int] {
    guard kind != .min else { throw ShapeError("\(name): global pooling is average or max") }
    let (_, _, c) = try ImageGeometry.image(input, name)
    return [c]
  }

  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    kind == .max ? x.max(axes: [1, 2]) : x.mean(axes: [1, 2])
  }

  /// H·W·C: one operation per input value.
  public func flops(input: [Int]) -> Int { ImageGeometry.saturatingProduct(input) }

  public var config: [String: String] { [:] }
}
