/// A dense float32 array: contiguous row-major storage plus a shape.
///
/// `Tensor` is a value type (copy-on-write through its `[Float]` storage). Kernels reach the
/// storage through `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`; nothing in an
/// inner loop allocates. A rank-0 tensor (shape `[]`) holds one scalar.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
  /// Extent of each axis, outermost first.
  public var shape: [Int]
  /// Elements in row-major order; `data.count == shape.product`.
  public var data: [Float]

  /// A tensor from its elements; `data.count` must equal the product of `shape`.
  public init(shape: [Int], data: [Float]) {
    precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == data.count,
                 "Tensor: \(data.count) elements do not fill shape \(shape)")
    self.shape = shape
    self.data = data
  }

  /// A tensor with every element equal to `value`.
  public init(repeating value: Float, shape: [Int]) {
    self.shape = shape
    self.data = SmallStorage.repeating(value, shape.reduce(1, *))
  }

  /// Zeros of the given shape.
  public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

  /// A tensor whose elements are not initialized: for kernels that overwrite every element
  /// (sgemm with beta = 0), saving a pass over memory. Callers must write all of it.
  @usableFromInline
  static func uninitialized(_ shape: [Int]) -> Tensor {
    Tensor(unchecked: shape, SmallStorage.uninitialized(shape.reduce(1, *)))
  }

  /// A tensor from storage already known to fill `shape`.
  @usableFromInline
  init(unchecked shape: [Int], _ data: [Float]) {
    self.shape = shape
    self.data = data
  }

  /// A rank-0 tensor.
  public init(scalar: Float) { self.init(shape: [], data: [scalar]) }

  /// A tensor whose elements are `f(flatIndex)`.
  public init(shape: [Int], _ f: (Int) -> Float) {
    let n = shape.reduce(1, *)
    self.init(shape: shape, data: (0..<n).map(f))
  }

  /// Number of elements.
  @inlinable public var count: Int { data.count }
  /// Number of axes.
  @inlinable public var rank: Int { shape.count }
  /// The single element of a one-element tensor.
  public var scalar: Float { data.isEmpty ? .nan : data[0] }

  /// Row-major strides (in elements) of `shape`.
  public static func strides(of shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
    return s
  }

  /// The same elements under another shape with the same element count.
  public func reshaped(_ newShape: [Int]) -> Tensor { Tensor(shape: newShape, data: data) }

  /// Element at a multi-index (tests and printing; not for inner loops).
  public subscript(_ index: Int...) -> Float {
    let st = Tensor.strides(of: shape)
    var off = 0
    for (i, ix) in index.enumerated() { off += ix * st[i] }
    return data[off]
  }

  /// Applies `f` to every element.
  @inlinable public func map(_ f: (Float) -> Float) -> Tensor {
    var out = self
    out.data.withUnsafeMutableBufferPointer { p in
      for i in 0..<p.count { p[i] = f(p[i]) }
    }
    return out
  }

  /// `self += other` elementwise; shapes must match in element count.
  @inlinable public mutating func addInPlace(_ other: Tensor) {
    precondition(other.count == count, "addInPlace: \(other.shape) vs \(shape)")
    data.withUnsafeMutableBufferPointer { d in
      other.data.withUnsafeBufferPointer { o in
        for i in 0..<d.count { d[i] += o[i] }
      }
    }
  }

  /// A short printable form: shape and up to a few elements.
  public var description: String {
    let head = data.prefix(8).map { String($0) }.joined(separator: ", ")
    return "Tensor(\(shape), [\(head)\(data.count > 8 ? ", …" : "")])"
  }
}
