import COpenBLAS

/// OpenBLAS's thread count while a background thread of dl's needs a core of its own.
///
///     let blas = BLASThreads.leavingOneCore()
///     defer { blas.restore() }
public struct BLASThreads: Sendable {
  /// The thread count before this scope began.
  private let previous: Int32

  /// Holds OpenBLAS to one thread fewer than it has (when it has two or more), so that a
  /// background thread working meanwhile (the stream reader) has a core to itself. Products
  /// may differ in their last bits from those on all threads (by up to 6e-6 on sums of 257
  /// products of values in ±1), as they do between machines with other core counts; on one
  /// machine a run repeats bit for bit.
  ///
  /// Measured on 2 cores (`bench/stream/stream_big_256.dl`, 2.08 GB of CSV): a streamed
  /// 32→256→256→4 epoch ran at 184–187k rows/s with sgemm on both cores, because the reader
  /// kept taking one of them from a half of a product and the other half waited. On one thread
  /// beside the reader it ran at 216–231k.
  public static func leavingOneCore() -> BLASThreads {
    let threads = openblas_get_num_threads()
    if threads > 1 { openblas_set_num_threads(threads - 1) }
    let holdsHalves = TwoHalves.cores == 2
    if holdsHalves { TwoHalves.held.add(1, ordering: .relaxed) }
    return BLASThreads(previous: threads, holdsHalves: holdsHalves)
  }

  /// Puts back the thread count this scope found.
  public func restore() {
    if previous > 1 { openblas_set_num_threads(previous) }
    if holdsHalves { TwoHalves.held.subtract(1, ordering: .relaxed) }
  }

  /// Whether this scope runs `TwoHalves` on one core: on a machine of two cores, whose second
  /// the reader needs.
  private let holdsHalves: Bool
}
