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
  @usableFromInline var records: [() -> Void] = []
  @usableFromInline var recording = true

  public init() {}

  /// The calling thread's tape.
  public static var current: Tape {
    if let p = pthread_getspecific(tapeKey) {
      return Unmanaged<Tape>.fromOpaque(p).takeUnretainedValue()
    }
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

  @inlinable func record(_ backward: @escaping () -> Void) { records.append(backward) }

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
    let g = seed ?? Tensor(repeating: 1, shape: loss.shape)
    loss.accumulate(g)
    while let rule = records.popLast() { rule() }
  }

  /// Drops every record without running it (e.g. after a forward pass that was abandoned).
  public func reset() { records.removeAll(keepingCapacity: true) }
}

/// Runs `body` without recording gradients.
public func withoutGrad<T>(_ body: () throws -> T) rethrows -> T {
  try Tape.current.withoutGrad(body)
}
