import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

/// `load … stream=true missing=…`: a streamed file's missing cells are filled (a constant, or
/// the column's mean taken in the survey pass) or their rows dropped as every pass reads, with
/// exactly the values and rows of the in-memory load under the same rule.
@Suite struct StreamMissingTests {
  /// `rows` rows of `a,b,label`; every 7th a is empty, every 11th b is NA, every 13th label is
  /// `?` when `missingLabels`.
  static func csv(rows: Int, missingLabels: Bool = false) -> String {
    var rng = SeededRandom(seed: 3)
    var out = "a,b,label\n"
    for i in 0..<rows {
      let a = rng.uniform(-1, 1), b = rng.uniform(-1, 1)
      out += (i % 7 == 3 ? "" : "\(a)") + "," + (i % 11 == 5 ? "NA" : "\(b)") + ","
        + (missingLabels && i % 13 == 6 ? "?" : (a + b > 0 ? "1" : "0")) + "\n"
    }
    return out
  }

  /// The stream of `text` under `options`, read through tiny chunks (every chunk boundary
  /// cuts a record), and the in-memory load of the same file under the same options; `passes`
  /// gets the stream while its file still exists.
  static func both(_ text: String, _ options: CSVOptions,
                   passes: (StreamDataset, [Float]) throws -> Void = { _, _ in }) throws
    -> (stream: StreamDataset, x: [Float], y: [Float], memory: Dataset, report: LoadReport) {
    let path = DataTestSupport.write(text)
    defer { DataTestSupport.remove(path) }
    let (d, report) = try CSVLoader.load(path: path, target: .named("label"), options: options)
    let s = try StreamDataset.open(path: path, name: "m.csv", target: .named("label"), header: true,
                                   labels: nil, missing: options)
    var source = try #require(s.source as? CSVRowSource)
    source.chunkBytes = 41
    var small = StreamDataset(source: source, name: "m.csv", fileRows: s.fileRows, featureShape: s.featureShape,
                              featureNames: s.featureNames, targetName: s.targetName, classNames: s.classNames)
    small.loadReport = s.loadReport
    var x: [Float] = [], y: [Float] = []
    try small.forEachRow { r, t in x += Array(r); y += Array(t) }
    try passes(small, x)
    return (small, x, y, d, report)
  }

  @Test func meanFillsMatchTheInMemoryLoad() throws {
    let r = try Self.both(Self.csv(rows: 500), CSVOptions(missing: .mean))
    #expect(r.stream.count == 500)
    #expect(r.x.count == r.memory.x.data.count)
    // Same cells filled; the mean is summed in Double in both, so it agrees to float rounding.
    for (s, m) in zip(r.x, r.memory.x.data) { #expect(abs(s - m) <= 1e-6, "\(s) vs \(m)") }
    #expect(r.y == r.memory.y?.data)
    let report = try #require(r.stream.loadReport)
    #expect(report.missingCounts.map(\.column) == ["a", "b"])
    #expect(report.missingCounts.map(\.count) == r.report.missingCounts.map(\.count))
    #expect(report.missingCounts.map(\.count) == [71, 45])
    #expect(report.missingFilled.map(\.column) == ["a", "b"])
    for (s, m) in zip(report.missingFilled, r.report.missingFilled) { #expect(abs(s.value - m.value) <= 1e-6) }
  }

  @Test func constantAndPerColumnFills() throws {
    let r = try Self.both(Self.csv(rows: 300), CSVOptions(fillValue: -9))
    #expect(r.x == r.memory.x.data)
    #expect(r.x.filter { $0 == -9 }.count == 43 + 27)
    let p = try Self.both(Self.csv(rows: 300), CSVOptions(columnFills: ["a": .zero, "b": .mean]))
    for (s, m) in zip(p.x, p.memory.x.data) { #expect(abs(s - m) <= 1e-6) }
  }

  @Test func dropSkipsTheSameRowsOnEveryPass() throws {
    var parts: [StreamDataset] = []
    let r = try Self.both(Self.csv(rows: 600, missingLabels: true), CSVOptions(missing: .drop)) { stream, x in
      // A second pass reads the same rows; a split by hashed row numbers partitions them.
      var again: [Float] = []
      try stream.forEachRow { row, _ in again += Array(row) }
      #expect(again == x)
      parts = try stream.split(fractions: [0.7], seed: 5)
      var inParts = 0
      for p in parts { try p.forEachRow { _, _ in inParts += 1 } }
      #expect(inParts == stream.count)
    }
    #expect(r.stream.count == r.memory.count)
    #expect(r.stream.count < 600 - 70)
    #expect(r.stream.loadReport?.rowsDropped == 600 - r.memory.count)
    #expect(r.x == r.memory.x.data)
    #expect(r.y == r.memory.y?.data)
    #expect(parts[0].count + parts[1].count == r.stream.count)
  }

  @Test func rulesAStreamCannotFollowAreRefusedBeforeReading() throws {
    let path = DataTestSupport.write(Self.csv(rows: 50))
    defer { DataTestSupport.remove(path) }
    func message(_ options: CSVOptions) -> String {
      do {
        _ = try StreamDataset.open(path: path, name: "m.csv", target: .named("label"), header: true,
                                   labels: nil, missing: options)
        return "opened"
      } catch { return "\(error)" }
    }
    #expect(message(CSVOptions(missing: .median)).contains("missing=median (column 'a') needs all of a column's values at once"))
    #expect(message(CSVOptions(missing: .keep)).contains("missing=keep leaves NaN for a later impute"))
    #expect(message(CSVOptions(columnFills: ["nope": .zero])).contains("missing= column 'nope' not found"))
    // A rule for a only: b's first missing cell (line 7) is located when the survey reaches it.
    #expect(message(CSVOptions(columnFills: ["a": .zero])).contains(":7: column 2 ('b')"), "\(message(CSVOptions(columnFills: ["a": .zero])))")
    // A missing target without missing=drop.
    let labels = DataTestSupport.write(Self.csv(rows: 50, missingLabels: true))
    defer { DataTestSupport.remove(labels) }
    do {
      _ = try StreamDataset.open(path: labels, name: "m.csv", target: .named("label"), header: true,
                                 labels: nil, missing: CSVOptions(missing: .mean))
      Issue.record("opened")
    } catch let e as DataError {
      #expect(e.row == 8 && e.column == 3 && e.message.contains("missing target value"), "\(e)")
    }
  }
}
