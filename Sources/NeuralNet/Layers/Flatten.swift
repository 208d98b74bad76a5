import Autograd

/// Flattens each sample to one axis (as `keras.layers.Flatten`): (N, 8, 8, 1) → (N, 64),
/// row-major (NHWC order), so image data can feed dense layers.
public final class Flatten: Layer {
  public var name: String
  public var typeName: String { "Flatten" }

  /// A flatten layer; `name` empty means auto-named by the model.
  public init(name: String = "") { self.name = name }

  public func build(inputShape: [Int], rng: inout SeededRandom) throws -> [Int] {
    [inputShape.reduce(1, *)]
  }

  public var parameters: [Parameter] { [] }

  public func forward(_ x: Variable, training: Bool, rng: inout SeededRandom) -> Variable {
    let n = x.shape.first ?? 0
    return x.shape.count == 2 ? x : x.reshaped([n, x.value.count / Swift.max(n, 1)])
  }

  public var config: [String: String] { [:] }
}
