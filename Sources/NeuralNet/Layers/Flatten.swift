import Autograd

/// Flattens each sample to one axis (as `keras.layers.Flatten`): (N, 8, 8, 1) → (N, 64),
/// row-major (NHWC order), so image data can feed dense layers.
public final class Flatten: UnaryLayer {
  public var name: String
  public var typeName: String { "Flatten" }

  /// A flatten layer; `name` empty means auto-named by the model.
  public init(name: String = "") { self.name = name }

  /// (product of the input's sizes); throws when that product overflows.
  public func outputShape(_ input: [Int]) throws -> [Int] {
    guard let n = checkedProduct(input) else {
      throw ShapeError("\(name): an input of shape \(input.kerasBatchShape) has more values per "
                       + "sample than fit in memory")
    }
    return [n]
  }

  /// Consumes the mask: the output has no time axis.
  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    context.mask = nil
    let n = x.shape.first ?? 0
    return x.shape.count == 2 ? x : x.reshaped([n, x.value.count / Swift.max(n, 1)])
  }

  public var config: [String: String] { [:] }
}
