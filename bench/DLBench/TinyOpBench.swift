import Autograd

/// Per-op cost of `a + b` on tiny variables that require a gradient.
struct TinyOpResult {
  let elements: Int
  let recordingMicros: Double
  let noGradMicros: Double
}

/// Median over `batches` of the mean time per op in a batch of `perBatch` additions. With the
/// tape recording, each batch ends by dropping the records (so the figure includes freeing
/// what the op allocated and memory stays bounded).
func benchTinyOp(elements: Int, batches: Int, perBatch: Int) -> TinyOpResult {
  let a = Variable(Tensor(repeating: 1.5, shape: [elements]), requiresGrad: true)
  let b = Variable(Tensor(repeating: 2.5, shape: [elements]), requiresGrad: true)
  let tape = Tape.current
  tape.reset()

  func recordingBatch() -> Double {
    seconds {
      for _ in 0..<perBatch { blackHole(a + b) }
      tape.reset()
    } / Double(perBatch)
  }
  func noGradBatch() -> Double {
    seconds {
      withoutGrad { for _ in 0..<perBatch { blackHole(a + b) } }
    } / Double(perBatch)
  }
  _ = recordingBatch(); _ = noGradBatch()  // warm-up
  var rec: [Double] = [], free: [Double] = []
  for i in 0..<batches {
    if i % 2 == 0 { rec.append(recordingBatch()); free.append(noGradBatch()) }
    else { free.append(noGradBatch()); rec.append(recordingBatch()) }
  }
  return TinyOpResult(elements: elements, recordingMicros: median(rec) * 1e6,
                      noGradMicros: median(free) * 1e6)
}
