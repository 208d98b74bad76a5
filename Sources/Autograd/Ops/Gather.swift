// Embedding lookup: forward and backward side by side.
//   y[s, :] = table[idx[s], :]   : dtable[idx[s], :] += dy[s, :]   (scatter-add; the indices
//                                  get no gradient; rows never indexed are not touched)

/// Rows of `table` (V, D) picked by `indices` (float-encoded integers in 0..<V, any shape S):
/// the result has shape S + [D].
public func gather(_ table: Variable, indices: Tensor) -> Variable {
  precondition(table.shape.count == 2, "gather: table must be (V, D), got \(table.shape)")
  let v = table.shape[0], d = table.shape[1]
  let n = indices.count
  var rows = [Int](repeating: 0, count: n)
  indices.data.withUnsafeBufferPointer { ip in
    rows.withUnsafeMutableBufferPointer { rp in
      for i in 0..<n {
        let f = ip[i]
        precondition(f >= 0 && f < Float(v), "gather: index \(f) out of range 0..<\(v)")
        rp[i] = Int(f)
      }
    }
  }
  var y = Tensor.zeros(indices.shape + [d])
  table.value.data.withUnsafeBufferPointer { tp in
    y.data.withUnsafeMutableBufferPointer { yp in
      rows.withUnsafeBufferPointer { rp in
        for i in 0..<n {
          let s = rp[i] * d, o = i * d
          for j in 0..<d { yp[o + j] = tp[s + j] }
        }
      }
    }
  }
  return Variable.result(y, .gather, table) { dy in
    // The only dense allocation is the gradient buffer itself (once, when it is nil);
    // then only the used rows are written.
    dy.data.withUnsafeBufferPointer { gp in
      rows.withUnsafeBufferPointer { rp in
        table.addIntoGrad { dt in
          for i in 0..<n {
            let s = rp[i] * d, o = i * d
            for j in 0..<d { dt[s + j] += gp[o + j] }
          }
        }
      }
    }
  }
}
