import Autograd

/// Multiplies every input value by `scale` and adds `offset`, as `keras.layers.Rescaling`
/// (pixels 0…255 → 0…1 with scale 1/255; → −1…1 with scale 1/127.5, offset −1), so images
/// need no per-feature scaling. Any input shape; no weights.
///
///     forward:  y = x·scale + offset
///     backward: dx = dy·scale
public final class Rescaling: UnaryLayer {
  public var name: String
  public var typeName: String { "Rescaling" }
  /// The factor.
  public let scale: Float
  /// Added after scaling.
  public let offset: Float

  /// A rescaling layer; `name` empty means auto-named by the model.
  public init(scale: Float, offset: Float = 0, name: String = "") {
    self.scale = scale
    self.offset = offset
    self.name = name
  }

  /// The input's shape; throws for a non-finite scale or offset.
  public func outputShape(_ input: [Int]) throws -> [Int] {
    guard scale.isFinite, offset.isFinite else {
      throw ShapeError("\(name): the scale and offset must be finite numbers, not \(scale) and \(offset)")
    }
    return input
  }

  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    let scaled = scale == 1 ? x : x * scale
    return offset == 0 ? scaled : scaled + offset
  }

  /// A multiply (and an add, with an offset) per value.
  public func flops(input: [Int]) -> Int {
    ImageGeometry.saturatingProduct([(scale == 1 ? 0 : 1) + (offset == 0 ? 0 : 1)] + input)
  }

  public var config: [String: String] { ["scale": String(scale), "offset": String(offset)] }
}
