// libFuzzer target for the binary array loaders: NumPy `.npy` and IDX (MNIST), fed in memory.
// Built by fuzz/build.sh.
import Autograd
@testable import NeuralNet

/// Stops the process so that libFuzzer records the input as a crash.
func violated(_ what: String) -> Never {
  fatalError("binary loader invariant violated: \(what)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBinary(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  for load in [NPYLoader.load(bytes:path:), IDXLoader.load(bytes:path:)] {
    do {
      let t = try load(bytes, "fuzz.bin")
      if t.data.count != t.shape.reduce(1, *) { violated("shape \(t.shape), \(t.data.count) values") }
    } catch let error as DataError {
      _ = error.description
    } catch {
      violated("not a DataError: \(error)")
    }
  }
  return 0
}
