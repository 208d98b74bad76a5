// Attention, composed from recorded ops (batched matmul, broadcast add, tanh, softmax), so its
// backward pass is theirs: each line below records one op whose gradient sits next to its
// forward in Matmul.swift, Arithmetic.swift and Activations.swift. The composites are
// gradient-checked as a whole in Tests/AutogradTests/GradCasesAttention.swift and matched
// to PyTorch in TorchFixtureTests (bench/fixtures/attention.py).
//
//   dot (Luong):        score(q, k) = q · k · scale
//   additive (Bahdanau): score(q, k) = v · tanh(q·Wq + k·Wk)
//   weights = softmax over the keys of (score + bias), bias −1e9 on padded keys
//   context = weights · values

/// The bias that keeps attention off padded keys: (N, 1, Tk), 0 for a real key (mask 1) and
/// −1e9 for padding (mask 0). A row whose keys are all padding gets uniform weights.
public func attentionKeyBias(_ mask: Tensor) -> Tensor {
  precondition(mask.rank == 2, "attentionKeyBias: the mask is (N, Tk)")
  var b = Tensor.zeros([mask.shape[0], 1, mask.shape[1]])
  for i in 0..<mask.count where mask.data[i] == 0 { b.data[i] = -1e9 }
  return b
}

/// Luong's dot-product scores (N, Tq, Tk) of queries (N, Tq, D) against keys (N, Tk, D),
/// times `scale` (1 for Luong, 1/√D for scaled dot-product attention).
public func dotAttentionScores(_ q: Variable, _ k: Variable, scale: Float = 1) -> Variable {
  precondition(q.shape.count == 3 && k.shape.count == 3 && q.shape[0] == k.shape[0]
               && q.shape[2] == k.shape[2], "dotAttentionScores: (N, Tq, D) and (N, Tk, D)")
  let s = batchedMatmul(q, k, transB: true)
  return scale == 1 ? s : s * scale
}

/// Bahdanau's additive scores (N, Tq, Tk): v · tanh(q·Wq + k·Wk) for queries (N, Tq, Dq),
/// keys (N, Tk, Dk), `wq` (Dq, A), `wk` (Dk, A) and `v` (A).
public func additiveAttentionScores(_ q: Variable, _ k: Variable, wq: Variable, wk: Variable,
                                    v: Variable) -> Variable {
  let (n, tq, dq) = (q.shape[0], q.shape[1], q.shape[2])
  let (tk, dk) = (k.shape[1], k.shape[2])
  let a = wq.shape[1]
  precondition(wq.shape == [dq, a] && wk.shape == [dk, a] && v.shape == [a],
               "additiveAttentionScores: Wq (Dq, A), Wk (Dk, A), v (A)")
  let pq = matmul(q.reshaped([n * tq, dq]), wq).reshaped([n, tq, 1, a])
  let pk = matmul(k.reshaped([n * tk, dk]), wk).reshaped([n, 1, tk, a])
  let e = (pq + pk).tanh().reshaped([n * tq * tk, a])
  return matmul(e, v.reshaped([a, 1])).reshaped([n, tq, tk])
}

/// Softmax over the keys of `scores` (N, Tq, Tk), padded keys (mask 0 in `keyMask` (N, Tk))
/// left out.
public func attentionWeights(_ scores: Variable, keyMask: Tensor?) -> Variable {
  guard let m = keyMask else { return scores.softmax() }
  precondition(m.shape == [scores.shape[0], scores.shape[2]], "attentionWeights: mask (N, Tk)")
  return (scores + Variable(attentionKeyBias(m))).softmax()
}

/// The context vectors (N, Tq, Dv): `weights` (N, Tq, Tk) times `values` (N, Tk, Dv).
public func attentionContext(_ weights: Variable, _ values: Variable) -> Variable {
  batchedMatmul(weights, values)
}

/// Luong's attentional output tanh([context; h]·Wc) for context (N, T, Dv), h (N, T, D) and
/// `wc` (Dv + D, E): (N, T, E).
public func luongCombine(context c: Variable, query h: Variable, wc: Variable) -> Variable {
  let (n, t) = (h.shape[0], h.shape[1])
  let joined = concat([c, h], axis: 2).reshaped([n * t, c.shape[2] + h.shape[2]])
  return matmul(joined, wc).tanh().reshaped([n, t, wc.shape[1]])
}
