// libFuzzer target for the CSV loader (CSVScanner → CSVTable → Dataset), fed in memory, and
// for what a script does next with a loaded dataset: describe, standardize/normalize, split,
// class counts and batching. Built by fuzz/build.sh.
import Autograd
@testable import NeuralNet

/// Stops the process so that libFuzzer records the input as a crash.
func violated(_ what: String) -> Never {
  fatalError("CSV invariant violated: \(what)")
}

/// The ways a script can load a CSV: target, header, missing-value policy.
let configurations: [(TargetSpec, Bool, MissingPolicy)] = [
  (.last, true, .error), (.named("label"), true, .drop), (.none, true, .mean),
  (.last, true, .zero), (.named("col2"), false, .error), (.last, false, .drop),
]

/// Uses a loaded dataset the way `describe`, `standardize`, `split` and `fit` do.
func exercise(_ d: Dataset, _ report: LoadReport) {
  guard d.count == report.rowsRead - report.rowsDropped else {
    violated("\(d.count) rows, but \(report.rowsRead) read and \(report.rowsDropped) dropped")
  }
  guard d.x.data.allSatisfy(\.isFinite) else { violated("a non-finite feature") }
  _ = d.describe
  for scaler in [Scaler.standardize(fitOn: d), Scaler.minMax(fitOn: d)] {
    do { _ = try scaler.apply(d) } catch { if !(error is DataError) { violated("\(error)") } }
    _ = scaler.summary
  }
  var rng = SeededRandom(seed: 7)
  for fractions in [[0.8], [0.7, 0.15]] {
    for stratify in [false, true] {
      do {
        let parts = try Split.split(d, fractions: fractions, stratify: stratify, rng: &rng)
        if parts.map(\.count).reduce(0, +) != d.count { violated("split lost rows") }
      } catch {
        if !(error is DataError) { violated("\(error)") }
      }
    }
  }
  if let balance = try? ClassBalance(d) {
    if balance.total != d.count { violated("class counts do not add up") }
    _ = balance.balancedWeights
  }
  if var batcher = try? Batcher(d, batchSize: 3) {
    let order = Array((0..<d.count).reversed())
    for b in 0..<batcher.batchCount { batcher.load(batch: b, of: order) }
  }
}

/// The number of lines of `bytes` as the scanner counts them (`\n`, `\r\n` or a lone `\r`
/// ends a line), plus one for the text after the last line end.
func lineCount(_ bytes: [UInt8]) -> Int {
  var lines = 1
  var i = 0
  while i < bytes.count {
    if bytes[i] == 10 || bytes[i] == 13 {
      lines += 1
      if bytes[i] == 13, i + 1 < bytes.count, bytes[i + 1] == 10 { i += 1 }
    }
    i += 1
  }
  return lines
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  for (target, header, missing) in configurations {
    do {
      let (d, report) = try CSVLoader.load(bytes: bytes, path: "fuzz.csv", target: target,
                                           header: header, missing: missing)
      exercise(d, report)
    } catch let error as DataError {
      // One located error: a row and a column, when given, lie inside the input.
      if let row = error.row, row < 1 || row > lineCount(bytes) {
        violated("error on row \(row) of \(lineCount(bytes)): \(error)")
      }
      if let column = error.column, column < 1 || column > bytes.count + 1 {
        violated("error in column \(column): \(error)")
      }
      _ = error.description
    } catch {
      violated("not a DataError: \(error)")
    }
  }
  return 0
}
