#if canImport(Glibc)
import Glibc
#endif

// Activations: forward and backward side by side.
//   y = relu(x)        : dx = dy · [x > 0]

extension Variable {
  /// max(x, 0).
  public func relu() -> Variable {
    let x = value
    let y = x.map { $0 > 0 ? $0 : 0 }
    return Variable.result(y, .relu, self) { dy in
      var dx = dy
      dx.data.withUnsafeMutableBufferPointer { d in
        x.data.withUnsafeBufferPointer { xp in
          for i in 0..<d.count where xp[i] <= 0 { d[i] = 0 }
        }
      }
      self.accumulate(dx)
    }
  }
}
