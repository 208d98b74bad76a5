import Testing
@testable import Autograd

/// `FloatMode`: inside a scope subnormal floats are written (and read) as zero on this thread
/// and on the threads `TwoHalves` lends it; each scope restores the mode it found.
@Suite struct FloatModeTests {
  /// Half the smallest normal float, computed at run time: 5.9e-39, a subnormal.
  @inline(never) static func halfOfSmallestNormal(_ x: Float = .leastNormalMagnitude) -> Float { x * 0.5 }

  #if arch(x86_64)
  @Test("inside a scope subnormal results are zero; outside and after it they are not")
  func scopeFlushesAndRestores() {
    #expect(!FloatMode.flushesSubnormals)
    #expect(Self.halfOfSmallestNormal() != 0)
    let outer = FloatMode.flushingSubnormals()
    #expect(FloatMode.flushesSubnormals)
    #expect(Self.halfOfSmallestNormal() == 0)
    let inner = FloatMode.flushingSubnormals()
    inner.restore()
    #expect(FloatMode.flushesSubnormals)  // the inner scope found the flush on and leaves it on
    outer.restore()
    #expect(!FloatMode.flushesSubnormals)
    #expect(Self.halfOfSmallestNormal() == Float.leastNormalMagnitude / 2)
  }

  @Test("both halves of TwoHalves.run work in the caller's mode, and their threads get theirs back")
  func twoHalvesCarryTheMode() {
    var flushed = [Bool](repeating: false, count: 2)
    var values = [Float](repeating: 1, count: 2)
    let mode = FloatMode.flushingSubnormals()
    flushed.withUnsafeMutableBufferPointer { f in
      values.withUnsafeMutableBufferPointer { v in
        nonisolated(unsafe) let (f, v) = (f, v)
        TwoHalves.run { half in
          f[half] = FloatMode.flushesSubnormals
          v[half] = Self.halfOfSmallestNormal()
        }
      }
    }
    mode.restore()
    #expect(flushed == [true, true])
    #expect(values == [0, 0])
    TwoHalves.run { half in
      flushed[half] = FloatMode.flushesSubnormals
    }
    #expect(flushed == [false, false])
  }
  #endif
}
