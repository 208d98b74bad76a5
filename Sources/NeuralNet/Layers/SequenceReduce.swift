import Autograd

// Layers that reduce a sequence (N, T, F) over its time axis to (N, F). Both read the
// context's mask (N, T) when there is one, and consume it: their output has no time axis.

/// The mean over time of each feature, as `keras.layers.GlobalAveragePooling1D`:
/// (N, T, F) → (N, F). With a mask, the mean of the real steps only:
/// y[n, f] = Σₜ m[n, t]·x[n, t, f] / Σₜ m[n, t] (a sequence of padding only gives 0, where
/// Keras would give NaN). Built on the multiply, sum and divide ops.
public final class GlobalAveragePooling1D: UnaryLayer {
  public var name: String
  public var typeName: String { "GlobalAveragePooling1D" }

  /// A pooling layer; `name` empty means auto-named by the model.
  public init(name: String = "") { self.name = name }

  /// (F) for a sequence (T, F).
  public func outputShape(_ input: [Int]) throws -> [Int] {
    try sequenceFeatures(input, name, "averages over time")
  }

  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    defer { context.mask = nil }
    guard let m = stepMask(context.mask, x) else { return x.mean(axes: [1]) }
    let (n, t) = (x.shape[0], x.shape[1])
    var counts = Tensor.zeros([n, 1])
    m.data.withUnsafeBufferPointer { p in
      for i in 0..<n {
        var c: Float = 0
        for j in 0..<t { c += p[i * t + j] }
        counts.data[i] = Swift.max(c, 1)
      }
    }
    return (x * Variable(m.reshaped([n, t, 1]))).sum(axes: [1]) / Variable(counts)
  }

  /// T·F: one operation per input value.
  public func flops(input: [Int]) -> Int { input.reduce(1, *) }

  public var config: [String: String] { [:] }
}

/// The last real step of each sequence: (N, T, F) → (N, F). Without a mask, step T − 1;
/// with one, the last step whose mask is 1, so a sequence padded at the end (or the start)
/// gives its last token's features; a sequence of padding only gives 0. Keras has no such
/// layer (its recurrent layers return their last real state themselves). The gradient goes
/// to the chosen step only.
public final class LastStep: UnaryLayer {
  public var name: String
  public var typeName: String { "LastStep" }

  /// A last-step layer; `name` empty means auto-named by the model.
  public init(name: String = "") { self.name = name }

  /// (F) for a sequence (T, F).
  public func outputShape(_ input: [Int]) throws -> [Int] {
    try sequenceFeatures(input, name, "takes the last step of")
  }

  public func forward(_ x: Variable, _ context: inout ForwardContext) -> Variable {
    defer { context.mask = nil }
    let (n, t, f) = (x.shape[0], x.shape[1], x.shape[2])
    guard let m = stepMask(context.mask, x) else {
      return x.slice(axis: 1, (t - 1)..<t).reshaped([n, f])
    }
    return (x * Variable(LastStep.selection(m))).sum(axes: [1])
  }

  /// (N, T, 1): 1 at the last step whose mask is 1, 0 elsewhere.
  static func selection(_ m: Tensor) -> Tensor {
    let (n, t) = (m.shape[0], m.shape[1])
    var s = Tensor.zeros([n, t, 1])
    m.data.withUnsafeBufferPointer { p in
      for i in 0..<n {
        var j = t - 1
        while j >= 0 && p[i * t + j] == 0 { j -= 1 }
        if j >= 0 { s.data[i * t + j] = 1 }
      }
    }
    return s
  }

  public var config: [String: String] { [:] }
}

/// The features F of a sequence input (T, F), or a ShapeError naming the layer.
private func sequenceFeatures(_ input: [Int], _ name: String, _ what: String) throws -> [Int] {
  guard input.count == 2 else {
    throw ShapeError("\(name) \(what) a sequence: it needs an input (None, T, F), but gets "
                     + "\(input.kerasBatchShape)"
                     + (input.count == 3 ? "; for images use global_avgpool" : "")
                     + (input.count == 1 ? "; put an embedding (token ids) or a layer returning sequences before it" : ""))
  }
  return [input[1]]
}

/// The mask (N, T) when it matches `x`'s first two sizes, else nil.
private func stepMask(_ mask: Tensor?, _ x: Variable) -> Tensor? {
  guard let m = mask, m.rank == 2, x.shape.count == 3, m.shape[0] == x.shape[0], m.shape[1] == x.shape[1]
  else { return nil }
  return m
}
