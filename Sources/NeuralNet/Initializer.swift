import Autograd

/// A weight initialiser with Keras semantics. Fans follow Keras' `compute_fans`: a matrix
/// (in, out) has fan_in = in, fan_out = out; a vector has both equal to its length; a kernel
/// (…, in, out) multiplies both by the receptive-field size. Truncated normals are cut at two
/// standard deviations and, like Keras' `VarianceScaling`, their scale is divided by
/// 0.87962566103423978 so the truncated distribution has the stated standard deviation.
public enum Initializer: Sendable, Equatable {
  /// U(−l, l), l = √(6 / (fan_in + fan_out)). Keras' default for kernels.
  case glorotUniform
  /// Truncated normal, std √(2 / (fan_in + fan_out)).
  case glorotNormal
  /// Truncated normal, std √(2 / fan_in).
  case heNormal
  /// U(−l, l), l = √(6 / fan_in).
  case heUniform
  /// Truncated normal, std √(1 / fan_in).
  case lecunNormal
  /// U(−l, l), l = √(3 / fan_in).
  case lecunUniform
  /// All zeros (Keras' default for biases).
  case zeros
  /// All ones.
  case ones
  /// Normal, mean 0, std 0.05 (not truncated).
  case randomNormal
  /// U(−0.05, 0.05).
  case randomUniform

  /// Keras' correction of a ±2σ truncated normal's standard deviation.
  static let truncationCorrection: Float = 0.87962566103423978

  /// (fan_in, fan_out) of a weight of `shape`, as Keras computes them.
  public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
    switch shape.count {
    case 0: return (1, 1)
    case 1: return (shape[0], shape[0])
    case 2: return (shape[0], shape[1])
    default:
      let receptive = shape.dropLast(2).reduce(1, *)
      return (shape[shape.count - 2] * receptive, shape[shape.count - 1] * receptive)
    }
  }

  /// A tensor of `shape` drawn from this initialiser with `rng` (row-major order).
  public func make(_ shape: [Int], rng: inout SeededRandom) -> Tensor {
    let (fi, fo) = Initializer.fans(shape)
    let fanIn = Float(Swift.max(fi, 1)), fanAvg = Float(Swift.max(fi + fo, 1))
    switch self {
    case .zeros: return Tensor.zeros(shape)
    case .ones: return Tensor(repeating: 1, shape: shape)
    case .glorotUniform:
      let l = (6 / fanAvg).squareRoot(); return rng.uniformTensor(shape, -l, l)
    case .heUniform:
      let l = (6 / fanIn).squareRoot(); return rng.uniformTensor(shape, -l, l)
    case .lecunUniform:
      let l = (3 / fanIn).squareRoot(); return rng.uniformTensor(shape, -l, l)
    case .randomUniform: return rng.uniformTensor(shape, -0.05, 0.05)
    case .randomNormal: return rng.normalTensor(shape, mean: 0, std: 0.05)
    case .glorotNormal: return Initializer.truncated(shape, std: (2 / fanAvg).squareRoot(), &rng)
    case .heNormal: return Initializer.truncated(shape, std: (2 / fanIn).squareRoot(), &rng)
    case .lecunNormal: return Initializer.truncated(shape, std: (1 / fanIn).squareRoot(), &rng)
    }
  }

  private static func truncated(_ shape: [Int], std: Float, _ rng: inout SeededRandom) -> Tensor {
    var t = Tensor.zeros(shape)
    let s = std / truncationCorrection
    for i in 0..<t.count { t.data[i] = rng.truncatedNormal(std: s) }
    return t
  }

  /// The Keras name (`"glorot_uniform"`, …).
  public var name: String { Initializer.table.first { $0.value == self }!.name }

  /// Name, value and one help line for every initialiser, in display order.
  public static let table: [(name: String, value: Initializer, help: String)] = [
    ("glorot_uniform", .glorotUniform, "uniform ±√(6/(fan_in+fan_out)) (default for weights)"),
    ("glorot_normal", .glorotNormal, "truncated normal, std √(2/(fan_in+fan_out))"),
    ("he_normal", .heNormal, "truncated normal, std √(2/fan_in): good with relu"),
    ("he_uniform", .heUniform, "uniform ±√(6/fan_in)"),
    ("lecun_normal", .lecunNormal, "truncated normal, std √(1/fan_in)"),
    ("lecun_uniform", .lecunUniform, "uniform ±√(3/fan_in)"),
    ("zeros", .zeros, "all zeros (default for biases)"),
    ("ones", .ones, "all ones"),
    ("random_normal", .randomNormal, "normal, mean 0, std 0.05"),
    ("random_uniform", .randomUniform, "uniform ±0.05"),
  ]

  /// The initialiser called `name` (Keras names; case-insensitive), or nil.
  public static func named(_ name: String) -> Initializer? {
    let n = name.lowercased()
    return table.first { $0.name == n }?.value
  }

  /// Every initialiser name, in display order.
  public static var allNames: [String] { table.map(\.name) }
}
