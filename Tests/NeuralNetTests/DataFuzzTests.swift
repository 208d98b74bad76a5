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

  @Test("byte float parser agrees with Float(String)")
  func floatParser() {
    var rng = SeededRandom(seed: 11)
    var texts = ["0", "-0", "1", "0.1", "0.3", "16777217", "9007199254740993", "3.4028235e38",
                 "1.17549435e-38", "1e-45", "7.038531e-26", "1.00000005960464477539062",
                 "0.000000000000000000000000000000000000000000001", "123456.789e-3"]
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
}
