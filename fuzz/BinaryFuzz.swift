// libFuzzer target for the binary array loaders: NumPy `.npy`, IDX (MNIST) and `.npz` (the zip
// directory, stored and deflated members, member selection), fed in memory, and the dataset an
// array becomes (images get a channel axis). Built by fuzz/build.sh.
import Autograd
@testable import NeuralNet

/// Stops the process so that libFuzzer records the input as a crash.
func violated(_ what: String) -> Never {
  fatalError("binary loader invariant violated: \(what)")
}

/// A loaded tensor must hold exactly its shape's values, within the element limit.
func check(_ t: Tensor) {
  if t.data.count != t.shape.reduce(1, *) { violated("shape \(t.shape), \(t.data.count) values") }
  if t.data.count > ArrayLimits.maxElements { violated("\(t.data.count) values, over the limit") }
}

/// Runs `body`, which may only throw `DataError`s.
func expectDataError(_ body: () throws -> Void) {
  do { try body() } catch let error as DataError {
    _ = error.description
  } catch {
    violated("not a DataError: \(error)")
  }
}

/// The input as a `.npy` or IDX file, and as the features of a dataset.
func fuzzArrays(_ bytes: [UInt8]) {
  for load in [NPYLoader.load(bytes:path:), IDXLoader.load(bytes:path:)] {
    expectDataError {
      let t = try load(bytes, "fuzz.bin")
      check(t)
      let (d, _) = try ArrayDataset.assemble(x: t, y: nil, xName: "fuzz.bin", yName: nil)
      if t.rank == 3 && d.x.shape != t.shape + [1] { violated("an image without its channel axis") }
    }
  }
}

/// The input as a `.npz` archive: the directory, every member, and the default selection.
func fuzzArchive(_ bytes: [UInt8]) {
  expectDataError {
    let directory = try ZipDirectory(bytes: bytes, path: "fuzz.npz")
    for member in directory.members.prefix(8) {
      if member.dataOffset + member.compressedSize > bytes.count { violated("a member past the end") }
      expectDataError { check(try NPZLoader.load(directory, member)) }
    }
    let names = directory.members.map { NPZLoader.arrayName($0.name) }
    expectDataError { _ = try NPZSelection.choose(names, x: nil, labels: nil, archive: "fuzz.npz") }
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBinary(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  fuzzArrays(bytes)
  fuzzArchive(bytes)
  return 0
}
