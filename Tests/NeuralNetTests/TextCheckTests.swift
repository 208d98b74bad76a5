import Testing
@testable import NeuralNet

/// The word-at-a-time plain-text test agrees with the byte-by-byte definition, and files it
/// turns away still get the located errors.
@Suite struct TextCheckTests {
  /// Printable ASCII, tab, LF or CR: the definition `isPlainText` must match.
  static func plain(_ bytes: [UInt8]) -> Bool {
    bytes.allSatisfy { ($0 >= 32 && $0 < 127) || $0 == 9 || $0 == 10 || $0 == 13 }
  }

  @Test func wordTestMatchesTheByteDefinition() {
    // Bytes at every boundary of the word tests: 0, controls, 0x1F/0x20, 0x7E/0x7F/0x80, 0xFF.
    let edges: [UInt8] = [0, 1, 8, 9, 10, 11, 13, 27, 31, 32, 48, 65, 126, 127, 128, 160, 194, 255]
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 33
    }
    var plainSeen = 0
    for length in 0..<40 {
      for _ in 0..<200 {
        // Mostly printable bytes, with an odd one at a random place now and then.
        var bytes = (0..<length).map { _ in UInt8(32 + next() % 95) }
        if length > 0, next() % 2 == 0 {
          bytes[Int(next() % UInt64(length))] = edges[Int(next() % UInt64(edges.count))]
        }
        let expected = Self.plain(bytes)
        if expected { plainSeen += 1 }
        let got = bytes.withUnsafeBufferPointer { TextCheck.isPlainText($0) }
        #expect(got == expected, "\(bytes)")
      }
    }
    #expect(plainSeen > 1000 && plainSeen < 7000)
  }

  @Test func turnedAwayFilesStillGetLocatedErrors() throws {
    let latin1: [UInt8] = Array("a,b\n1,caf".utf8) + [0xE9] + Array("\n".utf8)
    #expect(throws: DataError.self) {
      try latin1.withUnsafeBufferPointer { try TextCheck.check($0, path: "x.csv") }
    }
    let utf8 = Array("a,b\n1,café\n".utf8)
    try utf8.withUnsafeBufferPointer { try TextCheck.check($0, path: "x.csv") }
    let control: [UInt8] = Array("a,b\n1,2".utf8) + [7] + Array("\n".utf8)
    do {
      try control.withUnsafeBufferPointer { try TextCheck.check($0, path: "x.csv") }
      Issue.record("a BEL byte passed")
    } catch let error as DataError {
      #expect("\(error)".contains("0x07"))
      #expect("\(error)".contains("byte offset 7"))
    }
  }
}
