import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import Autograd

/// Properties of the recurrent op beyond its gradient checks (GradCasesRecurrent.swift).
@Suite("Recurrent op")
struct RecurrentOpTests {
  /// Columns `range` of a (N, T) mask.
  static func maskSlice(_ m: Tensor, _ range: Range<Int>) -> Tensor {
    let (n, t) = (m.shape[0], m.shape[1])
    var data: [Float] = []
    for row in 0..<n { for s in range { data.append(m.data[row * t + s]) } }
    return Tensor(shape: [n, range.count], data: data)
  }

  /// The op run chunk by chunk (K steps each) with every chunk's initial state a constant
  /// computed from the unperturbed inputs `base`: the computation truncated BPTT differentiates.
  static func chunked(_ v: [Variable], base: [Tensor], cell: RecurrentCell, k: Int, seq: Bool,
                      mask: Tensor?) -> Variable {
    let (n, t, _, u) = GradCases.recurrentSizes
    var outputs: [Variable] = []
    var last: RecurrentResult?
    var start = 0
    while start < t {
      let range = start..<Swift.min(start + k, t)
      let initial: [Variable] = start == 0 ? [] : withoutGrad {
        let prefix = Variable(base[0]).slice(axis: 1, 0..<start)
        let r = recurrent(prefix, kernel: Variable(base[1]), recurrentKernel: Variable(base[2]),
                          bias: Variable(base[3]), mask: mask.map { maskSlice($0, 0..<start) },
                          RecurrentConfig(cell: cell))
        return r.states.map { Variable($0.value) }
      }
      let r = recurrent(v[0].slice(axis: 1, range), kernel: v[1], recurrentKernel: v[2], bias: v[3],
                        initialStates: initial, mask: mask.map { maskSlice($0, range) },
                        RecurrentConfig(cell: cell, returnSequences: seq))
      outputs.append(r.output)
      last = r
      start = range.upperBound
    }
    guard let last else { preconditionFailure("no steps") }
    let output = seq ? concat(outputs, axis: 1) : last.output
    return concat(([output] + last.states).map { $0.reshaped([n, -1]) }, axis: 1)
  }

  static let bpttConfigs: [(cell: RecurrentCell, k: Int, seq: Bool, mask: Bool)] =
    RecurrentCell.allCases.flatMap { c in [(c, 2, true, false), (c, 3, false, true), (c, 2, true, true)] }

  @Test("bptt=K matches finite differences of the computation detached every K steps",
        arguments: 0..<bpttConfigs.count)
  func truncatedBPTT(_ i: Int) {
    let c = Self.bpttConfigs[i]
    let (n, t, _, u) = GradCases.recurrentSizes
    let (inputs, m, _) = GradCases.recurrentInputs(c.cell, mask: c.mask, initial: false, dropout: false)
    let cfg = RecurrentConfig(cell: c.cell, returnSequences: c.seq, bptt: c.k)
    let op = GradCase(op: c.cell.op, label: "bptt", inputs: inputs, differentiable: [0, 1, 2, 3]) { v in
      GradCases.joined(recurrent(v[0], kernel: v[1], recurrentKernel: v[2], bias: v[3], mask: m, cfg),
                       n: n, t: t, u: u)
    }
    let reference = GradCase(op: c.cell.op, label: "chunked", inputs: inputs, differentiable: [0, 1, 2, 3]) { v in
      Self.chunked(v, base: inputs, cell: c.cell, k: c.k, seq: c.seq, mask: m)
    }
    // Same forward values.
    let y1 = withoutGrad { op.f(inputs.map { Variable($0) }).value }
    let y2 = withoutGrad { reference.f(inputs.map { Variable($0) }).value }
    #expect(y1.shape == y2.shape)
    #expect(zip(y1.data, y2.data).allSatisfy { abs($0 - $1) < 1e-5 })
    let analytic = analyticGrads(op)
    for k in 0..<4 {
      let num = numericGrad(reference, input: k)
      guard let a = analytic[k] else { Issue.record("input \(k): no gradient"); continue }
      let bad = (0..<num.count).filter { abs(Double(a.data[$0]) - Double(num.data[$0])) > 3e-3 + 3e-2 * abs(Double(num.data[$0])) }
      #expect(bad.isEmpty, "\(c.cell) bptt=\(c.k) input \(k): \(bad.prefix(4).map { "\(a.data[$0]) vs \(num.data[$0])" })")
    }
    // Truncation changes the input gradient of early steps (the check is not vacuous).
    let full = analyticGrads(GradCase(op: c.cell.op, label: "full", inputs: inputs, differentiable: [0]) { v in
      GradCases.joined(recurrent(v[0], kernel: v[1], recurrentKernel: v[2], bias: v[3], mask: m,
                                 RecurrentConfig(cell: c.cell, returnSequences: c.seq)), n: n, t: t, u: u)
    })
    if let a = analytic[0], let b = full[0] {
      #expect(zip(a.data, b.data).contains { abs($0 - $1) > 1e-4 })
    }
  }

  static func weights(_ cell: RecurrentCell, f: Int, u: Int) -> (Variable, Variable, Variable) {
    let g = cell.gates * u
    return (Variable(testTensor([f, g], seed: 41, lo: -0.6, hi: 0.6), requiresGrad: true),
            Variable(testTensor([u, g], seed: 42, lo: -0.6, hi: 0.6), requiresGrad: true),
            Variable(testTensor(cell == .gru ? [2, g] : [g], seed: 43, lo: -0.5, hi: 0.5), requiresGrad: true))
  }

  @Test("one record per sequence, whatever its length", arguments: RecurrentCell.allCases)
  func oneRecord(_ cell: RecurrentCell) {
    var counts: [Int] = []
    for t in [3, 12] {
      Tape.current.reset()
      let (w, r, b) = Self.weights(cell, f: 2, u: 4)
      let x = Variable(testTensor([2, t, 2]), requiresGrad: true)
      _ = recurrent(x, kernel: w, recurrentKernel: r, bias: b, RecurrentConfig(cell: cell, returnSequences: true))
      counts.append(Tape.current.count)
      Tape.current.reset()
    }
    // The sequence's rule plus one small rule per output (sequence, h, and c for an LSTM).
    #expect(counts == [2 + cell.stateCount, 2 + cell.stateCount])
  }

  @Test("trailing padding gives the shorter sequence's state; masked outputs repeat or are zero",
        arguments: RecurrentCell.allCases)
  func maskedPadding(_ cell: RecurrentCell) {
    let (w, r, b) = Self.weights(cell, f: 3, u: 4)
    let x = testTensor([1, 6, 3])
    let short = Variable(x).slice(axis: 1, 0..<4)
    let mask = Tensor(shape: [1, 6], data: [1, 1, 1, 1, 0, 0])
    withoutGrad {
      let a = recurrent(short, kernel: w, recurrentKernel: r, bias: b, RecurrentConfig(cell: cell))
      let p = recurrent(Variable(x), kernel: w, recurrentKernel: r, bias: b, mask: mask,
                        RecurrentConfig(cell: cell, returnSequences: true))
      let z = recurrent(Variable(x), kernel: w, recurrentKernel: r, bias: b, mask: mask,
                        RecurrentConfig(cell: cell, returnSequences: true, zeroMaskedOutputs: true))
      #expect(p.states[0].value == a.output.value)
      let u = 4
      let y = p.output.value.data, yz = z.output.value.data
      #expect(Array(y[(5 * u)..<(6 * u)]) == a.output.value.data)  // repeats the last real output
      #expect(yz[(4 * u)..<(6 * u)].allSatisfy { $0 == 0 })
      #expect(Array(yz[0..<(4 * u)]) == Array(y[0..<(4 * u)]))
    }
  }

  @Test("reverse = the op on the time-reversed input, outputs reversed back", arguments: RecurrentCell.allCases)
  func reversed(_ cell: RecurrentCell) {
    let (w, r, b) = Self.weights(cell, f: 2, u: 3)
    let (n, t, f, u) = (2, 5, 2, 3)
    let x = testTensor([n, t, f])
    var flipped = x
    for row in 0..<n { for s in 0..<t { for j in 0..<f {
      flipped.data[(row * t + s) * f + j] = x.data[(row * t + t - 1 - s) * f + j]
    } } }
    withoutGrad {
      let a = recurrent(Variable(x), kernel: w, recurrentKernel: r, bias: b,
                        RecurrentConfig(cell: cell, returnSequences: true, reverse: true))
      let c = recurrent(Variable(flipped), kernel: w, recurrentKernel: r, bias: b,
                        RecurrentConfig(cell: cell, returnSequences: true))
      #expect(a.states[0].value == c.states[0].value)
      for row in 0..<n { for s in 0..<t { for j in 0..<u {
        #expect(a.output.value.data[(row * t + s) * u + j] == c.output.value.data[(row * t + t - 1 - s) * u + j])
      } } }
    }
  }

  @Test("the trace's hidden values are the output sequence", arguments: RecurrentCell.allCases)
  func trace(_ cell: RecurrentCell) {
    let (w, r, b) = Self.weights(cell, f: 2, u: 3)
    let res = withoutGrad {
      recurrent(Variable(testTensor([2, 4, 2])), kernel: w, recurrentKernel: r, bias: b,
                RecurrentConfig(cell: cell, returnSequences: true, keepTrace: true))
    }
    #expect(res.trace.map(\.name) == cell.traceNames)
    #expect(res.trace.last?.value == res.output.value)
    #expect(res.trace.allSatisfy { $0.value.shape == [2, 4, 3] })
  }

  @Test("the cells' rational tanh is within 8 ulp of tanh, bounded by 1, odd, and keeps NaN")
  func rationalTanhAccuracy() {
    var worst: Double = 0, unbounded = 0, notOdd = 0
    for i in -200_000...200_000 {
      let x = Float(i) * 5e-5  // [-10, 10]
      let y = rationalTanh(x), ref = tanh(Double(x))
      if ref != 0 { worst = Swift.max(worst, abs(Double(y) - ref) / Double(Float(abs(ref)).ulp)) }
      if abs(y) > 1 { unbounded += 1 }
      if rationalTanh(-x) != -y { notOdd += 1 }
    }
    #expect(unbounded == 0 && notOdd == 0)
    #expect(worst <= 8, "max error \(worst) ulp")
    #expect(rationalTanh(1e-6) == 1e-6 && rationalTanh(50) == 1 && rationalTanh(-50) == -1)
    #expect(rationalTanh(.nan).isNaN)
  }
}
