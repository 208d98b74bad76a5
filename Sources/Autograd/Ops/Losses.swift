#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Losses: forward and backward side by side. Each returns a rank-0 variable holding the mean
// loss (over the rows of the batch for cross-entropy, over all elements otherwise), summed in
// Double. g is the incoming gradient of that scalar; N the number of rows, n of elements.
// Rows are the last axis: logits (N, C), or (…, C) with N the product of the leading axes.
//   softmaxCrossEntropy(z, labels y) : Lᵢ = lseᵢ − zᵢ,yᵢ       dz = g · (softmax(z) − onehot(y)) / N
//   softmaxCrossEntropy(z, targets t): Lᵢ = Σc tᵢc (lseᵢ − zᵢc)  dz = g · (softmax(z)·Σc tᵢc − t) / N
//        lseᵢ = mᵢ + ln Σc e^(zᵢc − mᵢ), mᵢ = maxc zᵢc
//   binaryCrossEntropy(logits z, t)  : L = max(z,0) − z·t + ln(1 + e^−|z|)   dz = g · (σ(z) − t) / n
//   binaryCrossEntropy(probs p, t)   : q = clip(p, ε, 1−ε); L = −(t·ln q + (1−t)·ln(1−q))
//                                      dp = g · (q − t) / (q(1−q)) / n  where ε ≤ p ≤ 1−ε, else 0
//   meanSquaredError(p, t)           : L = (p − t)²    dp = g · 2(p − t) / n    dt = −dp
//   meanAbsoluteError(p, t)          : L = |p − t|     dp = g · sign(p − t) / n  dt = −dp  (0 at p = t)
// Targets given as Tensors are constants; both sides of mse/mae may carry gradients.

/// Row geometry of logits (…, C): (rows, classes).
private func rowsAndClasses(_ logits: Variable, _ op: String) -> (Int, Int) {
  precondition(logits.shape.count >= 1, "\(op): logits must have a class axis, got a scalar")
  let c = logits.shape[logits.shape.count - 1]
  precondition(c > 0, "\(op): logits have no classes, shape \(logits.shape)")
  return (logits.value.count / c, c)
}

/// Per-row maximum m and ln Σ e^(z − m) of `z` (so lse = m + ln Σ), and the row's softmax,
/// written into `p` (same layout as `z`).
@inline(__always)
private func logSumExpRows(_ z: UnsafeBufferPointer<Float>, _ p: UnsafeMutableBufferPointer<Float>,
                           row r: Int, classes c: Int) -> (max: Float, logSum: Float) {
  let base = r * c
  var m = z[base]
  for j in 1..<c where z[base + j] > m { m = z[base + j] }
  var s: Float = 0
  for j in 0..<c { let e = expf(z[base + j] - m); p[base + j] = e; s += e }
  let inv = 1 / s
  for j in 0..<c { p[base + j] *= inv }
  return (m, logf(s))
}

/// Mean softmax cross-entropy of logits (N, C) against class indices (N,), stored as floats.
/// Fused: the log-sum-exp is computed once, stably, and the softmax saved for backward.
public func softmaxCrossEntropy(logits: Variable, labels: Tensor) -> Variable {
  let (n, c) = rowsAndClasses(logits, "softmaxCrossEntropy")
  precondition(labels.count == n,
               "softmaxCrossEntropy: \(labels.shape) labels for logits \(logits.shape)")
  var cls = [Int](repeating: 0, count: n)
  for i in 0..<n {
    let l = labels.data[i]
    precondition(l >= 0 && l < Float(c) && l == l.rounded(),
                 "softmaxCrossEntropy: label \(l) is not a class index in 0..<\(c)")
    cls[i] = Int(l)
  }
  var probs = Tensor.zeros(logits.shape)
  var total: Double = 0
  logits.value.data.withUnsafeBufferPointer { z in
    probs.data.withUnsafeMutableBufferPointer { p in
      for r in 0..<n {
        let (m, ls) = logSumExpRows(z, p, row: r, classes: c)
        total += Double(ls - (z[r * c + cls[r]] - m))
      }
    }
  }
  let loss = Tensor(scalar: Float(total / Double(n)))
  return Variable.result(loss, .softmaxCrossEntropy, logits) { dy in
    let scale = dy.data[0] / Float(n)
    var dz = probs
    dz.data.withUnsafeMutableBufferPointer { d in
      for r in 0..<n { d[r * c + cls[r]] -= 1 }
      for i in 0..<d.count { d[i] *= scale }
    }
    logits.accumulate(dz)
  }
}

/// Mean softmax cross-entropy of logits (N, C) against one-hot or soft targets (N, C).
public func softmaxCrossEntropy(logits: Variable, targets: Tensor) -> Variable {
  let (n, c) = rowsAndClasses(logits, "softmaxCrossEntropy")
  precondition(targets.count == logits.value.count,
               "softmaxCrossEntropy: targets \(targets.shape) for logits \(logits.shape)")
  var probs = Tensor.zeros(logits.shape)
  var tsum = [Float](repeating: 0, count: n)
  var total: Double = 0
  logits.value.data.withUnsafeBufferPointer { z in
    targets.data.withUnsafeBufferPointer { t in
      probs.data.withUnsafeMutableBufferPointer { p in
        for r in 0..<n {
          let (m, ls) = logSumExpRows(z, p, row: r, classes: c)
          var row: Float = 0, ts: Float = 0
          for j in (r * c)..<(r * c + c) where t[j] != 0 { row += t[j] * (ls - (z[j] - m)); ts += t[j] }
          tsum[r] = ts
          total += Double(row)
        }
      }
    }
  }
  let loss = Tensor(scalar: Float(total / Double(n)))
  return Variable.result(loss, .softmaxCrossEntropyOneHot, logits) { dy in
    let scale = dy.data[0] / Float(n)
    var dz = probs
    dz.data.withUnsafeMutableBufferPointer { d in
      targets.data.withUnsafeBufferPointer { t in
        for r in 0..<n {
          let ts = tsum[r]
          for j in (r * c)..<(r * c + c) { d[j] = (d[j] * ts - t[j]) * scale }
        }
      }
    }
    logits.accumulate(dz)
  }
}

/// Mean binary cross-entropy of logits against targets in [0, 1] (same element count),
/// computed as max(z, 0) − z·t + ln(1 + e^−|z|).
public func binaryCrossEntropy(logits: Variable, targets: Tensor) -> Variable {
  let z = logits.value
  precondition(targets.count == z.count,
               "binaryCrossEntropy: targets \(targets.shape) for logits \(logits.shape)")
  let n = z.count
  var total: Double = 0
  z.data.withUnsafeBufferPointer { pz in
    targets.data.withUnsafeBufferPointer { t in
      for i in 0..<n {
        let v = pz[i]
        total += Double(Swift.max(v, 0) - v * t[i] + log1pf(expf(-fabsf(v))))
      }
    }
  }
  let loss = Tensor(scalar: Float(total / Double(n)))
  return Variable.result(loss, .bceWithLogits, logits) { dy in
    let scale = dy.data[0] / Float(n)
    var dz = z.sigmoid()
    dz.data.withUnsafeMutableBufferPointer { d in
      targets.data.withUnsafeBufferPointer { t in
        for i in 0..<n { d[i] = (d[i] - t[i]) * scale }
      }
    }
    logits.accumulate(dz)
  }
}

/// Mean binary cross-entropy of probabilities against targets (same element count), as
/// Keras 3: probabilities clipped to [ε, 1−ε]; no gradient flows where they were clipped.
public func binaryCrossEntropy(probabilities: Variable, targets: Tensor,
                               epsilon: Float = 1e-7) -> Variable {
  let p = probabilities.value
  precondition(targets.count == p.count,
               "binaryCrossEntropy: targets \(targets.shape) for probabilities \(probabilities.shape)")
  let n = p.count
  let lo = epsilon, hi = 1 - epsilon
  var total: Double = 0
  p.data.withUnsafeBufferPointer { pp in
    targets.data.withUnsafeBufferPointer { t in
      for i in 0..<n {
        let v = pp[i]
        let q = v < lo ? lo : (v > hi ? hi : v)
        total -= Double(t[i] * logf(q) + (1 - t[i]) * logf(1 - q))
      }
    }
  }
  let loss = Tensor(scalar: Float(total / Double(n)))
  return Variable.result(loss, .bce, probabilities) { dy in
    let scale = dy.data[0] / Float(n)
    let dp = zipMap(p, targets) { v, t in
      guard v >= lo && v <= hi else { return 0 }
      return (v - t) / (v * (1 - v)) * scale
    }
    probabilities.accumulate(dp)
  }
}

/// The difference `prediction − target` elementwise, checked to have matching element counts.
private func difference(_ a: Variable, _ b: Variable, _ op: String) -> Tensor {
  precondition(a.value.count == b.value.count,
               "\(op): prediction \(a.shape) and target \(b.shape) differ in size")
  return zipMap(a.value, b.value) { $0 - $1 }
}

/// Mean of (prediction − target)² over all elements; gradients to both sides.
public func meanSquaredError(_ prediction: Variable, _ target: Variable) -> Variable {
  let d = difference(prediction, target, "meanSquaredError")
  let n = d.count
  var total: Double = 0
  d.data.withUnsafeBufferPointer { p in for v in p { total += Double(v) * Double(v) } }
  let loss = Tensor(scalar: Float(total / Double(n)))
  return Variable.result(loss, .mse, prediction, target) { dy in
    let scale = 2 * dy.data[0] / Float(n)
    let g = d.map { $0 * scale }
    if prediction.requiresGrad { prediction.accumulate(g.reshaped(prediction.shape)) }
    if target.requiresGrad { target.accumulate(g.map { -$0 }.reshaped(target.shape)) }
  }
}

/// Mean of |prediction − target| over all elements; gradients to both sides (0 where equal).
public func meanAbsoluteError(_ prediction: Variable, _ target: Variable) -> Variable {
  let d = difference(prediction, target, "meanAbsoluteError")
  let n = d.count
  var total: Double = 0
  d.data.withUnsafeBufferPointer { p in for v in p { total += Double(fabsf(v)) } }
  let loss = Tensor(scalar: Float(total / Double(n)))
  return Variable.result(loss, .mae, prediction, target) { dy in
    let scale = dy.data[0] / Float(n)
    let g = d.map { $0 > 0 ? scale : ($0 < 0 ? -scale : 0) }
    if prediction.requiresGrad { prediction.accumulate(g.reshaped(prediction.shape)) }
    if target.requiresGrad { target.accumulate(g.map { -$0 }.reshaped(target.shape)) }
  }
}

// Weighted losses (class weights, sample weights, sequence masks). Row weights w (k values)
// each cover `per` = n / k consecutive elements (one row of C logits for cross-entropy, one
// sample's or time step's targets otherwise); D is the normalizer (k unless given: Keras'
// sum_over_batch_size; Σ mask for masked sequences):
//   L = Σᵢ w_{i/per} · ℓᵢ / (per · D)          dℓᵢ = g · w_{i/per} / (per · D)
// where ℓᵢ is the element's (or row's) unweighted loss above. The unweighted forms are the
// special case w = 1, D = k.

/// Per-element factors w_{i/per} / (per·D) of a weighted loss.
struct ElementWeights {
  let w: [Float]
  let per: Int
  let inv: Float

  init(_ weights: Tensor, elements n: Int, normalizer: Float?, _ op: String) {
    let k = weights.count
    precondition(k > 0 && n % k == 0, "\(op): \(k) weights for \(n) elements")
    w = weights.data
    per = n / k
    let d = normalizer ?? Float(k)
    precondition(d > 0, "\(op): the normalizer must be positive")
    inv = 1 / (Float(per) * d)
  }

  @inline(__always) func factor(_ i: Int) -> Float { w[i / per] * inv }
}

/// Weighted softmax cross-entropy against class indices: one weight per row of logits.
public func softmaxCrossEntropy(logits: Variable, labels: Tensor, weights: Tensor,
                                normalizer: Float? = nil) -> Variable {
  let (n, c) = rowsAndClasses(logits, "softmaxCrossEntropy")
  precondition(labels.count == n, "softmaxCrossEntropy: \(labels.shape) labels for \(logits.shape)")
  let ew = ElementWeights(weights, elements: n, normalizer: normalizer, "softmaxCrossEntropy")
  var cls = [Int](repeating: 0, count: n)
  for i in 0..<n {
    let l = labels.data[i]
    precondition(l >= 0 && l < Float(c) && l == l.rounded(), "softmaxCrossEntropy: label \(l)")
    cls[i] = Int(l)
  }
  var probs = Tensor.zeros(logits.shape)
  var total: Double = 0
  logits.value.data.withUnsafeBufferPointer { z in
    probs.data.withUnsafeMutableBufferPointer { p in
      for r in 0..<n {
        let (m, ls) = logSumExpRows(z, p, row: r, classes: c)
        total += Double(ls - (z[r * c + cls[r]] - m)) * Double(ew.factor(r))
      }
    }
  }
  return Variable.result(Tensor(scalar: Float(total)), .softmaxCrossEntropy, logits) { dy in
    let g = dy.data[0]
    var dz = probs
    dz.data.withUnsafeMutableBufferPointer { d in
      for r in 0..<n {
        d[r * c + cls[r]] -= 1
        let f = g * ew.factor(r)
        for j in (r * c)..<(r * c + c) { d[j] *= f }
      }
    }
    logits.accumulate(dz)
  }
}

/// Weighted softmax cross-entropy against one-hot or soft targets: one weight per row.
public func softmaxCrossEntropy(logits: Variable, targets: Tensor, weights: Tensor,
                                normalizer: Float? = nil) -> Variable {
  let (n, c) = rowsAndClasses(logits, "softmaxCrossEntropy")
  precondition(targets.count == logits.value.count, "softmaxCrossEntropy: targets \(targets.shape)")
  let ew = ElementWeights(weights, elements: n, normalizer: normalizer, "softmaxCrossEntropy")
  var probs = Tensor.zeros(logits.shape)
  var tsum = [Float](repeating: 0, count: n)
  var total: Double = 0
  logits.value.data.withUnsafeBufferPointer { z in
    targets.data.withUnsafeBufferPointer { t in
      probs.data.withUnsafeMutableBufferPointer { p in
        for r in 0..<n {
          let (m, ls) = logSumExpRows(z, p, row: r, classes: c)
          var row: Float = 0, ts: Float = 0
          for j in (r * c)..<(r * c + c) where t[j] != 0 { row += t[j] * (ls - (z[j] - m)); ts += t[j] }
          tsum[r] = ts
          total += Double(row) * Double(ew.factor(r))
        }
      }
    }
  }
  return Variable.result(Tensor(scalar: Float(total)), .softmaxCrossEntropyOneHot, logits) { dy in
    let g = dy.data[0]
    var dz = probs
    dz.data.withUnsafeMutableBufferPointer { d in
      targets.data.withUnsafeBufferPointer { t in
        for r in 0..<n {
          let ts = tsum[r], f = g * ew.factor(r)
          for j in (r * c)..<(r * c + c) { d[j] = (d[j] * ts - t[j]) * f }
        }
      }
    }
    logits.accumulate(dz)
  }
}

/// Weighted binary cross-entropy of logits.
public func binaryCrossEntropy(logits: Variable, targets: Tensor, weights: Tensor,
                               normalizer: Float? = nil) -> Variable {
  let z = logits.value
  precondition(targets.count == z.count, "binaryCrossEntropy: targets \(targets.shape)")
  let n = z.count
  let ew = ElementWeights(weights, elements: n, normalizer: normalizer, "binaryCrossEntropy")
  var total: Double = 0
  z.data.withUnsafeBufferPointer { pz in
    targets.data.withUnsafeBufferPointer { t in
      for i in 0..<n {
        let v = pz[i]
        total += Double(Swift.max(v, 0) - v * t[i] + log1pf(expf(-fabsf(v)))) * Double(ew.factor(i))
      }
    }
  }
  return Variable.result(Tensor(scalar: Float(total)), .bceWithLogits, logits) { dy in
    let g = dy.data[0]
    var dz = z.sigmoid()
    dz.data.withUnsafeMutableBufferPointer { d in
      targets.data.withUnsafeBufferPointer { t in
        for i in 0..<n { d[i] = (d[i] - t[i]) * g * ew.factor(i) }
      }
    }
    logits.accumulate(dz)
  }
}

/// Weighted binary cross-entropy of probabilities (clipped to [ε, 1−ε], as Keras).
public func binaryCrossEntropy(probabilities: Variable, targets: Tensor, weights: Tensor,
                               normalizer: Float? = nil, epsilon: Float = 1e-7) -> Variable {
  let p = probabilities.value
  precondition(targets.count == p.count, "binaryCrossEntropy: targets \(targets.shape)")
  let n = p.count
  let ew = ElementWeights(weights, elements: n, normalizer: normalizer, "binaryCrossEntropy")
  let lo = epsilon, hi = 1 - epsilon
  var total: Double = 0
  p.data.withUnsafeBufferPointer { pp in
    targets.data.withUnsafeBufferPointer { t in
      for i in 0..<n {
        let q = Swift.min(Swift.max(pp[i], lo), hi)
        total -= Double(t[i] * logf(q) + (1 - t[i]) * logf(1 - q)) * Double(ew.factor(i))
      }
    }
  }
  return Variable.result(Tensor(scalar: Float(total)), .bce, probabilities) { dy in
    let g = dy.data[0]
    var dp = Tensor.zeros(p.shape)
    dp.data.withUnsafeMutableBufferPointer { d in
      p.data.withUnsafeBufferPointer { pp in
        targets.data.withUnsafeBufferPointer { t in
          for i in 0..<n where pp[i] >= lo && pp[i] <= hi {
            let v = pp[i]
            d[i] = (v - t[i]) / (v * (1 - v)) * g * ew.factor(i)
          }
        }
      }
    }
    probabilities.accumulate(dp)
  }
}

/// Weighted mean squared error (`absolute`: mean absolute error) of a prediction against
/// constant targets.
public func weightedRegressionLoss(_ prediction: Variable, _ target: Tensor, weights: Tensor,
                                   normalizer: Float? = nil, absolute: Bool) -> Variable {
  let op = absolute ? "meanAbsoluteError" : "meanSquaredError"
  precondition(prediction.value.count == target.count, "\(op): target \(target.shape)")
  let d = zipMap(prediction.value, target) { $0 - $1 }
  let n = d.count
  let ew = ElementWeights(weights, elements: n, normalizer: normalizer, op)
  var total: Double = 0
  d.data.withUnsafeBufferPointer { p in
    for i in 0..<n {
      let v = Double(p[i])
      total += (absolute ? Swift.abs(v) : v * v) * Double(ew.factor(i))
    }
  }
  return Variable.result(Tensor(scalar: Float(total)), absolute ? .mae : .mse, prediction) { dy in
    let g = dy.data[0]
    var out = d
    out.data.withUnsafeMutableBufferPointer { b in
      for i in 0..<n {
        let v = b[i]
        b[i] = (absolute ? (v > 0 ? 1 : v < 0 ? -1 : 0) : 2 * v) * g * ew.factor(i)
      }
    }
    prediction.accumulate(out.reshaped(prediction.shape))
  }
}
