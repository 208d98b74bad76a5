import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

/// Streaming datasets: the chunked CSV reader agrees with the in-memory loader, records cut by
/// a chunk boundary are carried over, bad rows mid-file are located, the shuffle buffer is a
/// seeded permutation, splits partition the rows, statistics match, and training learns.
@Suite struct StreamDataTests {
  /// `rows` rows of `a,b,label` with label = (a + b > 0).
  static func csv(rows: Int, seed: UInt64 = 1) -> String {
    var rng = SeededRandom(seed: seed)
    var out = "a,b,label\n"
    for _ in 0..<rows {
      let a = rng.uniform(-1, 1), b = rng.uniform(-1, 1)
      out += "\(a),\(b),\(a + b > 0 ? 1 : 0)\n"
    }
    return out
  }

  static func allRows(_ s: StreamDataset) throws -> (x: [Float], y: [Float]) {
    var x: [Float] = [], y: [Float] = []
    try s.forEachRow { r, t in x += Array(r); y += Array(t) }
    return (x, y)
  }

  @Test func streamedRowsEqualTheInMemoryLoad() throws {
    let path = DataTestSupport.write(Self.csv(rows: 3000))
    defer { DataTestSupport.remove(path) }
    let (d, _) = try CSVLoader.load(path: path, target: .named("label"))
    var s = try StreamDataset.open(path: path, name: "t.csv", target: .named("label"), header: true, labels: nil)
    #expect(s.count == 3000)
    #expect(s.featureNames == ["a", "b"])
    #expect(s.targetName == "label")
    // Tiny chunks: every chunk boundary cuts a record.
    var small = s.source as? CSVRowSource
    small?.chunkBytes = 37
    s = StreamDataset(source: try #require(small), name: "t.csv", fileRows: s.fileRows, featureShape: s.featureShape,
                      featureNames: s.featureNames, targetName: s.targetName, classNames: s.classNames)
    let (x, y) = try Self.allRows(s)
    #expect(x == d.x.data)
    #expect(y == d.y?.data)
  }

  @Test func quotedFieldsWithLineBreaksSurviveChunkCuts() throws {
    var text = "name,v,label\n"
    for i in 0..<200 { text += "\"line\none \(i)\",\(i),\(i % 3 == 0 ? "cat" : "dog")\n" }
    let path = DataTestSupport.write(text)
    defer { DataTestSupport.remove(path) }
    // 'name' is text: loading it as a feature must fail at its first row, line 2.
    #expect(throws: DataError.self) {
      _ = try Self.allRows(try StreamDataset.open(path: path, name: "t.csv", target: .named("label"), header: true, labels: nil))
    }
    var rows = 0
    try CSVChunks.records(path: path, chunkBytes: 16, skipHeader: true) { bytes, fields, line in
      #expect(fields.count == 3)
      #expect(fields[0].text(in: bytes) == "line\none \(rows)")
      #expect(line == 2 + 2 * rows)
      rows += 1
      return true
    }
    #expect(rows == 200)
  }

  @Test func textLabelsBecomeSortedClasses() throws {
    let path = DataTestSupport.write("x,label\n1,dog\n2,cat\n3,dog\n4,emu\n")
    defer { DataTestSupport.remove(path) }
    let s = try StreamDataset.open(path: path, name: "t.csv", target: .last, header: true, labels: nil)
    #expect(s.classNames == ["cat", "dog", "emu"])
    #expect(try Self.allRows(s).y == [1, 0, 1, 2])
  }

  @Test func wholeNumberLabelsAreMappedAsInMemory() throws {
    let path = DataTestSupport.write("x,label\n1,10\n2,20\n3,10\n")
    defer { DataTestSupport.remove(path) }
    let s = try StreamDataset.open(path: path, name: "t.csv", target: .last, header: true, labels: nil)
    let (d, _) = try CSVLoader.load(path: path, target: .last)
    #expect(s.classNames == d.classNames)
    #expect(try Self.allRows(s).y == d.y?.data)
  }

  @Test func raggedRowIsFoundByTheSurveyWithItsLine() throws {
    var text = Self.csv(rows: 500)
    text += "1,2\n"
    let path = DataTestSupport.write(text)
    defer { DataTestSupport.remove(path) }
    let error = try #require(throws: DataError.self) {
      _ = try StreamDataset.open(path: path, name: "t.csv", target: .last, header: true, labels: nil)
    }
    #expect(error.row == 502)
    #expect(error.message.contains("expected 3 fields, found 2"))
  }

  @Test func badNumberMidStreamIsALocatedErrorDuringTheRead() throws {
    var text = Self.csv(rows: 5000)
    text += "abc,0.5,1\n"
    let path = DataTestSupport.write(text)
    defer { DataTestSupport.remove(path) }
    let s = try StreamDataset.open(path: path, name: "t.csv", target: .last, header: true, labels: nil)
    let batches = StreamBatches(s, batchSize: 64, shuffle: true, bufferRows: 100, rng: SeededRandom(seed: 3))
    var rows = 0
    let error = try #require(throws: DataError.self) {
      while let b = try batches.next() { rows += b.rows }
    }
    #expect(error.row == 5002)
    #expect(error.column == 1)
    #expect(error.columnName == "a")
    #expect(rows <= 5000)
  }

  @Test func shuffleBufferIsASeededPermutation() throws {
    let path = DataTestSupport.write(Self.csv(rows: 1000))
    defer { DataTestSupport.remove(path) }
    let s = try StreamDataset.open(path: path, name: "t.csv", target: .last, header: true, labels: nil)
    func pass(_ seed: UInt64) throws -> [Float] {
      let b = StreamBatches(s, batchSize: 30, shuffle: true, bufferRows: 200, blockRows: 64, rng: SeededRandom(seed: seed))
      var x: [Float] = []
      while let batch = try b.next() { x += batch.x }
      return x
    }
    let ordered = try Self.allRows(s).x
    let a = try pass(7), b = try pass(7), c = try pass(8)
    #expect(a == b)
    #expect(a != c)
    #expect(a != ordered)
    // Same multiset of rows: compare the sorted first columns.
    let firsts = { (v: [Float]) in stride(from: 0, to: v.count, by: 2).map { v[$0] }.sorted() }
    #expect(firsts(a) == firsts(ordered))
  }

  @Test func splitPartsPartitionTheRowsAndAgainEveryPass() throws {
    let path = DataTestSupport.write(Self.csv(rows: 2000))
    defer { DataTestSupport.remove(path) }
    let s = try StreamDataset.open(path: path, name: "t.csv", target: .last, header: true, labels: nil)
    let parts = try s.split(fractions: [0.8], seed: 42)
    #expect(parts.count == 2)
    #expect(parts[0].count + parts[1].count == 2000)
    #expect(abs(parts[0].count - 1600) < 120)
    let a = try Self.allRows(parts[0]).x, b = try Self.allRows(parts[1]).x
    #expect(a.count / 2 == parts[0].count && b.count / 2 == parts[1].count)
    #expect(try Self.allRows(parts[0]).x == a)
    let firstA = Set(stride(from: 0, to: a.count, by: 2).map { a[$0] })
    #expect(stride(from: 0, to: b.count, by: 2).allSatisfy { !firstA.contains(b[$0]) })
  }

  @Test func statisticsMatchTheInMemoryScaler() throws {
    let path = DataTestSupport.write(Self.csv(rows: 1500))
    defer { DataTestSupport.remove(path) }
    let (d, _) = try CSVLoader.load(path: path, target: .last)
    var s = try StreamDataset.open(path: path, name: "t.csv", target: .last, header: true, labels: nil)
    let stats = try s.statistics()
    let scaler = Scaler.standardize(fitOn: d)
    for j in 0..<2 {
      #expect(abs(stats.means[j] - scaler.means[j]) < 1e-5)
      #expect(abs(stats.stds[j] - scaler.stds[j]) < 1e-5)
    }
    s.compose(offset: stats.means, scale: stats.stds)
    let scaled = try Self.allRows(s).x
    let expected = try scaler.apply(to: d.x).data
    #expect(zip(scaled, expected).allSatisfy { abs($0 - $1) < 1e-4 })
  }

  @Test func mappedNPYStreamsTheSameRows() throws {
    var rng = SeededRandom(seed: 5)
    let values = (0..<(50 * 6)).map { _ in rng.uniform(-2, 2) }
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (50, 6), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = NPYLoader.magic + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
    let path = DataTestSupport.write(bytes, name: "x.npy")
    defer { DataTestSupport.remove(path) }
    let s = try StreamDataset.open(path: path, name: "x.npy", target: .none, header: true, labels: nil)
    #expect(s.count == 50)
    #expect(s.featureShape == [6])
    var got: [Float] = []
    try s.source.read(blockRows: 7) { got += $0.x; return true }
    #expect(got == values)
  }

  @Test func fitOnAStreamLearnsLikeInMemory() throws {
    let path = DataTestSupport.write(Self.csv(rows: 2000))
    defer { DataTestSupport.remove(path) }
    let s = try StreamDataset.open(path: path, name: "t.csv", target: .last, header: true, labels: nil)
    var rng = SeededRandom(seed: 11)
    let model = Model(inputShape: [2])
    _ = try model.add(Dense(units: 8, activation: .relu), rng: &rng)
    _ = try model.add(Dense(units: 2, activation: .softmax), rng: &rng)
    try model.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(lr: 0.01), metrics: [.accuracy])
    let h = try model.fit(stream: s, epochs: 5, batchSize: 32, bufferRows: 500, rng: &rng)
    #expect(h.epochs == 5)
    let acc = try #require(model.evaluate(stream: s).first { $0.0 == "accuracy" }?.1)
    #expect(acc > 0.9)
    let (out, truth) = try model.predict(stream: s, limit: 5)
    #expect(out.shape == [5, 2])
    #expect(truth?.count == 5)
  }
}
