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
  /// A random orthogonal matrix (Keras' `Orthogonal`, gain 1): the shape is viewed as
  /// (rows = product of all but the last axis, cols = last axis); a normal (max, min) matrix is
  /// orthonormalised column by column (Gram–Schmidt, the Q of its QR factorisation with a
  /// positive diagonal in R), transposed when rows < cols. Keras' default recurrent kernel.
  case orthogonal

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
    case .orthogonal: return Initializer.orthogonal(shape, &rng)
    }
  }

  /// See `orthogonal`. Columns that come out (numerically) dependent are redrawn.
  static func orthogonal(_ shape: [Int], _ rng: inout SeededRandom) -> Tensor {
    let cols = shape.last ?? 1
    let rows = shape.count < 2 ? 1 : shape.dropLast().reduce(1, *)
    let (m, k) = (Swift.max(rows, cols), Swift.min(rows, cols))  // a is m × k, k ≤ m
    guard m > 0, k > 0 else { return Tensor.zeros(shape) }
    var q = [[Double]]()  // k orthonormal columns of length m
    q.reserveCapacity(k)
    while q.count < k {
      var v = (0..<m).map { _ in Double(rng.normal()) }
      for _ in 0..<2 {  // twice: classical Gram–Schmidt re-orthogonalised is stable
        for c in q {
          var d = 0.0
          for i in 0..<m { d += c[i] * v[i] }
          for i in 0..<m { v[i] -= d * c[i] }
        }
      }
      let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
      if norm > 1e-6 { q.append(v.map { $0 / norm }) }
    }
    // q as an m × k matrix (column j = q[j]); rows < cols: the result is its transpose.
    var t = Tensor.zeros(shape)
    for r in 0..<rows {
      for c in 0..<cols {
        t.data[r * cols + c] = Float(rows >= cols ? q[c][r] : q[r][c])
      }
    }
    return t
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
    ("orthogonal", .orthogonal, "a random orthogonal matrix (default for recurrent weights)"),
  ]

  /// The initialiser called `name` (Keras names; case-insensitive), or nil.
  public static func named(_ name: String) -> Initializer? {
    let n = name.lowercased()
    return table.first { $0.name == n }?.value
  }

  /// Every initialiser name, in display order.
  public static var allNames: [String] { table.map(\.name) }
}
