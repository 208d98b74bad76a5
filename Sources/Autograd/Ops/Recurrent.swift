// Recurrent layers as one op per sequence (SimpleRNN, LSTM, GRU with Keras weight layout):
// forward and backward (backpropagation through time by hand) side by side. The per-step
// fused passes are in RecurrentKernels.swift.
//
// Shapes: x (N, T, F); kernel W (F, G·U); recurrent kernel R (U, G·U); bias (G·U), GRU (2, 3U)
// = rows b_in, b_rec; G = 1 (SimpleRNN), 4 (LSTM: i, f, c, o), 3 (GRU: z, r, h).
// Steps are processed in order s = 0…T−1 on time t(s) = s, or t(s) = T−1−s when `reverse`
// (outputs are written at t(s): a reversed layer's outputs line up with its inputs).
// Buffers are time-major (processing order) so every step's rows are contiguous:
//   X  (T, N, F)    x gathered: X[s] = x[:, t(s), :]
//   Z  (T, N, G·U)  X·W + b_in     — one sgemm for all steps
//   H  (T+1, N, U)  H[0] = h0, H[s+1] = h after step s;  C likewise (LSTM)
// Forward, per step s:
//   SimpleRNN, LSTM: Z[s] += Hr[s]·R   (sgemm, beta 1)     then the fused gate pass
//   GRU:             Q[s] = Hr[s]·R + b_rec  (sgemm)        then the fused gate pass
//   Hr[s] = H[s] ⊙ recurrent-dropout mask (N, U) when there is one, else H[s]
// Backward, s = T−1…0, with dh (N, U) = dL/dh(s) (and dc):
//   dh += dy[:, t(s), :]                   (outputs; not at masked steps with zero outputs)
//   fused pass → dZ[s] (GRU: dQ[s]), dh ← the direct part of dL/dh(s−1)
//   dh += (dZ[s] or dQ[s])·Rᵀ ⊙ mask       (sgemm)
//   bptt = K: dh = dc = 0 when s is a multiple of K (s > 0): the state entering each chunk
//   of K steps s = jK…jK+K−1 is detached, as when PyTorch users detach it every K steps
// Then, one sgemm each over all steps:
//   dR = Hrᵀ (U, T·N) · dZ (GRU: dQ)    dW = Xᵀ · dZ    dX = dZ · Wᵀ
//   db = column sums of dZ (GRU: rows of dZ and dQ)     dh0 = dh, dc0 = dc
// Mask (N, T) of 0/1: a masked step keeps the state (h, c) and outputs the previous output
// (Keras zero_output_for_mask=False), or zeros with `zeroMaskedOutputs`.
// One tape record per sequence: the op's outputs (output, h, c) each record a small rule that
// stores its gradient for the sequence's rule, which runs after them.

import COpenBLAS

/// Which recurrence the op runs.
public enum RecurrentCell: String, Sendable, CaseIterable {
  case simple, lstm, gru

  /// Gates per unit: 1, 4 (i, f, c, o), 3 (z, r, h).
  public var gates: Int {
    switch self { case .simple: return 1; case .lstm: return 4; case .gru: return 3 }
  }

  /// States: h, and c for an LSTM.
  public var stateCount: Int { self == .lstm ? 2 : 1 }

  var op: OpKind {
    switch self { case .simple: return .simpleRNN; case .lstm: return .lstm; case .gru: return .gru }
  }

  /// Names of the per-step values `RecurrentResult.trace` holds, in order.
  public var traceNames: [String] {
    switch self {
    case .simple: return ["hidden"]
    case .lstm: return ["input_gate", "forget_gate", "output_gate", "cell", "hidden"]
    case .gru: return ["update_gate", "reset_gate", "hidden"]
    }
  }
}

/// How a recurrent op runs.
public struct RecurrentConfig: Sendable {
  public var cell: RecurrentCell
  /// The cell's activation (the gates use the sigmoid).
  public var activation: RecurrentActivation
  /// Output every step (N, T, U), or the last one (N, U).
  public var returnSequences: Bool
  /// Process the steps from last to first (outputs stay at their steps).
  public var reverse: Bool
  /// Masked steps output zeros instead of the previous output.
  public var zeroMaskedOutputs: Bool
  /// Truncated BPTT: the state's gradient is cut every `bptt` steps (nil: full BPTT).
  public var bptt: Int?
  /// Keep the per-step values named by `cell.traceNames` (taps).
  public var keepTrace: Bool

  public init(cell: RecurrentCell, activation: RecurrentActivation = .tanh,
              returnSequences: Bool = false, reverse: Bool = false, zeroMaskedOutputs: Bool = false,
              bptt: Int? = nil, keepTrace: Bool = false) {
    self.cell = cell
    self.activation = activation
    self.returnSequences = returnSequences
    self.reverse = reverse
    self.zeroMaskedOutputs = zeroMaskedOutputs
    self.bptt = bptt
    self.keepTrace = keepTrace
  }
}

/// The op's outputs.
public struct RecurrentResult {
  /// (N, T, U) with `returnSequences`, else (N, U) = the last state h.
  public let output: Variable
  /// The final states: [h] or, for an LSTM, [h, c]; each (N, U).
  public let states: [Variable]
  /// With `keepTrace`: `cell.traceNames` → (N, T, U), batch-major in time order.
  public let trace: [(name: String, value: Tensor)]
}

/// Gradients of the op's outputs, handed from their records to the sequence's record.
private final class OutputGrads {
  var grads: [Tensor?]
  init(_ count: Int) { grads = [Tensor?](repeating: nil, count: count) }
}

/// The step buffers one forward pass fills and its backward reads.
private struct Saved {
  let xs: ScratchBuffer     // (T, N, F)
  let z: ScratchBuffer      // (T, N, G·U) gate activations
  let h: ScratchBuffer      // (T+1, N, U)
  let c: ScratchBuffer?     // (T+1, N, U) LSTM
  let tc: ScratchBuffer?    // (T, N, U) act(c), LSTM
  let q: ScratchBuffer?     // (T, N, 3U) GRU
  let hr: ScratchBuffer?    // (T, N, U) H[s] ⊙ recurrent mask
}

/// A whole recurrent layer over a sequence: `x` (N, T, F) with `kernel` (F, G·U),
/// `recurrentKernel` (U, G·U), `bias` ((G·U), GRU (2, 3U); nil for none), optional initial
/// states ([h0] or [h0, c0], each (N, U); zeros when empty), an optional `mask` (N, T) of
/// 0/1 and an optional `recurrentDropout` (N, U) multiplier applied to h(t−1) before the
/// recurrent product. See the comment at the top of this file for the exact computation.
public func recurrent(_ x: Variable, kernel: Variable, recurrentKernel: Variable, bias: Variable?,
                      initialStates: [Variable] = [], mask: Tensor? = nil,
                      recurrentDropout: Tensor? = nil, _ cfg: RecurrentConfig) -> RecurrentResult {
  let cell = cfg.cell, gates = cell.gates
  precondition(x.shape.count == 3, "recurrent: x must be (N, T, F), got \(x.shape)")
  let (n, t, f) = (x.shape[0], x.shape[1], x.shape[2])
  precondition(recurrentKernel.shape.count == 2 && recurrentKernel.shape[1] % gates == 0,
               "recurrent: recurrent kernel \(recurrentKernel.shape)")
  let u = recurrentKernel.shape[0], gu = gates * u
  precondition(kernel.shape == [f, gu] && recurrentKernel.shape == [u, gu],
               "recurrent: kernel \(kernel.shape), recurrent kernel \(recurrentKernel.shape) for x \(x.shape)")
  if let bias { precondition(bias.shape == (cell == .gru ? [2, gu] : [gu]), "recurrent: bias \(bias.shape)") }
  precondition(initialStates.isEmpty || (initialStates.count == cell.stateCount
                 && initialStates.allSatisfy { $0.shape == [n, u] }), "recurrent: initial states")
  if let mask { precondition(mask.shape == [n, t], "recurrent: mask \(mask.shape) ≠ [\(n), \(t)]") }
  if let recurrentDropout { precondition(recurrentDropout.shape == [n, u], "recurrent: dropout mask") }
  if let k = cfg.bptt { precondition(k >= 1, "recurrent: bptt \(k)") }

  let tm = { (s: Int) in cfg.reverse ? t - 1 - s : s }
  let saved = Saved(xs: ScratchBuffer(count: t * n * f), z: ScratchBuffer(count: t * n * gu),
                    h: ScratchBuffer(count: (t + 1) * n * u),
                    c: cell == .lstm ? ScratchBuffer(count: (t + 1) * n * u) : nil,
                    tc: cell == .lstm ? ScratchBuffer(count: t * n * u) : nil,
                    q: cell == .gru ? ScratchBuffer(count: t * n * gu) : nil,
                    hr: recurrentDropout == nil ? nil : ScratchBuffer(count: t * n * u))
  forwardSteps(x.value, kernel.value, recurrentKernel.value, bias?.value, initialStates.map(\.value),
               mask, recurrentDropout, cfg, saved, n: n, t: t, f: f, u: u, tm: tm)

  // Outputs.
  let hT = copyRows(saved.h.base + t * n * u, n * u, [n, u])
  let cT = saved.c.map { copyRows($0.base + t * n * u, n * u, [n, u]) }
  let y = cfg.returnSequences
    ? sequenceOutput(saved.h, mask, cfg.zeroMaskedOutputs, n: n, t: t, u: u, tm: tm) : hT
  let trace = cfg.keepTrace ? makeTrace(cell, saved, n: n, t: t, u: u, tm: tm) : []

  let tape = Tape.current
  var inputs = [x, kernel, recurrentKernel] + initialStates
  if let bias { inputs.append(bias) }
  let needs = tape.recording && inputs.contains { $0.requiresGrad }
  let out = Variable(y, op: cell.op, requiresGrad: needs)
  let states = [Variable(hT, op: cell.op, requiresGrad: needs)]
    + (cT.map { [Variable($0, op: cell.op, requiresGrad: needs)] } ?? [])
  guard needs else { return RecurrentResult(output: out, states: states, trace: trace) }

  let grads = OutputGrads(1 + states.count)
  let anchor = Variable(Tensor(unchecked: [0], []), op: cell.op, requiresGrad: true)
  let (kv, rv) = (kernel.value, recurrentKernel.value)
  tape.record(anchor) { _ in
    backwardSteps(grads.grads, x: x, kernel: kernel, kv: kv, recurrentKernel: recurrentKernel, rv: rv,
                  bias: bias, initialStates: initialStates, mask: mask, rd: recurrentDropout,
                  cfg, saved, n: n, t: t, f: f, u: u, tm: tm)
  }
  for (i, v) in ([out] + states).enumerated() {
    tape.record(v) { g in
      grads.grads[i] = g
      if anchor.grad == nil { anchor.grad = Tensor(unchecked: [0], []) }
    }
  }
  return RecurrentResult(output: out, states: states, trace: trace)
}

// MARK: forward

/// Runs `body` with a tensor's storage (a stand-in pointer for an empty tensor: sizes are 0).
@inline(__always)
func withBase<R>(_ t: Tensor, _ body: (UnsafePointer<Float>) -> R) -> R {
  t.data.withUnsafeBufferPointer { body($0.baseAddress ?? UnsafePointer(emptyStorage)) }
}

/// Runs `body` with an optional tensor's storage (nil without one).
@inline(__always)
func withOptionalBase<R>(_ t: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
  guard let t else { return body(nil) }
  return withBase(t) { body($0) }
}

private func forwardSteps(_ x: Tensor, _ w: Tensor, _ r: Tensor, _ bias: Tensor?, _ h0: [Tensor],
                          _ mask: Tensor?, _ rd: Tensor?, _ cfg: RecurrentConfig, _ sv: Saved,
                          n: Int, t: Int, f: Int, u: Int, tm: (Int) -> Int) {
  let gu = cfg.cell.gates * u, nu = n * u
  let chunks = RecurrentThreads.rowChunks(n: n, work: t * n * gu * u)
  let split = chunks.count > 1
  withBase(x) { xp in
    for s in 0..<t {  // X[s] = x[:, t(s), :]
      let ts = tm(s)
      for row in 0..<n { (sv.xs.base + (s * n + row) * f).update(from: xp + (row * t + ts) * f, count: f) }
    }
  }
  // Initial states.
  if h0.isEmpty {
    sv.h.base.update(repeating: 0, count: nu)
    sv.c?.base.update(repeating: 0, count: nu)
  } else {
    withBase(h0[0]) { sv.h.base.update(from: $0, count: nu) }
    if let c = sv.c, h0.count > 1 { withBase(h0[1]) { c.base.update(from: $0, count: nu) } }
  }
  RecurrentThreads.singleThreadedBLAS(split: split, stepMACs: n * gu * u) {
    // Z = X·W + b_in (one product for all steps).
    withBase(w) { wp in
      RecurrentThreads.gemm(split: split, transA: false, transB: false, m: t * n, n: gu, k: f,
                            a: sv.xs.base, b: wp, beta: 0, c: sv.z.base)
    }
    if let bias { withBase(bias) { addRows(sv.z.base, rows: t * n, $0, gu) } }
    withBase(r) { rb in
      withOptionalBase(mask) { mp in
        withOptionalBase(rd) { rdp in
          withOptionalBase(bias) { bp in
            RecurrentThreads.forEach(chunks) { rows in
              forwardRows(rows, rb: rb, brec: cfg.cell == .gru ? bp.map { $0 + gu } : nil, mp: mp, rdp: rdp,
                          cfg, sv, n: n, t: t, u: u, tm: tm)
            }
          }
        }
      }
    }
  }
}

/// The step loop on the batch rows `rows` (independent of the other rows).
private func forwardRows(_ rows: Range<Int>, rb: UnsafePointer<Float>, brec: UnsafePointer<Float>?,
                         mp: UnsafePointer<Float>?, rdp: UnsafePointer<Float>?, _ cfg: RecurrentConfig,
                         _ sv: Saved, n: Int, t: Int, u: Int, tm: (Int) -> Int) {
  let gu = cfg.cell.gates * u, nu = n * u, m = rows.count, r0 = rows.lowerBound
  for s in 0..<t {
    let hp = sv.h.base + s * nu + r0 * u
    let hr = recurrentInput(hp, rdp.map { $0 + r0 * u }, sv.hr.map { $0.base + s * nu + r0 * u }, count: m * u)
    var b = StepBuffers(z: sv.z.base + (s * n + r0) * gu, hp: hp, h: hp + nu)
    if let c = sv.c { b.cp = UnsafePointer(c.base + s * nu + r0 * u); b.c = c.base + (s + 1) * nu + r0 * u }
    b.tc = sv.tc.map { $0.base + s * nu + r0 * u }
    b.mask = mp.map { $0 + r0 * t + tm(s) }
    b.maskStride = t
    switch cfg.cell {
    case .simple:
      BLAS.gemm(transA: false, transB: false, m: m, n: gu, k: u, a: hr, b: rb, beta: 1, c: b.z)
      RecurrentKernels.simpleStep(b, n: m, u: u, cfg.activation)
    case .lstm:
      BLAS.gemm(transA: false, transB: false, m: m, n: gu, k: u, a: hr, b: rb, beta: 1, c: b.z)
      RecurrentKernels.lstmStep(b, n: m, u: u, cfg.activation)
    case .gru:
      guard let q = sv.q else { return }
      let qs = q.base + (s * n + r0) * gu
      BLAS.gemm(transA: false, transB: false, m: m, n: gu, k: u, a: hr, b: rb, c: qs)
      b.q = qs
      RecurrentKernels.gruStep(b, brec: brec, n: m, u: u, cfg.activation)
    }
  }
}

/// h(t−1) as the recurrent product reads it: itself, or ⊙ the recurrent-dropout mask
/// (written to `out`, kept for the kernel's gradient).
private func recurrentInput(_ hp: UnsafePointer<Float>, _ rd: UnsafePointer<Float>?,
                            _ out: UnsafeMutablePointer<Float>?, count: Int) -> UnsafePointer<Float> {
  guard let rd, let out else { return hp }
  for i in 0..<count { out[i] = hp[i] * rd[i] }
  return UnsafePointer(out)
}

/// rows × cols of `p` += `row` (broadcast over rows).
private func addRows(_ p: UnsafeMutablePointer<Float>, rows: Int, _ row: UnsafePointer<Float>, _ cols: Int) {
  for r in 0..<rows {
    let d = p + r * cols
    for j in 0..<cols { d[j] += row[j] }
  }
}

private func copyRows(_ p: UnsafePointer<Float>, _ count: Int, _ shape: [Int]) -> Tensor {
  Tensor(unchecked: shape, [Float](unsafeUninitializedCapacity: count) { buf, c in
    if let b = buf.baseAddress { b.update(from: p, count: count) }
    c = count
  })
}

/// (N, T, U) outputs from H: y[:, t(s), :] = H[s+1], or zeros at masked steps.
private func sequenceOutput(_ h: ScratchBuffer, _ mask: Tensor?, _ zeroMasked: Bool,
                            n: Int, t: Int, u: Int, tm: (Int) -> Int) -> Tensor {
  var y = Tensor.uninitialized([n, t, u])
  let zero = zeroMasked ? mask : nil
  y.data.withUnsafeMutableBufferPointer { yp in
    guard let yb = yp.baseAddress else { return }
    for s in 0..<t {
      let ts = tm(s)
      for row in 0..<n {
        let dst = yb + (row * t + ts) * u
        if let zero, zero.data[row * t + ts] == 0 { dst.update(repeating: 0, count: u); continue }
        dst.update(from: h.base + ((s + 1) * n + row) * u, count: u)
      }
    }
  }
  return y
}

/// The per-step values named by `cell.traceNames`, batch-major (N, T, U) in time order.
private func makeTrace(_ cell: RecurrentCell, _ sv: Saved, n: Int, t: Int, u: Int,
                       tm: (Int) -> Int) -> [(name: String, value: Tensor)] {
  let gu = cell.gates * u
  func gather(_ base: UnsafePointer<Float>, rowStride: Int, stepStride: Int) -> Tensor {
    var out = Tensor.uninitialized([n, t, u])
    out.data.withUnsafeMutableBufferPointer { op in
      guard let ob = op.baseAddress else { return }
      for s in 0..<t {
        for row in 0..<n {
          (ob + (row * t + tm(s)) * u).update(from: base + s * stepStride + row * rowStride, count: u)
        }
      }
    }
    return out
  }
  let z = UnsafePointer(sv.z.base), hidden = gather(sv.h.base + n * u, rowStride: u, stepStride: n * u)
  switch cell {
  case .simple: return [("hidden", hidden)]
  case .lstm:
    let cells = sv.c.map { gather($0.base + n * u, rowStride: u, stepStride: n * u) } ?? hidden
    return [("input_gate", gather(z, rowStride: gu, stepStride: n * gu)),
            ("forget_gate", gather(z + u, rowStride: gu, stepStride: n * gu)),
            ("output_gate", gather(z + 3 * u, rowStride: gu, stepStride: n * gu)),
            ("cell", cells), ("hidden", hidden)]
  case .gru:
    return [("update_gate", gather(z, rowStride: gu, stepStride: n * gu)),
            ("reset_gate", gather(z + u, rowStride: gu, stepStride: n * gu)), ("hidden", hidden)]
  }
}

// MARK: backward

/// BPTT over the saved steps: `g` holds the gradients of [output, h, c] (nil: none reached it).
private func backwardSteps(_ g: [Tensor?], x: Variable, kernel: Variable, kv: Tensor,
                           recurrentKernel: Variable, rv: Tensor, bias: Variable?,
                           initialStates: [Variable], mask: Tensor?, rd: Tensor?,
                           _ cfg: RecurrentConfig, _ sv: Saved,
                           n: Int, t: Int, f: Int, u: Int, tm: (Int) -> Int) {
  let cell = cfg.cell, gu = cell.gates * u, nu = n * u
  let chunks = RecurrentThreads.rowChunks(n: n, work: t * n * gu * u)
  let split = chunks.count > 1
  let dz = ScratchBuffer(count: t * n * gu)
  let dq: ScratchBuffer? = cell == .gru ? ScratchBuffer(count: t * n * gu) : nil
  let tmp: ScratchBuffer? = rd == nil ? nil : ScratchBuffer(count: nu)
  var dh = [Float](repeating: 0, count: nu)
  var dc = [Float](repeating: 0, count: cell == .lstm ? nu : 0)
  if g.count > 1, let gh = g[1] { add(gh, into: &dh) }
  if g.count > 2, let gc = g[2] { add(gc, into: &dc) }
  if !cfg.returnSequences, let gy = g[0] { add(gy, into: &dh) }
  let gy = cfg.returnSequences ? g[0] : nil
  RecurrentThreads.singleThreadedBLAS(split: split, stepMACs: n * gu * u) {
    withBase(rv) { rb in
      withOptionalBase(mask) { mp in
        withOptionalBase(rd) { rdp in
          withOptionalBase(gy) { gyp in
            dh.withUnsafeMutableBufferPointer { dhb in
              dc.withUnsafeMutableBufferPointer { dcb in
                guard let dhp = dhb.baseAddress else { return }
                let dcp = cell == .lstm ? dcb.baseAddress : nil  // (an empty array's base is not nil)
                RecurrentThreads.forEach(chunks) { rows in
                  backwardRows(rows, rb: rb, mp: mp, rdp: rdp, gyp: gyp, dh: dhp, dc: dcp,
                               dz: dz.base, dq: dq?.base, tmp: tmp?.base, cfg, sv, n: n, t: t, u: u, tm: tm)
                }
              }
            }
          }
        }
      }
    }
    parameterGrads(kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, sv, dz: dz, dq: dq,
                   rows: t * n, f: f, u: u, gu: gu, split: split)
    if x.requiresGrad { inputGrad(x, kv, sv, dz: dz, n: n, t: t, f: f, gu: gu, split: split, tm: tm) }
  }
  if let h0 = initialStates.first { h0.accumulate(Tensor(unchecked: [n, u], dh)) }
  if initialStates.count > 1 { initialStates[1].accumulate(Tensor(unchecked: [n, u], dc)) }
}

/// The backward step loop on the batch rows `rows`: their rows of dh, dc (all N rows' buffers
/// given), and of every step's dZ (GRU: and dQ).
private func backwardRows(_ rows: Range<Int>, rb: UnsafePointer<Float>, mp: UnsafePointer<Float>?,
                          rdp: UnsafePointer<Float>?, gyp: UnsafePointer<Float>?,
                          dh: UnsafeMutablePointer<Float>, dc: UnsafeMutablePointer<Float>?,
                          dz: UnsafeMutablePointer<Float>, dq: UnsafeMutablePointer<Float>?,
                          tmp: UnsafeMutablePointer<Float>?, _ cfg: RecurrentConfig, _ sv: Saved,
                          n: Int, t: Int, u: Int, tm: (Int) -> Int) {
  let cell = cfg.cell, gu = cell.gates * u, nu = n * u, m = rows.count, r0 = rows.lowerBound
  let dhp = dh + r0 * u, dcp = dc.map { $0 + r0 * u }, tmpr = tmp.map { $0 + r0 * u }
  for s in stride(from: t - 1, through: 0, by: -1) {
    let ts = tm(s)
    if let gyp {  // dh += dy[:, t(s), :] (not where a masked step output zeros)
      for row in rows {
        if cfg.zeroMaskedOutputs, let mp, mp[row * t + ts] == 0 { continue }
        let src = gyp + (row * t + ts) * u, dst = dh + row * u
        for j in 0..<u { dst[j] += src[j] }
      }
    }
    let hp = sv.h.base + s * nu + r0 * u
    var b = StepBuffers(z: sv.z.base + (s * n + r0) * gu, hp: hp, h: hp + nu)
    if let c = sv.c { b.cp = UnsafePointer(c.base + s * nu + r0 * u); b.c = c.base + (s + 1) * nu + r0 * u }
    b.tc = sv.tc.map { $0.base + s * nu + r0 * u }
    b.q = sv.q.map { $0.base + (s * n + r0) * gu }
    b.mask = mp.map { $0 + r0 * t + ts }
    b.maskStride = t
    let dzs = dz + (s * n + r0) * gu
    switch cell {
    case .simple: RecurrentKernels.simpleBack(b, dz: dzs, dh: dhp, n: m, u: u, cfg.activation)
    case .lstm:
      guard let dcp else { return }
      RecurrentKernels.lstmBack(b, dz: dzs, dh: dhp, dc: dcp, n: m, u: u, cfg.activation)
    case .gru:
      guard let dq else { return }
      RecurrentKernels.gruBack(b, dz: dzs, dq: dq + (s * n + r0) * gu, dh: dhp, n: m, u: u, cfg.activation)
    }
    // dh(t−1) += (dZ[s] or dQ[s]) · Rᵀ ⊙ recurrent mask
    let back = (dq ?? dz) + (s * n + r0) * gu
    if let rdp, let tmpr {
      BLAS.gemm(transA: false, transB: true, m: m, n: u, k: gu, a: back, b: rb, c: tmpr)
      let rdr = rdp + r0 * u
      for i in 0..<(m * u) { dhp[i] += tmpr[i] * rdr[i] }
    } else {
      BLAS.gemm(transA: false, transB: true, m: m, n: u, k: gu, a: back, b: rb, beta: 1, c: dhp)
    }
    if let k = cfg.bptt, s > 0, s % k == 0 {  // truncation: detach the state
      dhp.update(repeating: 0, count: m * u)
      dcp?.update(repeating: 0, count: m * u)
    }
  }
}

/// dR = Hrᵀ·dZ (GRU: dQ), dW = Xᵀ·dZ, db = column sums of dZ (GRU: and of dQ, second row).
private func parameterGrads(kernel: Variable, recurrentKernel: Variable, bias: Variable?, _ sv: Saved,
                            dz: ScratchBuffer, dq: ScratchBuffer?, rows: Int, f: Int, u: Int, gu: Int,
                            split: Bool) {
  let dzp = UnsafePointer(dz.base)
  /// v's gradient += aᵀ·b (m×n, inner k), the columns cut in two when `split`.
  func intoGrad(_ v: Variable, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, m: Int, n: Int, k: Int) {
    let fresh = v.grad == nil
    var g = v.grad ?? Tensor.uninitialized(v.shape)
    v.grad = nil  // keep the buffer uniquely referenced: no copy-on-write
    g.data.withUnsafeMutableBufferPointer { gp in
      if let gb = gp.baseAddress {
        RecurrentThreads.gemm(split: split, transA: true, transB: false, m: m, n: n, k: k, a: a, b: b,
                              beta: fresh ? 0 : 1, c: gb)
      }
    }
    v.grad = g
  }
  if recurrentKernel.requiresGrad {
    let hr = UnsafePointer(sv.hr?.base ?? sv.h.base)  // H[0..T) = the first T·N rows
    intoGrad(recurrentKernel, hr, UnsafePointer(dq?.base ?? dz.base), m: u, n: gu, k: rows)
  }
  if kernel.requiresGrad { intoGrad(kernel, UnsafePointer(sv.xs.base), dzp, m: f, n: gu, k: rows) }
  if let bias, bias.requiresGrad {
    bias.addIntoGrad { db in
      columnSums(dzp, rows: rows, f: gu, into: db)
      if let dq { columnSums(UnsafePointer(dq.base), rows: rows, f: gu, into: db + gu) }
    }
  }
}

/// dX = dZ·Wᵀ (T·N, F), scattered back to x's (N, T, F) layout.
private func inputGrad(_ x: Variable, _ w: Tensor, _ sv: Saved, dz: ScratchBuffer,
                       n: Int, t: Int, f: Int, gu: Int, split: Bool, tm: (Int) -> Int) {
  let dxs = ScratchBuffer(count: t * n * f)
  withBase(w) { wp in
    RecurrentThreads.gemm(split: split, transA: false, transB: true, m: t * n, n: f, k: gu,
                          a: dz.base, b: wp, beta: 0, c: dxs.base)
  }
  x.addIntoGrad { dx in
    for s in 0..<t {
      let ts = tm(s)
      for row in 0..<n {
        let src = dxs.base + (s * n + row) * f, dst = dx + (row * t + ts) * f
        for j in 0..<f { dst[j] += src[j] }
      }
    }
  }
}

/// a += b, elementwise (same counts).
private func add(_ b: Tensor, into a: inout [Float]) {
  let m = Swift.min(a.count, b.count)
  b.data.withUnsafeBufferPointer { bp in for i in 0..<m { a[i] += bp[i] } }
}
