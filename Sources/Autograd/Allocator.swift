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
