#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd

/// Gradient clipping with Keras' semantics, applied between backward and the optimizer step.
/// At most one of the three is set (Keras raises otherwise):
///
///     clipnorm c:         each gradient g ← g · c / max(‖g‖, c)
///     global_clipnorm c:  every gradient g ← g · c / max(√Σ‖g‖², c)
///     clipvalue v:        each element g ← clamp(g, −v, v)
public struct GradientClipping: Sendable, Equatable {
  /// Per-tensor norm limit, or nil.
  public var clipnorm: Float?
  /// Elementwise limit, or nil.
  public var clipvalue: Float?
  /// Limit on the norm of all gradients together, or nil.
  public var globalClipnorm: Float?

  /// Clipping settings; throws a `ModelError` when more than one is set or one is not > 0.
  public init(clipnorm: Float? = nil, clipvalue: Float? = nil, globalClipnorm: Float? = nil) {
    self.clipnorm = clipnorm
    self.clipvalue = clipvalue
    self.globalClipnorm = globalClipnorm
  }

  /// Throws unless at most one limit is set and each set one is positive and finite.
  public func validate() throws {
    let set = [("clipnorm", clipnorm), ("clipvalue", clipvalue), ("global_clipnorm", globalClipnorm)]
      .compactMap { n, v in v.map { (n, $0) } }
    guard set.count <= 1 else {
      throw ModelError("only one of clipnorm, clipvalue and global_clipnorm can be set, not "
                       + set.map(\.0).joined(separator: " and "))
    }
    if let (n, v) = set.first, !(v > 0 && v.isFinite) {
      throw ModelError("\(n) must be above 0, not \(v)")
    }
  }

  /// Whether any limit is set.
  public var isActive: Bool { clipnorm != nil || clipvalue != nil || globalClipnorm != nil }

  /// The settings as `name=value` pairs, for display.
  public var settings: [(String, Float)] {
    [("clipnorm", clipnorm), ("clipvalue", clipvalue), ("global_clipnorm", globalClipnorm)]
      .compactMap { n, v in v.map { (n, $0) } }
  }

  /// Clips the gradients of `params` in place.
  public func apply(_ params: [Parameter]) {
    if let c = clipnorm {
      for p in params { if let g = p.variable.grad { p.variable.grad = scaled(g, c, norm(g)) } }
    } else if let c = globalClipnorm {
      var total = 0.0
      for p in params { if let g = p.variable.grad { total += sumSquares(g) } }
      let n = Float(total.squareRoot())
      guard n > c else { return }
      for p in params { if let g = p.variable.grad { p.variable.grad = scaled(g, c, n) } }
    } else if let v = clipvalue {
      for p in params {
        guard var g = p.variable.grad else { continue }
        g.data.withUnsafeMutableBufferPointer { b in
          for i in 0..<b.count { b[i] = Swift.min(Swift.max(b[i], -v), v) }
        }
        p.variable.grad = g
      }
    }
  }

  private func sumSquares(_ g: Tensor) -> Double {
    g.data.withUnsafeBufferPointer { b in
      var s = 0.0
      for v in b { s += Double(v) * Double(v) }
      return s
    }
  }

  private func norm(_ g: Tensor) -> Float { Float(sumSquares(g).squareRoot()) }

  /// g · c / max(n, c).
  private func scaled(_ g: Tensor, _ c: Float, _ n: Float) -> Tensor {
    guard n > c else { return g }
    var out = g
    let f = c / n
    out.data.withUnsafeMutableBufferPointer { b in for i in 0..<b.count { b[i] *= f } }
    return out
  }
}
