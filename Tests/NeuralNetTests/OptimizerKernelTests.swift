import Autograd
import COptimizerKernels
import Testing
#if canImport(Glibc)
import Glibc
#endif

@testable import NeuralNet

/// The C Adam kernels (AVX-512, AVX2, scalar) against the Swift loop they replaced, and the
/// split of large updates over threads.
@Suite("Optimizer kernels")
struct OptimizerKernelTests {
  /// The Swift loop Adam ran before the kernels: the reference, operation for operation.
  static func reference(_ w: inout [Float], _ g: [Float], _ m: inout [Float], _ v: inout [Float],
                        alpha: Float, b1: Float, b2: Float, eps: Float) {
    for i in 0..<w.count {
      let gi = g[i]
      let mi = b1 * m[i] + (1 - b1) * gi
      let vi = b2 * v[i] + (1 - b2) * gi * gi
      m[i] = mi
      v[i] = vi
      w[i] -= alpha * mi / (vi.squareRoot() + eps)
    }
  }

  /// Normal (non-subnormal) values of both signs over several decades.
  static func values(_ n: Int, seed: UInt64) -> [Float] {
    var rng = SeededRandom(seed: seed)
    return (0..<n).map { _ in
      let magnitude = rng.uniform(-4, 2)  // 1e-4 … 1e2
      return (rng.nextUnit() < 0.5 ? -1 : 1) * Float(pow(10, Double(magnitude)))
    }
  }

  @Test("every kernel level equals the Swift loop bit for bit", arguments: [0, 1, 2])
  func matchesReference(level: Int32) {
    // 1,037 elements: whole vectors of 16 and of 8 and a scalar tail.
    let n = 1037
    let g = Self.values(n, seed: 1)
    var w = Self.values(n, seed: 2), m = Self.values(n, seed: 3).map { $0 * 0.01 }
    var v = Self.values(n, seed: 4).map { abs($0) * 0.01 }
    var (rw, rm, rv) = (w, m, v)
    let (alpha, b1, b2, eps): (Float, Float, Float, Float) = (0.00137, 0.9, 0.999, 1e-7)
    for _ in 0..<3 {
      Self.reference(&rw, g, &rm, &rv, alpha: alpha, b1: b1, b2: b2, eps: eps)
      dl_adam_update_level(level, &w, g, &m, &v, n, alpha, b1, b2, eps)
    }
    #expect(w.map(\.bitPattern) == rw.map(\.bitPattern))
    #expect(m.map(\.bitPattern) == rm.map(\.bitPattern))
    #expect(v.map(\.bitPattern) == rv.map(\.bitPattern))
  }

  @Test("subnormal moments are flushed to zero, and the caller's flush mode is left as it was",
        arguments: [0, 1, 2])
  func flushesSubnormals(level: Int32) {
    let tiny = Float.leastNormalMagnitude / 4  // subnormal
    #expect(tiny.isSubnormal)
    let n = 40
    var w = [Float](repeating: 1, count: n), m = [Float](repeating: tiny, count: n)
    var v = [Float](repeating: tiny, count: n)
    let g = [Float](repeating: 0, count: n)
    dl_adam_update_level(level, &w, g, &m, &v, n, 0.001, 0.9, 0.999, 1e-7)
    #expect(m.allSatisfy { $0 == 0 }, "m: \(m.prefix(3))")
    #expect(v.allSatisfy { $0 == 0 }, "v: \(v.prefix(3))")
    #expect(w.allSatisfy { $0 == 1 })
    // After the call, subnormal arithmetic in the caller is IEEE again.
    let back = w[0] * tiny
    #expect(back.isSubnormal)
  }

  @Test("a large update split over threads equals the one-thread update")
  func parallelSplitEqualsSerial() {
    let n = ParallelUpdate.minimumParallel * 2 + 77
    let g = Self.values(n, seed: 5)
    var w = Self.values(n, seed: 6), m = [Float](repeating: 0, count: n), v = m
    var (sw, sm, sv) = (w, m, v)
    let seen = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
    seen.initialize(repeating: 0)
    defer { seen.deallocate() }
    w.withUnsafeMutableBufferPointer { wp in
      m.withUnsafeMutableBufferPointer { mp in
        v.withUnsafeMutableBufferPointer { vp in
          g.withUnsafeBufferPointer { gp in
            guard let w = wp.baseAddress, let m = mp.baseAddress, let v = vp.baseAddress,
                  let g = gp.baseAddress else { return }
            nonisolated(unsafe) let (pw, pm, pv) = (w, m, v)
            ParallelUpdate.chunks(n) { lo, count in
              dl_adam_update(pw + lo, g + lo, pm + lo, pv + lo, count, 0.001, 0.9, 0.999, 1e-7)
              for i in lo..<(lo + count) { seen[i] += 1 }
            }
          }
        }
      }
    }
    dl_adam_update(&sw, g, &sm, &sv, n, 0.001, 0.9, 0.999, 1e-7)
    #expect(w == sw && m == sm && v == sv)
    #expect(seen.allSatisfy { $0 == 1 }, "every element in exactly one chunk")
  }

  @Test("RMSprop and SGD with momentum flush subnormal slots, and leave IEEE arithmetic after")
  func slotsOfOtherOptimizersFlush() throws {
    // Normal gradients whose slot values are subnormal: (1 − ρ)·g² with g = 1e-20 is ~1e-41,
    // and lr·g with g = 1e-37 is 1e-39.
    let cases: [(Optimizer, Float)] = [(RMSprop(lr: 0.001), 1e-20), (SGD(lr: 0.01, momentum: 0.9), 1e-37)]
    for (opt, g) in cases {
      let v = Variable(Tensor(shape: [4], data: [1, 1, 1, 1]), requiresGrad: true)
      v.grad = Tensor(shape: [4], data: [g, g, 0, 0])
      opt.step([Parameter(name: "w", variable: v)])
      let slot = try #require(opt.slotState.first?.1.data)
      #expect(slot.allSatisfy { $0 == 0 }, "\(type(of: opt)): \(slot)")
    }
    let tiny = Float.leastNormalMagnitude / 8
    let one = [Float(1)][0]
    #expect((one * tiny).isSubnormal)
  }
}
