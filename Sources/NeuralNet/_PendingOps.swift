// TEMPORARY: deleted on merge, the real ops live in Autograd/Ops
//
// Stand-ins with the exact signatures of the Autograd ops being written on other branches, so
// NeuralNet compiles and trains before the merge. `Variable.result` is internal to Autograd, so
// each backward rule is expressed through the public `*` op: `v * G` (G a constant) sends
// dOut · G into v; the product's value is then replaced by the op's real value. Only the ops
// NeuralNet uses are here.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd

/// A variable holding `value` whose gradient into each `v` is dOut · G (broadcast).
private func _pendingCustom(_ value: Tensor, _ pairs: [(Variable, Tensor)]) -> Variable {
  guard Tape.current.isRecording else { return Variable(value) }
  var terms: [Variable] = []
  for (v, g) in pairs where v.requiresGrad {
    let t = v * Variable(g)
    t.value = Tensor.zeros(value.shape)
    terms.append(t)
  }
  guard var out = terms.first else { return Variable(value) }
  for t in terms.dropFirst() { out = out + t }
  out.value = value
  return out
}

/// Elementwise op: y = f(x), dx = dy · d(x, y).
private func _pendingUnary(_ x: Variable, _ f: (Float) -> Float,
                           _ d: (Float, Float) -> Float) -> Variable {
  let y = x.value.map(f)
  var g = y
  for i in 0..<g.count { g.data[i] = d(x.value.data[i], y.data[i]) }
  return _pendingCustom(y, [(x, g)])
}

extension Variable {
  public func sigmoid() -> Variable {
    _pendingUnary(self, { 1 / (1 + expf(-$0)) }, { _, y in y * (1 - y) })
  }
  public func tanh() -> Variable { _pendingUnary(self, { tanhf($0) }, { _, y in 1 - y * y }) }
  public func leakyRelu(alpha: Float = 0.3) -> Variable {
    _pendingUnary(self, { $0 > 0 ? $0 : alpha * $0 }, { x, _ in x > 0 ? 1 : alpha })
  }
  public func log() -> Variable { _pendingUnary(self, { logf($0) }, { x, _ in 1 / x }) }
  public func clamp(_ lo: Float, _ hi: Float) -> Variable {
    _pendingUnary(self, { Swift.min(Swift.max($0, lo), hi) }, { x, _ in x >= lo && x <= hi ? 1 : 0 })
  }
  /// Supports a full reduction, or any axes with keepDims.
  public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Variable {
    let x = value
    let r = x.rank
    let ax = (axes ?? Array(0..<r)).map { $0 < 0 ? $0 + r : $0 }
    precondition(keepDims || axes == nil, "pending sum: axes need keepDims")
    var outShape = x.shape
    for a in ax { outShape[a] = 1 }
    var out = Tensor.zeros(outShape)
    let so = Broadcast.strides(of: outShape, broadcastTo: x.shape)
    let sx = Tensor.strides(of: x.shape)
    out.data.withUnsafeMutableBufferPointer { o in
      x.data.withUnsafeBufferPointer { xp in
        Broadcast.walk(x.shape, sx, so) { _, ix, io in o[io] += xp[ix] }
      }
    }
    if !keepDims { out = Tensor(shape: [], data: out.data) }
    return _pendingCustom(out, [(self, Tensor(repeating: 1, shape: x.shape))])
  }
  /// Softmax over the last axis.
  public func softmax() -> Variable {
    let m = value.shape.last ?? 1
    var e = value
    e.data.withUnsafeMutableBufferPointer { p in
      var i = 0
      while i < p.count {
        var mx = -Float.infinity
        for j in 0..<m { mx = Swift.max(mx, p[i + j]) }
        for j in 0..<m { p[i + j] = expf(p[i + j] - mx) }
        i += m
      }
    }
    let ev = _pendingCustom(e, [(self, e)])
    return ev / ev.sum(axes: [value.rank - 1], keepDims: true)
  }
}

private func _rowLogSoftmax(_ x: Tensor) -> Tensor {
  let m = x.shape.last ?? 1
  var out = x
  out.data.withUnsafeMutableBufferPointer { p in
    var i = 0
    while i < p.count {
      var mx = -Float.infinity
      for j in 0..<m { mx = Swift.max(mx, p[i + j]) }
      var s: Float = 0
      for j in 0..<m { s += expf(p[i + j] - mx) }
      let lse = mx + logf(s)
      for j in 0..<m { p[i + j] -= lse }
      i += m
    }
  }
  return out
}

public func softmaxCrossEntropy(logits: Variable, labels: Tensor) -> Variable {
  let n = logits.shape[0], c = logits.shape[1]
  let ls = _rowLogSoftmax(logits.value)
  var g = ls.map { expf($0) }
  var loss: Float = 0
  for i in 0..<n {
    let k = Int(labels.data[i])
    loss -= ls.data[i * c + k]
    g.data[i * c + k] -= 1
  }
  for i in 0..<g.count { g.data[i] /= Float(n) }
  return _pendingCustom(Tensor(scalar: loss / Float(n)), [(logits, g)])
}

public func softmaxCrossEntropy(logits: Variable, targets: Tensor) -> Variable {
  let n = logits.shape[0], c = logits.shape[1]
  let ls = _rowLogSoftmax(logits.value)
  var g = Tensor.zeros(logits.shape)
  var loss: Float = 0
  for i in 0..<n {
    var ts: Float = 0
    for j in 0..<c { ts += targets.data[i * c + j]; loss -= targets.data[i * c + j] * ls.data[i * c + j] }
    for j in 0..<c {
      g.data[i * c + j] = (expf(ls.data[i * c + j]) * ts - targets.data[i * c + j]) / Float(n)
    }
  }
  return _pendingCustom(Tensor(scalar: loss / Float(n)), [(logits, g)])
}

public func binaryCrossEntropy(logits: Variable, targets: Tensor) -> Variable {
  let x = logits.value
  let n = Float(x.count)
  var g = x
  var loss: Float = 0
  for i in 0..<x.count {
    let z = x.data[i], t = targets.data[i]
    loss += Swift.max(z, 0) - z * t + log1pf(expf(-Swift.abs(z)))
    g.data[i] = (1 / (1 + expf(-z)) - t) / n
  }
  return _pendingCustom(Tensor(scalar: loss / n), [(logits, g)])
}

public func binaryCrossEntropy(probabilities: Variable, targets: Tensor,
                               epsilon: Float = 1e-7) -> Variable {
  let p = probabilities.value
  let n = Float(p.count)
  var g = p
  var loss: Float = 0
  for i in 0..<p.count {
    let raw = p.data[i], t = targets.data[i]
    let q = Swift.min(Swift.max(raw, epsilon), 1 - epsilon)
    loss -= t * logf(q) + (1 - t) * logf(1 - q)
    g.data[i] = raw >= epsilon && raw <= 1 - epsilon ? (-t / q + (1 - t) / (1 - q)) / n : 0
  }
  return _pendingCustom(Tensor(scalar: loss / n), [(probabilities, g)])
}

public func meanSquaredError(_ p: Variable, _ t: Variable) -> Variable {
  let n = Float(p.value.count)
  var g = p.value
  var loss: Float = 0
  for i in 0..<g.count {
    let d = p.value.data[i] - t.value.data[i]
    loss += d * d
    g.data[i] = 2 * d / n
  }
  return _pendingCustom(Tensor(scalar: loss / n), [(p, g), (t, g.map { -$0 })])
}

public func meanAbsoluteError(_ p: Variable, _ t: Variable) -> Variable {
  let n = Float(p.value.count)
  var g = p.value
  var loss: Float = 0
  for i in 0..<g.count {
    let d = p.value.data[i] - t.value.data[i]
    loss += Swift.abs(d)
    g.data[i] = (d > 0 ? 1 : d < 0 ? -1 : 0) / n
  }
  return _pendingCustom(Tensor(scalar: loss / n), [(p, g), (t, g.map { -$0 })])
}

public func dropout(_ x: Variable, rate: Float, training: Bool,
                    rng: inout SeededRandom) -> Variable {
  guard training, rate > 0 else { return x }
  let scale: Float = rate < 1 ? 1 / (1 - rate) : 0
  var mask = Tensor.zeros(x.shape)
  for i in 0..<mask.count { mask.data[i] = rng.nextUnit() < rate ? 0 : scale }
  return x * Variable(mask)
}
