import CSIMDLevel

/// The floating-point mode training and inference run in: subnormal floats (magnitudes below
/// `Float.leastNormalMagnitude`, 1.2e-38) are read and written as zero — x86's FTZ and DAZ
/// bits, as TensorFlow sets them for its CPU kernels (PyTorch keeps subnormals unless
/// `torch.set_flush_denormal(True)`). Confident softmax outputs put such values into the
/// gradients, and on Intel CPUs every multiply-add on one costs ~100 cycles: a 32→256→256→4
/// fit slowed from 1 to 5 ms per step over five epochs before the flush, and held at 1 ms
/// with it. Off x86 nothing changes.
///
/// The mode is per thread: `TwoHalves.run` hands the caller's to its helper threads.
/// Scopes nest; each restores the mode it found:
///
///     let mode = FloatMode.flushingSubnormals()
///     defer { mode.restore() }
public struct FloatMode: Sendable {
  /// The mode in force before this scope began.
  private let previous: UInt32

  /// Starts flushing subnormals to zero on this thread.
  public static func flushingSubnormals() -> FloatMode {
    FloatMode(previous: dl_flush_subnormals_begin())
  }

  /// Puts back the mode this scope found.
  public func restore() { dl_flush_subnormals_end(previous) }

  /// Whether this thread flushes subnormals now (tests; false off x86).
  public static var flushesSubnormals: Bool { dl_fp_mode() & 0x8040 == 0x8040 }
}
