/// A node of the computation: a value, and (during training) its gradient.
///
/// Parameters are `Variable`s created with `requiresGrad: true`; every op applied to variables
/// returns a new `Variable` and, while the tape records, appends its backward rule to the tape.
/// `grad` accumulates (`+=`) across backward passes until an optimizer clears it.
public final class Variable: @unchecked Sendable {
  /// The forward value.
  public var value: Tensor
  /// dLoss/dValue, accumulated by `Tape.backward`; nil until something flows into it.
  public var grad: Tensor?
  /// Whether gradients flow into this variable.
  public let requiresGrad: Bool
  /// Which op produced this variable (nil for leaves); used by diagnostics and tests.
  public let op: OpKind?

  /// A leaf: a parameter (`requiresGrad: true`) or a constant input.
  public init(_ value: Tensor, requiresGrad: Bool = false) {
    self.value = value
    self.requiresGrad = requiresGrad
    self.op = nil
  }

  /// An op's output.
  init(_ value: Tensor, op: OpKind, requiresGrad: Bool) {
    self.value = value
    self.op = op
    self.requiresGrad = requiresGrad
  }

  /// The value's shape.
  @inlinable public var shape: [Int] { value.shape }

  /// Adds `g` into `grad` (allocating it on first use). Ignored for constants.
  @inlinable public func accumulate(_ g: Tensor) {
    guard requiresGrad else { return }
    if grad == nil { grad = g } else { grad?.addInPlace(g) }
  }

  /// Clears the gradient (optimizers call this after each update).
  public func zeroGrad() { grad = nil }
}
