/// Keeping freed tensor memory for reuse.
///
/// A training step allocates the same large buffers every time (outputs, gradients) and frees
/// them at its end. glibc's malloc serves blocks above its mmap threshold (128 KiB at start)
/// with fresh mappings, and trims the heap when more than twice that threshold is free at its
/// top, so without help every step pays page faults to get memory the previous step returned
/// — about 15% of a 512×512 matmul's forward+backward time.
///
/// glibc raises both thresholds on its own (mallopt(3), M_MMAP_THRESHOLD: "the threshold is
/// adjusted upward to the size of the freed chunk") the first time a mapped block is freed,
/// up to 32 MiB. `prime()` frees one untouched block just under that limit, once per process,
/// so blocks up to ~30 MiB come from the heap and up to ~60 MiB of freed memory is kept for
/// the next step. Other allocators ignore it (it costs one mmap/munmap pair).
enum Allocator {
  /// Elements of the priming block: 30 MiB of floats.
  static let primingElements = 30 << 18

  /// Runs the priming once; later calls do nothing.
  static func prime() { _ = primed }

  private static let primed: Bool = {
    // Allocated and freed without touching its pages.
    let block = [Float](unsafeUninitializedCapacity: primingElements) { _, count in count = 0 }
    return block.capacity > 0
  }()
}

/// Storage for small tensors, made without the generic allocation path.
///
/// `[Float](unsafeUninitializedCapacity:)` and `[Float](repeating:count:)` reach the standard
/// library's unspecialized array allocator, which looks up the storage class's metadata in the
/// runtime's cache on every call: about 300 instructions, more than all the arithmetic of a
/// tensor of a few dozen elements (a tiny network makes a dozen such tensors per step).
/// Copying from a block of zeros is specialized here and skips the lookup. Large tensors keep
/// the uninitialized path, where a copy would cost a pass over memory.
enum SmallStorage {
  /// Tensors of at most this many elements are made by copying `zeros`.
  static let maxElements = 1024

  /// `maxElements` zeros, never written.
  private nonisolated(unsafe) static let zeros: UnsafeMutablePointer<Float> = {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: maxElements)
    p.initialize(repeating: 0, count: maxElements)
    return p
  }()

  /// `count` elements, zero when `count ≤ maxElements`, uninitialized otherwise (for kernels
  /// that overwrite every element).
  static func uninitialized(_ count: Int) -> [Float] {
    if count <= maxElements { return Array(UnsafeBufferPointer(start: zeros, count: count)) }
    return [Float](unsafeUninitializedCapacity: count) { _, n in n = count }
  }

  /// `count` copies of `value`.
  static func repeating(_ value: Float, _ count: Int) -> [Float] {
    guard count <= maxElements else { return [Float](repeating: value, count: count) }
    var out = Array(UnsafeBufferPointer(start: zeros, count: count))
    if value.bitPattern != 0 {
      out.withUnsafeMutableBufferPointer { p in p.update(repeating: value) }
    }
    return out
  }
}
