// Elementwise arithmetic with NumPy broadcasting: forward and backward side by side.
// The gradient of a broadcast input is the output gradient summed over its broadcast axes
// (`Broadcast.reduce`).
//   c = a + b : da = dc             db = dc
//   c = a - b : da = dc             db = -dc
//   c = a * b : da = dc · b         db = dc · a
//   c = a / b : da = dc / b         db = -dc · a / b²
//   c = -a    : da = -dc

/// The broadcast shape of two operands; traps on incompatible shapes (callers check first).
@usableFromInline
func broadcastShape(_ a: Variable, _ b: Variable, _ name: String) -> [Int] {
  guard let s = Broadcast.shape(a.shape, b.shape) else {
    preconditionFailure("\(name): shapes \(a.shape) and \(b.shape) do not broadcast")
  }
  return s
}

/// a + b (broadcasting).
public func + (a: Variable, b: Variable) -> Variable {
  let shape = broadcastShape(a, b, "add")
  let c = Broadcast.apply(a.value, b.value, shape, +)
  return Variable.result(c, .add, a, b) { dc in
    if a.requiresGrad { a.accumulate(Broadcast.reduce(dc, to: a.shape)) }
    if b.requiresGrad { b.accumulate(Broadcast.reduce(dc, to: b.shape)) }
  }
}

/// a - b (broadcasting).
public func - (a: Variable, b: Variable) -> Variable {
  let shape = broadcastShape(a, b, "sub")
  let c = Broadcast.apply(a.value, b.value, shape, -)
  return Variable.result(c, .sub, a, b) { dc in
    if a.requiresGrad { a.accumulate(Broadcast.reduce(dc, to: a.shape)) }
    if b.requiresGrad { b.accumulate(Broadcast.reduce(dc.map { -$0 }, to: b.shape)) }
  }
}

/// a * b elementwise (broadcasting).
public func * (a: Variable, b: Variable) -> Variable {
  let shape = broadcastShape(a, b, "mul")
  let av = a.value, bv = b.value
  let c = Broadcast.apply(av, bv, shape, *)
  return Variable.result(c, .mul, a, b) { dc in
    if a.requiresGrad { a.accumulate(Broadcast.reduce(Broadcast.apply(dc, bv, shape, *), to: a.shape)) }
    if b.requiresGrad { b.accumulate(Broadcast.reduce(Broadcast.apply(dc, av, shape, *), to: b.shape)) }
  }
}

/// a / b elementwise (broadcasting).
public func / (a: Variable, b: Variable) -> Variable {
  let shape = broadcastShape(a, b, "div")
  let av = a.value, bv = b.value
  let c = Broadcast.apply(av, bv, shape, /)
  return Variable.result(c, .div, a, b) { dc in
    if a.requiresGrad { a.accumulate(Broadcast.reduce(Broadcast.apply(dc, bv, shape, /), to: a.shape)) }
    if b.requiresGrad {
      // db = -dc · c / b  (c = a / b)
      let t = Broadcast.apply(dc, c, shape, *)
      b.accumulate(Broadcast.reduce(Broadcast.apply(t, bv, shape) { -$0 / $1 }, to: b.shape))
    }
  }
}

/// -a.
public prefix func - (a: Variable) -> Variable {
  Variable.result(a.value.map { -$0 }, .neg, a) { dc in a.accumulate(dc.map { -$0 }) }
}

// Scalars on either side become rank-0 constants and broadcast.
public func + (a: Variable, s: Float) -> Variable { a + Variable(Tensor(scalar: s)) }
public func - (a: Variable, s: Float) -> Variable { a - Variable(Tensor(scalar: s)) }
public func * (a: Variable, s: Float) -> Variable { a * Variable(Tensor(scalar: s)) }
public func / (a: Variable, s: Float) -> Variable { a / Variable(Tensor(scalar: s)) }
public func + (s: Float, a: Variable) -> Variable { Variable(Tensor(scalar: s)) + a }
public func - (s: Float, a: Variable) -> Variable { Variable(Tensor(scalar: s)) - a }
public func * (s: Float, a: Variable) -> Variable { Variable(Tensor(scalar: s)) * a }
public func / (s: Float, a: Variable) -> Variable { Variable(Tensor(scalar: s)) / a }
