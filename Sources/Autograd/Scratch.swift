#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Large float work buffers reused across training steps.
///
/// A convolution needs buffers that are not tensors: its im2col matrix (kept until backward
/// when the kernel needs a gradient) and, in backward, the masked output gradient and the
/// patch gradients before col2im. They have the same sizes every step. A `ScratchBuffer`
/// takes a block from a process-wide pool (or allocates one) and gives it back when it is
/// released, so a step reuses the previous step's blocks: no allocation, no page faults and
/// no zero-filling (the blocks are uninitialized; users write what they read).
///
/// The pool keeps at most `ScratchPool.maxBytesKept` bytes of free blocks (dropping the
/// oldest first) and is guarded by a mutex, so a buffer may be released on any thread.
final class ScratchBuffer: @unchecked Sendable {
  /// The first element; `capacity` elements are allocated (uninitialized at first).
  let base: UnsafeMutablePointer<Float>
  /// Elements allocated (≥ the count asked for).
  let capacity: Int

  /// A block of at least `count` elements.
  init(count: Int) {
    let (p, c) = ScratchPool.take(Swift.max(count, 1))
    base = p
    capacity = c
  }

  deinit { ScratchPool.recycle(base, capacity) }
}

/// The free blocks behind `ScratchBuffer`.
enum ScratchPool {
  /// Free memory kept for reuse, in bytes.
  static let maxBytesKept = 64 << 20

  private struct State {
    var free: [(base: UnsafeMutablePointer<Float>, capacity: Int)] = []
    var bytes = 0
  }

  private nonisolated(unsafe) static var state = State()
  private nonisolated(unsafe) static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
    let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    pthread_mutex_init(m, nil)
    return m
  }()

  /// A free block with room for `count` elements but not more than twice that (so a small
  /// request does not pin a large block), or a new one.
  static func take(_ count: Int) -> (UnsafeMutablePointer<Float>, Int) {
    pthread_mutex_lock(lock)
    var best: Int? = nil
    for (i, b) in state.free.enumerated() where b.capacity >= count && b.capacity <= 2 * count {
      if best.map({ b.capacity < state.free[$0].capacity }) ?? true { best = i }
    }
    if let i = best {
      let b = state.free.remove(at: i)
      state.bytes -= b.capacity * MemoryLayout<Float>.stride
      pthread_mutex_unlock(lock)
      return (b.base, b.capacity)
    }
    pthread_mutex_unlock(lock)
    return (UnsafeMutablePointer<Float>.allocate(capacity: count), count)
  }

  /// Puts a block back, freeing the oldest blocks beyond `maxBytesKept`.
  static func recycle(_ base: UnsafeMutablePointer<Float>, _ capacity: Int) {
    var dropped: [UnsafeMutablePointer<Float>] = []
    pthread_mutex_lock(lock)
    state.free.append((base, capacity))
    state.bytes += capacity * MemoryLayout<Float>.stride
    while state.bytes > maxBytesKept, !state.free.isEmpty {
      let b = state.free.removeFirst()
      state.bytes -= b.capacity * MemoryLayout<Float>.stride
      dropped.append(b.base)
    }
    pthread_mutex_unlock(lock)
    for p in dropped { p.deallocate() }
  }

  /// Bytes of free blocks currently kept (tests).
  static var bytesKept: Int {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    return state.bytes
  }
}
