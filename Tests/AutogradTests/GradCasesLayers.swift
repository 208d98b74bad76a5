@testable import Autograd

/// Gradient checks of Ops/Shape.swift, Ops/Gather.swift, Ops/Conv.swift, Ops/Pool.swift,
/// Ops/Dropout.swift and Ops/BatchNorm.swift.
extension GradCases {
  static let layers: [GradCase] = []
}
