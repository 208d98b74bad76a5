#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import COpenBLAS
import CSIMDLevel
import Dispatch
import Synchronization

/// Work cut in two halves, on two cores at once when the machine has them and one after the
/// other when it has one. The callers cut by the sizes of the work only, never by the core
/// count, so every result (a second half's partial sums added to the first's at the end, say)
/// is the same on any machine. Used by the blocked and one-channel convolutions, pooling
/// (`BlockWorkers`), the recurrent op (`RecurrentThreads`) and the optimizers' updates.
public enum TwoHalves {
  /// The cores online.
  public static let cores: Int = {
    #if canImport(Glibc) || canImport(Darwin)
    return sysconf(Int32(_SC_NPROCESSORS_ONLN))
    #else
    return 1
    #endif
  }()

  /// Whether the machine has a second core to run a half on.
  public static var parallel: Bool { cores > 1 }

  /// How many `BLASThreads.leavingOneCore` scopes on a two-core machine are open: while one
  /// is, the halves run one after the other, leaving the second core to the stream reader
  /// (the results are the same either way).
  static let held = Atomic<Int>(0)

  /// `body(0)` and `body(1)`: at once on two threads when `parallel`, else in that order.
  /// The halves' writes must be disjoint; returns when both are done.
  public static func run(_ body: (_ half: Int) -> Void) {
    guard parallel, held.load(ordering: .relaxed) == 0 else { body(0); body(1); return }
    // The halves run in the caller's floating-point mode (`FloatMode`): Dispatch's threads
    // keep their own otherwise.
    let mode = dl_fp_mode()
    withoutActuallyEscaping(body) { body in
      // Disjoint writes, and `concurrentPerform` returns only when both halves are done.
      nonisolated(unsafe) let work = body
      DispatchQueue.concurrentPerform(iterations: 2) { half in
        let own = dl_set_fp_mode(mode)
        work(half)
        _ = dl_set_fp_mode(own)
      }
    }
  }

  /// `run` with OpenBLAS held to the calling thread meanwhile, for halves that call sgemm:
  /// each half's products then run on its own thread, not on OpenBLAS's workers as well.
  public static func runEachWithOwnBLAS(_ body: (_ half: Int) -> Void) {
    let blas = parallel ? openblas_get_num_threads() : 1
    if blas > 1 { openblas_set_num_threads(1) }
    run(body)
    if blas > 1 { openblas_set_num_threads(blas) }
  }

  /// `0..<n` cut at its middle (the first half gets the odd element).
  public static func halves(_ n: Int) -> (Range<Int>, Range<Int>) {
    let half = (n + 1) / 2
    return (0..<half, half..<n)
  }
}
