import CEditLine

/// Ctrl-C while a long statement runs.
///
/// `begin()` installs a counting SIGINT handler (written in C, async-signal-safe);
/// `end()` restores the previous handler so the prompt's own handling returns.
/// Long-running code polls `stopRequested` (first Ctrl-C: finish the current
/// batch, then stop) and `stopImmediately` (second Ctrl-C: stop now). If
/// `exitAfter` presses arrive, the process exits with status 130.
///
/// Signal dispositions are process-wide: use one controller at a time, and call
/// `begin()`/`end()` on the same thread (SIGINT is unblocked in it meanwhile).
public final class InterruptController: Sendable {
  /// Presses that terminate the process (0 disables the escape hatch).
  public let exitAfter: Int

  /// Creates a controller; nothing is installed until `begin()`.
  public init(exitAfter: Int = 3) {
    self.exitAfter = max(exitAfter, 0)
  }

  /// Installs the handler and resets the press count. Nested calls are no-ops.
  public func begin() {
    _ = cel_sigint_install(Int32(clamping: exitAfter))
  }

  /// Restores the handler that was active before `begin()`.
  public func end() {
    cel_sigint_restore()
  }

  /// Ctrl-C presses since `begin()` or `reset()`.
  public var pressCount: Int {
    Int(cel_sigint_count())
  }

  /// At least one Ctrl-C: stop at the end of the current batch/epoch.
  public var stopRequested: Bool {
    pressCount >= 1
  }

  /// Two or more Ctrl-C: stop as soon as possible.
  public var stopImmediately: Bool {
    pressCount >= 2
  }

  /// Forgets presses seen so far (handler stays installed).
  public func reset() {
    cel_sigint_reset()
  }

  /// Runs `body` with the handler installed, restoring it afterwards.
  public func run<T>(_ body: () throws -> T) rethrows -> T {
    begin()
    defer { end() }
    return try body()
  }
}
