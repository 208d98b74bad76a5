#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Autograd

/// `BLASThreads.leavingOneCore` on a two-core machine also runs `TwoHalves` on the calling
/// thread alone, so that the stream reader keeps the second core.
@Suite struct BLASThreadsTests {
  #if canImport(Glibc)
  @Test("inside a scope on two cores the halves run on the calling thread, with the same results")
  func halvesStayOnTheCaller() {
    guard TwoHalves.cores == 2 else { return }
    let caller = pthread_self()
    var onCaller = [false, false]
    let blas = BLASThreads.leavingOneCore()
    #expect(TwoHalves.held.load(ordering: .relaxed) >= 1)
    onCaller.withUnsafeMutableBufferPointer { p in
      nonisolated(unsafe) let p = p
      TwoHalves.run { half in p[half] = pthread_equal(pthread_self(), caller) != 0 }
    }
    blas.restore()
    #expect(onCaller == [true, true])
  }
  #endif
}
