// Matrix products on cblas_sgemm: forward and backward side by side.
//
// C = op(A) · op(B), op(X) = X or Xᵀ.
//   C = A B    : dA = dC Bᵀ     dB = Aᵀ dC
//   C = Aᵀ B   : dA = B dCᵀ     dB = A dC
//   C = A Bᵀ   : dA = dC B      dB = dCᵀ A
//   C = Aᵀ Bᵀ  : dA = Bᵀ dCᵀ    dB = dCᵀ Aᵀ
// Gradients are written by sgemm straight into the existing gradient buffer (beta = 1) when
// there is one, so accumulation costs no extra pass.

/// The product of two matrices, either side optionally transposed.
/// a: (m, k) or (k, m) when `transA`; b: (k, n) or (n, k) when `transB`; result (m, n).
public func matmul(_ a: Variable, _ b: Variable, transA: Bool = false, transB: Bool = false)
  -> Variable {
  precondition(a.shape.count == 2 && b.shape.count == 2, "matmul: operands must be 2-D")
  let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
  let (k2, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
  precondition(k == k2, "matmul: inner sizes differ, \(a.shape) · \(b.shape)")
  let c = gemm(a.value, transA, b.value, transB, m: m, n: n, k: k)
  let av = a.value, bv = b.value
  return Variable.result(c, .matmul, a, b) { dC in
    if a.requiresGrad {
      // dA has a's stored shape.
      switch (transA, transB) {
      case (false, false): accumulateGemm(into: a, dC, false, bv, true, m: m, n: k, k: n)
      case (false, true): accumulateGemm(into: a, dC, false, bv, false, m: m, n: k, k: n)
      case (true, false): accumulateGemm(into: a, bv, false, dC, true, m: k, n: m, k: n)
      case (true, true): accumulateGemm(into: a, bv, true, dC, true, m: k, n: m, k: n)
      }
    }
    if b.requiresGrad {
      switch (transA, transB) {
      case (false, false): accumulateGemm(into: b, av, true, dC, false, m: k, n: n, k: m)
      case (true, false): accumulateGemm(into: b, av, false, dC, false, m: k, n: n, k: m)
      case (false, true): accumulateGemm(into: b, dC, true, av, false, m: n, n: k, k: m)
      case (true, true): accumulateGemm(into: b, dC, true, av, true, m: n, n: k, k: m)
      }
    }
  }
}

/// x·W + bias, the bias (n) added to every row of the (m, n) product: one op for what
/// `matmul(x, w) + bias` records as two, with the same arithmetic (the bias is added to the
/// finished product; its gradient is the column sums of dC, taken before x's and W's).
/// x: (m, k), w: (k, n), bias: (n).
public func matmul(_ x: Variable, _ w: Variable, bias: Variable) -> Variable {
  precondition(x.shape.count == 2 && w.shape.count == 2, "matmul: operands must be 2-D")
  let (m, k, n) = (x.shape[0], x.shape[1], w.shape[1])
  precondition(k == w.shape[0], "matmul: inner sizes differ, \(x.shape) · \(w.shape)")
  precondition(bias.shape == [n], "matmul: bias \(bias.shape) for \(n) columns")
  var c = gemm(x.value, false, w.value, false, m: m, n: n, k: k)
  addRows(&c, bias.value, columns: n)
  // Backward keeps each operand only when the other one needs its gradient.
  let xv = w.requiresGrad ? x.value : nil, wv = x.requiresGrad ? w.value : nil
  return Variable.result(c, .matmul, x, w, bias) { dC in
    if bias.requiresGrad { bias.accumulate(Broadcast.reduce(dC, to: bias.shape)) }
    if let wv { accumulateGemm(into: x, dC, false, wv, true, m: m, n: k, k: n) }
    if let xv { accumulateGemm(into: w, xv, true, dC, false, m: k, n: n, k: m) }
  }
}

/// c[i, j] += row[j] for every row i of `c` (`columns` wide).
func addRows(_ c: inout Tensor, _ row: Tensor, columns n: Int) {
  c.data.withUnsafeMutableBufferPointer { o in
    row.data.withUnsafeBufferPointer { r in
      var i = 0
      while i < o.count {
        for j in 0..<n { o[i + j] = o[i + j] + r[j] }
        i += n
      }
    }
  }
}

/// A batch of matrix products: a (B, m, k), b (B, k, n) → (B, m, n), with the same
/// transposition options as `matmul` applied to each matrix of the batch.
public func batchedMatmul(_ a: Variable, _ b: Variable, transA: Bool = false,
                          transB: Bool = false) -> Variable {
  precondition(a.shape.count == 3 && b.shape.count == 3 && a.shape[0] == b.shape[0],
               "batchedMatmul: operands must be (B, ·, ·) with the same B")
  let batch = a.shape[0]
  let (m, k) = transA ? (a.shape[2], a.shape[1]) : (a.shape[1], a.shape[2])
  let (k2, n) = transB ? (b.shape[2], b.shape[1]) : (b.shape[1], b.shape[2])
  precondition(k == k2, "batchedMatmul: inner sizes differ, \(a.shape) · \(b.shape)")
  var c = Tensor.uninitialized([batch, m, n])  // every matrix written with beta = 0
  let av = a.value, bv = b.value
  let sa = m * k, sb = k * n, sc = m * n
  withPointers(av, bv, &c) { pa, pb, pc in
    for i in 0..<batch {
      BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k,
                a: pa + i * sa, b: pb + i * sb, c: pc + i * sc)
    }
  }
  return Variable.result(c, .batchedMatmul, a, b) { dC in
    if a.requiresGrad {
      var dA = a.grad ?? Tensor.zeros(a.shape)
      a.grad = nil  // unique buffer: no copy-on-write
      withPointers(bv, dC, &dA) { pb, pg, pd in
        for i in 0..<batch {
          let (x, y) = (pb + i * sb, pg + i * sc)
          let d = pd + i * sa
          switch (transA, transB) {
          case (false, false): BLAS.gemm(transA: false, transB: true, m: m, n: k, k: n, a: y, b: x, beta: 1, c: d)
          case (false, true): BLAS.gemm(transA: false, transB: false, m: m, n: k, k: n, a: y, b: x, beta: 1, c: d)
          case (true, false): BLAS.gemm(transA: false, transB: true, m: k, n: m, k: n, a: x, b: y, beta: 1, c: d)
          case (true, true): BLAS.gemm(transA: true, transB: true, m: k, n: m, k: n, a: x, b: y, beta: 1, c: d)
          }
        }
      }
      a.grad = dA
    }
    if b.requiresGrad {
      var dB = b.grad ?? Tensor.zeros(b.shape)
      b.grad = nil
      withPointers(av, dC, &dB) { pa, pg, pd in
        for i in 0..<batch {
          let (x, y) = (pa + i * sa, pg + i * sc)
          let d = pd + i * sb
          switch (transA, transB) {
          case (false, false): BLAS.gemm(transA: true, transB: false, m: k, n: n, k: m, a: x, b: y, beta: 1, c: d)
          case (true, false): BLAS.gemm(transA: false, transB: false, m: k, n: n, k: m, a: x, b: y, beta: 1, c: d)
          case (false, true): BLAS.gemm(transA: true, transB: false, m: n, n: k, k: m, a: y, b: x, beta: 1, c: d)
          case (true, true): BLAS.gemm(transA: true, transB: true, m: n, n: k, k: m, a: y, b: x, beta: 1, c: d)
          }
        }
      }
      b.grad = dB
    }
  }
}

/// op(x) · op(y) into a new (m, n) tensor.
@usableFromInline
func gemm(_ x: Tensor, _ tx: Bool, _ y: Tensor, _ ty: Bool, m: Int, n: Int, k: Int) -> Tensor {
  var c = Tensor.uninitialized([m, n])  // written whole by sgemm with beta = 0
  withPointers(x, y, &c) { px, py, pc in
    BLAS.gemm(transA: tx, transB: ty, m: m, n: n, k: k, a: px, b: py, c: pc)
  }
  return c
}

/// v.grad += op(x) · op(y), written by sgemm into the gradient buffer.
@usableFromInline
func accumulateGemm(into v: Variable, _ x: Tensor, _ tx: Bool, _ y: Tensor, _ ty: Bool,
                    m: Int, n: Int, k: Int) {
  let fresh = v.grad == nil
  var g = v.grad ?? Tensor.uninitialized(v.shape)  // fresh: written whole with beta = 0
  v.grad = nil  // keep the buffer uniquely referenced: no copy-on-write
  withPointers(x, y, &g) { px, py, pg in
    BLAS.gemm(transA: tx, transB: ty, m: m, n: n, k: k, a: px, b: py,
              beta: fresh ? 0 : 1, c: pg)
  }
  v.grad = g
}

/// Runs `body` with the storage of two inputs and one output.
@inlinable
func withPointers<R>(_ x: Tensor, _ y: Tensor, _ out: inout Tensor,
                     _ body: (UnsafePointer<Float>, UnsafePointer<Float>,
                              UnsafeMutablePointer<Float>) -> R) -> R {
  x.data.withUnsafeBufferPointer { px in
    y.data.withUnsafeBufferPointer { py in
      out.data.withUnsafeMutableBufferPointer { po in
        // Empty tensors have nil base addresses; sizes are then 0 and nothing is read.
        body(px.baseAddress ?? UnsafePointer(emptyStorage),
             py.baseAddress ?? UnsafePointer(emptyStorage), po.baseAddress ?? emptyStorage)
      }
    }
  }
}

/// A one-element buffer standing in for the storage of empty tensors.
@usableFromInline nonisolated(unsafe) let emptyStorage = UnsafeMutablePointer<Float>.allocate(capacity: 1)
