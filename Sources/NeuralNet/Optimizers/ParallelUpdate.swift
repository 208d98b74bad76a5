import Autograd

/// Splits an element-wise optimizer update over the machine's cores.
///
/// A large parameter's update (Adam reads and writes four buffers: 28 bytes an element) is
/// bound by memory bandwidth and was a quarter of a wide network's training step on one core;
/// two threads share it. Each element is updated by exactly one chunk with the same arithmetic,
/// so the result does not depend on the split.
enum ParallelUpdate {
  /// Below this many elements one thread is faster than waking a second.
  static let minimumParallel = 1 << 16

  /// Calls `body(start, count)` on disjoint chunks covering `0..<n`: two halves at once on two
  /// cores (`TwoHalves`) when `n` is large; the second starts on a 16-element boundary (whole
  /// AVX-512 vectors).
  static func chunks(_ n: Int, _ body: (Int, Int) -> Void) {
    guard TwoHalves.parallel, n >= minimumParallel else { body(0, n); return }
    let per = ((n + 1) / 2 + 15) & ~15
    TwoHalves.run { k in
      let lo = k * per
      let count = min(n, lo + per) - lo
      if count > 0 { body(lo, count) }
    }
  }
}
