// Inverted dropout: forward and backward side by side.
//   y = x · m, m = [u ≥ rate] / (1 − rate), u ~ U[0, 1) per element : dx = dy · m
// (identity, nothing recorded, when not training or rate == 0)

/// Zeroes each element of `x` with probability `rate` and scales the kept ones by
/// 1 / (1 − rate), so the expected value is unchanged. The mask draws one `nextUnit()` per
/// element from `rng` (element kept when u ≥ rate). Returns `x` itself when `!training` or
/// `rate == 0`.
public func dropout(_ x: Variable, rate: Float, training: Bool, rng: inout SeededRandom)
  -> Variable {
  precondition(rate >= 0 && rate <= 1, "dropout: rate \(rate) outside [0, 1]")
  if !training || rate == 0 { return x }
  let scale: Float = rate < 1 ? 1 / (1 - rate) : 0
  var mask = Tensor.zeros(x.shape)
  var y = x.value
  mask.data.withUnsafeMutableBufferPointer { mp in
    y.data.withUnsafeMutableBufferPointer { yp in
      for i in 0..<mp.count {
        let m: Float = rng.nextUnit() >= rate ? scale : 0
        mp[i] = m
        yp[i] *= m
      }
    }
  }
  return Variable.result(y, .dropout, x) { dy in
    var dx = dy
    dx.data.withUnsafeMutableBufferPointer { dp in
      mask.data.withUnsafeBufferPointer { mp in
        for i in 0..<dp.count { dp[i] *= mp[i] }
      }
    }
    x.accumulate(dx)
  }
}
