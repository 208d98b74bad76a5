#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Splits an element-wise optimizer update over the machine's cores.
///
/// A large parameter's update (Adam reads and writes four buffers: 28 bytes an element) is
/// bound by memory bandwidth and was a quarter of a wide network's training step on one core;
/// two threads share it. Each element is updated by exactly one chunk with the same arithmetic,
/// so the result does not depend on the split.
enum ParallelUpdate {
  /// Below this many elements one thread is faster than waking a second.
  static let minimumParallel = 1 << 16
  /// The threads used for large updates (at most 2: beyond that the buffers' bandwidth, not
  /// the cores, is the limit on the machines dl targets).
  static let threads = min(2, max(1, sysconfThreads()))

  /// Calls `body(start, count)` on disjoint chunks covering `0..<n`, concurrently when `n` is
  /// large; the chunks start on 16-element boundaries (whole AVX-512 vectors).
  static func chunks(_ n: Int, _ body: (Int, Int) -> Void) {
    guard threads > 1, n >= minimumParallel else { body(0, n); return }
    let per = ((n + threads - 1) / threads + 15) & ~15
    withoutActuallyEscaping(body) { body in
      // The chunks are disjoint and `concurrentPerform` returns only when all are done.
      nonisolated(unsafe) let run = body
      DispatchQueue.concurrentPerform(iterations: threads) { k in
        let lo = k * per
        let count = min(n, lo + per) - lo
        if count > 0 { run(lo, count) }
      }
    }
  }

  private static func sysconfThreads() -> Int {
    #if canImport(Glibc) || canImport(Darwin)
    return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    #else
    return 1
    #endif
  }
}
