// Embedding lookup: forward and backward side by side.
//   y[s, :] = table[idx[s], :]   : dtable[idx[s], :] += dy[s, :]   (scatter-add; the indices
//                                  get no gradient; rows never indexed are not touched)
//
// The engine is compiled -Ounchecked, where a precondition is not checked, so an index outside
// 0..<V must not reach a memory access: such an index (negative, ≥ V or NaN) gives a row of
// zeros and sends no gradient. Layers validate user data before this op runs and report bad
// ids as located errors (see NeuralNet's Embedding); this is the engine's last line.

/// Rows of `table` (V, D) picked by `indices` (float-encoded integers in 0..<V, any shape S):
/// the result has shape S + [D]. A fractional index is truncated toward zero; an index outside
/// 0..<V (or NaN) picks a row of zeros and gets no gradient.
public func gather(_ table: Variable, indices: Tensor) -> Variable {
  precondition(table.shape.count == 2, "gather: table must be (V, D), got \(table.shape)")
  let v = table.shape[0], d = table.shape[1]
  let n = indices.count
  let rows = gatherRows(indices, vocabulary: v)
  var y = Tensor.zeros(indices.shape + [d])
  table.value.data.withUnsafeBufferPointer { tp in
    y.data.withUnsafeMutableBufferPointer { yp in
      rows.withUnsafeBufferPointer { rp in
        for i in 0..<n where rp[i] >= 0 {
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
          for i in 0..<n where rp[i] >= 0 {
            let s = rp[i] * d, o = i * d
            for j in 0..<d { dt[s + j] += gp[o + j] }
          }
        }
      }
    }
  }
}

/// The row of each index, or −1 for an index outside 0..<`v` (or NaN).
private func gatherRows(_ indices: Tensor, vocabulary v: Int) -> [Int] {
  let n = indices.count
  var rows = [Int](repeating: -1, count: n)
  let limit = Float(v)
  indices.data.withUnsafeBufferPointer { ip in
    rows.withUnsafeMutableBufferPointer { rp in
      for i in 0..<n {
        let f = ip[i]
        if f >= 0 && f < limit { rp[i] = Int(f) }  // false for NaN
      }
    }
  }
  return rows
}
