@testable import Autograd

/// Gradient checks of Ops/Unary.swift, Ops/Activations.swift, Ops/Reductions.swift and
/// Ops/Losses.swift.
extension GradCases {
  static let math: [GradCase] = []
}
