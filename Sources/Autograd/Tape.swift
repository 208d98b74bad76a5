#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The thread-local slot holding each thread's tape (released when the thread ends).
private let tapeKey: pthread_key_t = {
  var key = pthread_key_t()
  pthread_key_create(&key) { p in
    if let p { Unmanaged<Tape>.fromOpaque(p).release() }
  }
  return key
}()

/// The record of one forward pass: each op that produced a variable needing a gradient appends
/// its backward rule. `backward(from:)` replays them in reverse, accumulating into every
/// variable's `grad`, then drops the records (and with them every intermediate buffer), so a
/// training step does not grow memory.
///
/// There is one tape per thread (`Tape.current`): `dl` trains on one thread (OpenBLAS brings
/// its own), and tests running in parallel each get their own.
public final class Tape: @unchecked Sendable {
  /// One op's record: its output and the rule that turns dLoss/dOutput into its inputs'
  /// gradients. Stored as a pair (not a wrapping closure) to save an allocation per op.
  @usableFromInline struct Record {
    @usableFromInline let output: Variable
    @usableFromInline let backward: (Tensor) -> Void
    @usableFromInline init(output: Variable, backward: @escaping (Tensor) -> Void) {
      self.output = output
      self.backward = backward
    }
  }

  @usableFromInline var records: [Record] = []
  @usableFromInline var recording = true

  public init() {}

  /// The calling thread's tape.
  public static var current: Tape {
    if let p = pthread_getspecific(tapeKey) {
      return Unmanaged<Tape>.fromOpaque(p).takeUnretainedValue()
    }
    Allocator.prime()  // once per process, before the first op's buffers
    let t = Tape()
    pthread_setspecific(tapeKey, Unmanaged.passRetained(t).toOpaque())
    return t
  }

  /// Whether ops currently record their backward rule.
  @inlinable public var isRecording: Bool { recording }

  /// Number of records (tests use it to check that nothing is recorded in no-grad mode).
  public var count: Int { records.count }

  /// Appends a backward rule when recording and any input needs a gradient.
  /// Returns whether the output should require a gradient.
  @inlinable func needsGrad(_ inputs: Variable...) -> Bool {
    guard recording else { return false }
    for v in inputs where v.requiresGrad { return true }
    return false
  }

  /// Records `backward` for `output`. When replayed, the rule receives the output's gradient,
  /// which is moved out of the variable first so intermediate gradients are freed as the
  /// backward pass proceeds; a rule whose output received no gradient is skipped.
  @inlinable func record(_ output: Variable, _ backward: @escaping (Tensor) -> Void) {
    records.append(Record(output: output, backward: backward))
  }

  /// Runs `body` with recording off: inference records nothing and keeps no buffers alive.
  public func withoutGrad<T>(_ body: () throws -> T) rethrows -> T {
    let was = recording
    recording = false
    defer { recording = was }
    return try body()
  }

  /// Seeds `loss.grad` with ones (loss must hold one element, or pass `seed`), replays the
  /// records in reverse, then clears them.
  public func backward(from loss: Variable, seed: Tensor? = nil) {
    let g = seed ?? (loss.shape.isEmpty ? Tape.unitSeed : Tensor(repeating: 1, shape: loss.shape))
    loss.accumulate(g)
    while let r = records.popLast() {
      guard let g = r.output.grad else { continue }
      r.output.grad = nil
      r.backward(g)
    }
  }

  /// The seed of a scalar loss, made once (shared copy-on-write: no allocation per step).
  private static let unitSeed = Tensor(scalar: 1)

  /// Drops every record without running it (e.g. after a forward pass that was abandoned).
  public func reset() { records.removeAll(keepingCapacity: true) }
}

/// Runs `body` without recording gradients.
public func withoutGrad<T>(_ body: () throws -> T) rethrows -> T {
  try Tape.current.withoutGrad(body)
}
