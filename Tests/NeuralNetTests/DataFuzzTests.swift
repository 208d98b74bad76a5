import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

@Suite("Data: robustness")
struct DataFuzzTests {
  typealias S = DataTestSupport

  /// Loading must either succeed or throw `DataError`; a trap would end the test process.
  static func survives(_ bytes: [UInt8]) -> Bool {
    let path = S.write(bytes, name: "f.bin")
    defer { S.remove(path) }
    for target: TargetSpec in [.last, .none, .named("label")] {
      for missing in MissingPolicy.allCases {
        do { _ = try CSVLoader.load(path: path, target: target, missing: missing) } catch {
          if !(error is DataError) { return false }
        }
      }
    }
    for load in [NPYLoader.load(path:), IDXLoader.load(path:)] {
      do { _ = try load(path) } catch { if !(error is DataError) { return false } }
    }
    return true
  }

  @Test("truncations and corruptions of iris.csv never trap")
  func truncations() throws {
    let iris = Array(try #require(FileManager.default.contents(atPath: S.exampleData("iris.csv"))))
    var rng = SeededRandom(seed: 99)
    var cuts = Array(0..<80) + [iris.count - 1]
    for _ in 0..<40 { cuts.append(rng.int(below: iris.count)) }
    for cut in cuts { #expect(Self.survives(Array(iris.prefix(cut))), "prefix \(cut)") }
    let specials: [UInt8] = Array("\",\r\n\u{0} e.-+".utf8) + [0xEF, 0xBB, 0xBF, 0xFF, 0x93]
    for trial in 0..<60 {
      var bytes = iris
      for _ in 0..<(1 + trial % 8) {
        bytes[rng.int(below: bytes.count)] = specials[rng.int(below: specials.count)]
      }
      #expect(Self.survives(bytes), "corruption \(trial)")
    }
  }

  @Test("random bytes never trap")
  func randomBytes() {
    var rng = SeededRandom(seed: 2024)
    for trial in 0..<150 {
      let count = rng.int(below: 300)
      var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      if trial % 3 == 0, !bytes.isEmpty { bytes[0] = 0 }
      if trial % 5 == 0 { bytes = [0x93] + Array("NUMPY".utf8) + bytes }
      #expect(Self.survives(bytes), "trial \(trial)")
    }
  }

  /// The files of `fuzz/corpus/NAME`, the libFuzzer targets' committed seeds, by file name.
  static func seeds(_ name: String) -> [(String, [UInt8])] {
    let dir = URL(fileURLWithPath: S.exampleData("")).deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("fuzz/corpus/\(name)")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.sorted().compactMap { file in
      FileManager.default.contents(atPath: dir.appendingPathComponent(file).path)
        .map { (file, Array($0)) }
    }
  }

  /// What a script does with a loaded dataset (as the CSV fuzz target does); false when
  /// something broke an invariant or threw something other than `DataError`.
  static func usable(_ d: Dataset, _ report: LoadReport, missing: MissingPolicy = .error) -> Bool {
    guard d.count == report.rowsRead - report.rowsDropped,
          d.x.data.allSatisfy({ $0.isFinite || (missing == .keep && $0.isNaN) }) else {
      return false
    }
    _ = d.describe
    for scaler in [Scaler.standardize(fitOn: d), Scaler.minMax(fitOn: d)] {
      do { _ = try scaler.apply(d) } catch { if !(error is DataError) { return false } }
    }
    var rng = SeededRandom(seed: 7)
    for stratify in [false, true] {
      do {
        let parts = try Split.split(d, fractions: [0.7, 0.15], stratify: stratify, rng: &rng)
        if parts.map(\.count).reduce(0, +) != d.count { return false }
      } catch {
        if !(error is DataError) { return false }
      }
    }
    if let balance = try? ClassBalance(d), balance.total != d.count { return false }
    return true
  }

  /// Loads `bytes` in memory under every target and missing-value policy, then uses the
  /// dataset; false on a broken invariant or an error that is not a `DataError`.
  static func survivesInMemory(_ bytes: [UInt8]) -> Bool {
    for target: TargetSpec in [.last, .none, .named("label")] {
      for missing in MissingPolicy.allCases {
        for header in [true, false] {
          do {
            let (d, report) = try CSVLoader.load(bytes: bytes, path: "m.csv", target: target,
                                                 header: header, missing: missing)
            if !usable(d, report, missing: missing) { return false }
          } catch let error as DataError {
            // Located inside the input: lines end at \n, \r\n or a lone \r.
            let lines = 1 + bytes.indices.filter {
              bytes[$0] == 10 || (bytes[$0] == 13 && ($0 + 1 == bytes.count || bytes[$0 + 1] != 10))
            }.count
            if let row = error.row, row < 1 || row > lines { return false }
            if let column = error.column, column < 1 { return false }
          } catch {
            return false
          }
        }
      }
    }
    for load in [NPYLoader.load(bytes:path:), IDXLoader.load(bytes:path:)] {
      do {
        let t = try load(bytes, "m.bin")
        if t.data.count != t.shape.reduce(1, *) { return false }
      } catch {
        if !(error is DataError) { return false }
      }
    }
    return true
  }

  @Test("the in-memory CSV entry point gives what load(path:) gives, errors included")
  func inMemoryMatchesFile() throws {
    let corpus = Self.seeds("csv")
    try #require(corpus.count >= 5, "fuzz/corpus/csv holds the CSV fuzz target's seeds")
    for (name, bytes) in corpus + [("not_a_number", Array("a,b\n1,x\n2,3\n".utf8))] {
      let path = S.write(bytes, name: name)
      defer { S.remove(path) }
      for missing in MissingPolicy.allCases {
        let fromFile = Result { try CSVLoader.load(path: path, target: .last, missing: missing) }
        let inMemory = Result {
          try CSVLoader.load(bytes: bytes, path: path, target: .last, missing: missing)
        }
        switch (fromFile, inMemory) {
        case (.success(let a), .success(let b)):
          // bit patterns: missing=keep leaves NaN cells, which never compare equal
          #expect(a.0.x.shape == b.0.x.shape && a.0.x.data.map(\.bitPattern) == b.0.x.data.map(\.bitPattern)
                  && a.0.y == b.0.y && a.0.classNames == b.0.classNames, "\(name)")
        case (.failure(let a), .failure(let b)):
          #expect(a as? DataError == b as? DataError, "\(name)")
        default:
          Issue.record("\(name) \(missing): \(fromFile) vs \(inMemory)")
        }
      }
    }
  }

  @Test("the binary seeds load in memory with their shapes; their corruptions never trap")
  func binarySeeds() throws {
    let corpus = Self.seeds("binary")
    try #require(corpus.count >= 10, "fuzz/corpus/binary holds the binary fuzz target's seeds")
    var rng = SeededRandom(seed: 5)
    for (name, bytes) in corpus {
      let t = try name.hasSuffix(".npy") ? NPYLoader.load(bytes: bytes, path: name)
        : IDXLoader.load(bytes: bytes, path: name)
      // The file names spell the shape: f4_3x2.npy, u8_2x2x2.idx, i8_scalar_v3.npy.
      let parts = name.split(separator: "_")
      let dims = parts.count > 1 && !name.contains("scalar")
        ? parts[1].split(separator: ".")[0].split(separator: "x").compactMap { Int($0) } : []
      #expect(t.shape == dims, "\(name)")
      for cut in stride(from: 0, to: bytes.count, by: 3) {
        #expect(Self.survivesInMemory(Array(bytes.prefix(cut))), "\(name) cut at \(cut)")
      }
      for _ in 0..<40 {
        var corrupt = bytes
        for _ in 0..<(1 + rng.int(below: 3)) {
          corrupt[rng.int(below: corrupt.count)] = UInt8(truncatingIfNeeded: rng.next())
        }
        #expect(Self.survivesInMemory(corrupt), "\(name) corrupted: \(corrupt)")
      }
    }
  }

  @Test("corruptions of the CSV seeds, loaded in memory and used, never trap")
  func csvSeedCorruptions() throws {
    let corpus = Self.seeds("csv")
    try #require(!corpus.isEmpty)
    let specials: [UInt8] = Array("\",\r\n\u{0} e.-+0123456789NA/".utf8) + [0xEF, 0xBB, 0xBF, 0xFF]
    var rng = SeededRandom(seed: 17)
    for (name, bytes) in corpus {
      #expect(Self.survivesInMemory(bytes), "\(name)")
      for trial in 0..<25 {
        var corrupt = bytes
        for _ in 0..<(1 + trial % 4) {
          let at = rng.int(below: corrupt.count)
          switch rng.int(below: 3) {
          case 0: corrupt[at] = specials[rng.int(below: specials.count)]
          case 1: corrupt.insert(specials[rng.int(below: specials.count)], at: at)
          default: corrupt.remove(at: at)
          }
          if corrupt.isEmpty { corrupt = [0x2C] }
        }
        #expect(Self.survivesInMemory(corrupt), "\(name): \(String(decoding: corrupt, as: UTF8.self))")
      }
    }
  }

  @Test("byte float parser agrees with Float(String)")
  func floatParser() {
    var rng = SeededRandom(seed: 11)
    var texts = ["0", "-0", "1", "0.1", "0.3", "16777217", "9007199254740993", "3.4028235e38",
                 "1.17549435e-38", "1e-45", "7.038531e-26", "1.00000005960464477539062",
                 "0.000000000000000000000000000000000000000000001", "123456.789e-3",
                 "00012.50000", ".5", "5.", "-0.08310", "+7", "0.00000000012345678901234567",
                 "12345678901234567890123.5", "1234567890123456789.25", "000.000e5"]
    for _ in 0..<3000 {
      let v = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
      if v.isFinite { texts.append("\(v)") }
      let mantissa = rng.int(below: 100_000_000)
      texts.append("\(mantissa)e\(rng.int(below: 60) - 30)")
      texts.append("0.\(rng.int(below: 1_000_000_000))")
    }
    for text in texts {
      let bytes = Array(text.utf8)
      let parsed = bytes.withUnsafeBufferPointer { FloatParser.parse($0, 0, $0.count) }
      #expect(parsed == .value(Float(text) ?? .nan), "\(text)")
    }
  }

  @Test("byte float parser turns away what is not decimal text")
  func floatParserRejects() {
    for text in [".", "-", "+", "1.2.3", "e5", "1e", "1e+", "--1", "1-", ".e1", "0x10", "1,5"] {
      let bytes = Array(text.utf8)
      let parsed = bytes.withUnsafeBufferPointer { FloatParser.parse($0, 0, $0.count) }
      #expect(parsed == .notANumber, "\(text)")
    }
  }
}
