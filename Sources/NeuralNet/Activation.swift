import Autograd

/// An elementwise (softmax: last-axis) activation function, as in `keras.activations`.
public enum Activation: Sendable, Equatable {
  /// Identity (Keras `linear`, the default of `Dense`).
  case linear
  /// max(x, 0).
  case relu
  /// x for x > 0, alpha·x otherwise.
  case leakyRelu(alpha: Float)
  /// 1 / (1 + e^−x).
  case sigmoid
  /// Hyperbolic tangent.
  case tanh
  /// Normalised exponentials over the last axis.
  case softmax

  /// Applies the activation to `v` (recording its gradient while the tape records).
  public func apply(_ v: Variable) -> Variable {
    switch self {
    case .linear: return v
    case .relu: return v.relu()
    case .leakyRelu(let a): return v.leakyRelu(alpha: a)
    case .sigmoid: return v.sigmoid()
    case .tanh: return v.tanh()
    case .softmax: return v.softmax()
    }
  }

  /// The Keras name (`"relu"`, `"leaky_relu"`, …).
  public var name: String {
    switch self {
    case .linear: return "linear"
    case .relu: return "relu"
    case .leakyRelu: return "leaky_relu"
    case .sigmoid: return "sigmoid"
    case .tanh: return "tanh"
    case .softmax: return "softmax"
    }
  }

  /// Name, value and one help line for every activation, in display order.
  /// `leaky_relu` uses alpha = 0.3 (Keras' `LeakyReLU` default).
  public static let table: [(name: String, value: Activation, help: String)] = [
    ("linear", .linear, "identity: a(x) = x (the default)"),
    ("relu", .relu, "rectified linear unit: max(x, 0)"),
    ("leaky_relu", .leakyRelu(alpha: 0.3), "x for x > 0, 0.3·x otherwise"),
    ("sigmoid", .sigmoid, "logistic 1/(1+e^-x), outputs in (0, 1): binary classification"),
    ("tanh", .tanh, "hyperbolic tangent, outputs in (-1, 1)"),
    ("softmax", .softmax, "probabilities over the last axis: multi-class output"),
  ]

  /// The activation called `name` (Keras names; case-insensitive), or nil.
  public static func named(_ name: String) -> Activation? {
    let n = name.lowercased()
    if n == "none" { return .linear }
    return table.first { $0.name == n }?.value
  }

  /// Every activation name, in display order.
  public static var allNames: [String] { table.map(\.name) }
}
