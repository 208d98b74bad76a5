import Autograd
import Foundation
import Testing
@testable import NeuralNet

/// Bytes of a safetensors file with `json` as its header (not padded) and `data` after it.
func safetensorsFile(_ json: String, data: [UInt8] = []) -> [UInt8] {
  let header = Array(json.utf8)
  let n = UInt64(header.count)
  return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + header + data
}

@Suite("SafeTensors: the codec")
struct SafeTensorsTests {
  /// The error a decode of `bytes` throws (nil when it succeeds).
  static func failure(_ bytes: [UInt8]) -> SafeTensorsError? {
    do {
      _ = try SafeTensors.decode(bytes)
      return nil
    } catch let e as SafeTensorsError {
      return e
    } catch {
      return SafeTensorsError("not a SafeTensorsError: \(error)")
    }
  }

  @Test("a tiny file has exactly the bytes worked out by hand (and by safetensors.numpy.save)")
  func exactBytes() throws {
    let bytes = try SafeTensors.encode([("a", Tensor(shape: [2], data: [1, -2]))], metadata: ["k": "v"])
    let json = #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} "#
    #expect(json.utf8.count == 80)
    let expected: [UInt8] = [0x50, 0, 0, 0, 0, 0, 0, 0] + Array(json.utf8)
      + [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]
    #expect(bytes == expected)
  }

  @Test("tensors are laid out sorted by name; the header is padded to 8 bytes; no metadata key when empty")
  func layout() throws {
    let bytes = try SafeTensors.encode([
      ("dense_2.weights", Tensor(shape: [1, 2], data: [5, 6])),
      ("dense_1.bias", Tensor(shape: [1], data: [7])),
    ])
    let n = Int(bytes[0]) | Int(bytes[1]) << 8
    #expect((8 + n) % 8 == 0)
    let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
    #expect(header.hasPrefix(#"{"dense_1.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"dense_2.weights""#))
    #expect(!header.contains("__metadata__"))
    let file = try SafeTensors.decode(bytes)
    #expect(file.tensors.map(\.name) == ["dense_1.bias", "dense_2.weights"])
    #expect(file.tensor(named: "dense_2.weights") == Tensor(shape: [1, 2], data: [5, 6]))
  }

  @Test("round trip: shapes (scalar, empty, 3-D), special floats, metadata with any text")
  func roundTrip() throws {
    let tensors: [(name: String, tensor: Tensor)] = [
      ("scalar", Tensor(scalar: 3.25)),
      ("empty", Tensor(shape: [0, 4], data: [])),
      ("cube", Tensor(shape: [2, 3, 2]) { Float($0) * 0.5 - 2 }),
      ("special", Tensor(shape: [5], data: [.infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude])),
      ("ünï.cödé \"quoted\"", Tensor(shape: [1], data: [1])),
    ]
    let metadata = [
      "model": "model net {\n  input 4\n\tdense 3 softmax # \"x\" \\ y\n}",
      "control": "\u{0}\u{1}\u{8}\u{c}\r\u{1f}\u{7f}",
      "unicode": "→ é 🧠",
      "": "empty key",
    ]
    let bytes = try SafeTensors.encode(tensors, metadata: metadata)
    let file = try SafeTensors.decode(bytes)
    #expect(file.metadata == metadata)
    for t in tensors {
      let got = try #require(file.tensor(named: t.name))
      #expect(got.shape == t.tensor.shape)
      #expect(got.data.map(\.bitPattern) == t.tensor.data.map(\.bitPattern))
    }
    // Decoding then encoding again gives the same bytes.
    #expect(try SafeTensors.encode(file.tensors, metadata: file.metadata) == bytes)
  }

  @Test("NaN payloads survive bit for bit")
  func nan() throws {
    let values = [Float.nan, -Float.nan, Float(bitPattern: 0x7FC0_1234)]
    let file = try SafeTensors.decode(try SafeTensors.encode([("x", Tensor(shape: [3], data: values))]))
    #expect(file.tensors[0].tensor.data.map(\.bitPattern) == values.map(\.bitPattern))
  }

  @Test("F64, F16 and BF16 tensors are read and converted to float32")
  func otherFloatTypes() throws {
    let f64: [UInt8] = [0, 0, 0, 0, 0, 0, 0xF8, 0x3F] + [0, 0, 0, 0, 0, 0, 0, 0xC0]  // 1.5, -2
    let f16: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0x00, 0x7C]  // 1, -2, 2^-24, inf
    let bf16: [UInt8] = [0x80, 0x3F, 0x40, 0xC0]  // 1, -3
    let json = #"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"#
      + #""b":{"dtype":"F16","shape":[4],"data_offsets":[16,24]},"#
      + #""c":{"dtype":"BF16","shape":[2],"data_offsets":[24,28]}}"#
    let file = try SafeTensors.decode(safetensorsFile(json, data: f64 + f16 + bf16))
    #expect(file.tensor(named: "a")?.data == [1.5, -2])
    #expect(file.tensor(named: "b")?.data == [1, -2, 0x1p-24, .infinity])
    #expect(file.tensor(named: "c")?.data == [1, -3])
    #expect(file.header.entries.map(\.dtype) == ["F64", "F16", "BF16"])
  }

  @Test("the writer refuses empty, reserved and repeated names")
  func badNames() {
    let t = Tensor(shape: [1], data: [1])
    #expect(throws: SafeTensorsError.self) { try SafeTensors.encode([("", t)]) }
    #expect(throws: SafeTensorsError.self) { try SafeTensors.encode([("__metadata__", t)]) }
    #expect(throws: SafeTensorsError.self) { try SafeTensors.encode([("a", t), ("a", t)]) }
  }

  /// Each malformed file, with the byte offset (nil: no offset expected), the tensor the error
  /// must name (nil: none), and a phrase of the message.
  static let malformed: [(String, [UInt8], Int?, String?, String)] = {
    let ok = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    let data = [UInt8](repeating: 0, count: 8)
    return [
      ("empty file", [], 0, nil, "too short"),
      ("7 bytes", [1, 0, 0, 0, 0, 0, 0], 0, nil, "too short"),
      ("length beyond the file", [0xFF, 0, 0, 0, 0, 0, 0, 0, UInt8(ascii: "{")], 0, nil, "truncated"),
      ("length over 100 MB", [0, 0, 0, 0, 0, 0, 0, 1] + Array("{}".utf8), 0, nil, "limit"),
      ("length 1", [1, 0, 0, 0, 0, 0, 0, 0, UInt8(ascii: "{")], 0, nil, "at least {}"),
      ("not an object", safetensorsFile("[1, 2]"), 8, nil, "'{'"),
      ("invalid UTF-8", safetensorsFile("{\"a\":1}") .enumerated().map { $0.offset == 10 ? 0xFF : $0.element }, 10, nil, "UTF-8"),
      ("unclosed object", safetensorsFile(#"{"w":{"dtype":"F32""#), 27, nil, "missing '}'"),
      ("trailing garbage", safetensorsFile("{} x"), 11, nil, "after the end"),
      ("bad escape", safetensorsFile(#"{"\q":1}"#), 10, nil, "unknown escape"),
      ("raw control character", safetensorsFile("{\"a\u{1}\":1}"), 11, nil, "control character"),
      ("lone surrogate", safetensorsFile(#"{"\ud800":1}"#), 16, nil, "surrogate"),
      ("duplicate tensor", safetensorsFile(#"{"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}"#),
       62, nil, "appears twice"),
      ("unknown dtype", safetensorsFile(#"{"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}"#, data: data), 22, "w", "unknown dtype"),
      ("unsupported dtype", safetensorsFile(#"{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: data), 22, "w", "unsupported dtype I64"),
      ("dtype not a string", safetensorsFile(#"{"w":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}"#, data: data), 22, "w", "dtype must be"),
      ("negative dimension", safetensorsFile(#"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: data), 37, "w", "whole numbers"),
      ("fractional dimension", safetensorsFile(#"{"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#, data: data), 37, "w", "whole numbers"),
      ("shape overflows", safetensorsFile(#"{"w":{"dtype":"F32","shape":[999999999999999,999999999999999],"data_offsets":[0,8]}}"#, data: data), 13, "w", "too many elements"),
      ("shape disagrees with offsets", safetensorsFile(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: data), 13, "w", "needs 12 bytes"),
      ("offsets reversed", safetensorsFile(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: data), 55, "w", "end before"),
      ("three offsets", safetensorsFile(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}"#, data: data), 55, "w", "two numbers"),
      ("missing shape", safetensorsFile(#"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#, data: data), 13, "w", "lacks shape"),
      ("unexpected key", safetensorsFile(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}"#, data: data), 65, "w", "unexpected key"),
      ("entry not an object", safetensorsFile(#"{"w":[1]}"#), 13, "w", "must be an object"),
      ("data truncated", safetensorsFile(ok, data: [0, 0, 0, 0]), 13, "w", "truncated"),
      ("bytes after the last tensor", safetensorsFile(ok, data: data + [0]), 70, nil, "belong to no tensor"),
      ("a hole", safetensorsFile(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: data), 13, "w", "no holes"),
      ("overlap", safetensorsFile(#"{"v":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: data),
       66, "w", "overlaps"),
      ("metadata not an object", safetensorsFile(#"{"__metadata__":"x"}"#), 24, nil, "__metadata__ must be"),
      ("metadata value not a string", safetensorsFile(#"{"__metadata__":{"k":1}}"#), 29, nil, "must be a string"),
      ("nested too deep", safetensorsFile("{\"a\":" + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}"),
       nil, nil, "nested more than"),
    ]
  }()

  @Test("every malformed header is one SafeTensorsError at the right byte offset", arguments: 0..<malformed.count)
  func malformedInput(_ i: Int) throws {
    let (what, bytes, offset, tensor, phrase) = SafeTensorsTests.malformed[i]
    let error = try #require(SafeTensorsTests.failure(bytes), "\(what) was accepted")
    #expect(error.message.contains(phrase), "\(what): \(error)")
    if let offset { #expect(error.offset == offset, "\(what): \(error)") }
    #expect(error.tensor == tensor, "\(what): \(error)")
    #expect(error.description.hasPrefix(offset.map { "byte \($0)" } ?? ""), "\(what)")
  }

  @Test("a valid header with whitespace, escapes and zero-size tensors is accepted")
  func lenientWhitespace() throws {
    let json = " {\n \"w\\u0041\" : { \"shape\" : [ 2 ], \"data_offsets\" : [ 0 , 8 ], \"dtype\" : \"F32\" },"
      + " \"z\": {\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}, \"__metadata__\": {} }   "
    // A header must start with '{': the leading space is refused, the rest is fine.
    #expect(SafeTensorsTests.failure(safetensorsFile(json, data: [UInt8](repeating: 0, count: 8))) != nil)
    let trimmed = String(json.dropFirst())
    let file = try SafeTensors.decode(safetensorsFile(trimmed, data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]))
    #expect(file.tensor(named: "wA")?.data == [1, 2])
    #expect(file.tensor(named: "z")?.shape == [0])
    #expect(file.metadata.isEmpty)
  }

  @Test("truncations and bit flips of a real file throw, never trap")
  func fuzz() throws {
    var tensors: [(name: String, tensor: Tensor)] = []
    for (i, shape) in [[4, 16], [16], [16, 3], [3]].enumerated() {
      tensors.append(("dense_\(i / 2 + 1).\(i % 2 == 0 ? "weights" : "bias")", Tensor(shape: shape) { Float($0) / 7 }))
    }
    let good = try SafeTensors.encode(tensors, metadata: ["dl.model": "model net {\n  input 4\n}", "dl.version": "1"])
    #expect(try SafeTensors.decode(good).tensors.count == 4)
    let headerEnd = 8 + (Int(good[0]) | Int(good[1]) << 8)
    for cut in 0..<good.count {
      #expect(SafeTensorsTests.failure(Array(good.prefix(cut))) != nil, "cut at \(cut) was accepted")
    }
    var rng = SeededRandom(seed: 7)
    var rejected = 0
    for round in 0..<3000 {
      var bytes = good
      let flips = 1 + Int(rng.next() % 3)
      for _ in 0..<flips {
        // Mostly the header (where a flip can matter), sometimes the length or the data.
        let at = round % 5 == 0 ? Int(rng.next() % UInt64(bytes.count)) : Int(rng.next() % UInt64(headerEnd))
        bytes[at] ^= UInt8(1 << (rng.next() % 8))
      }
      if let e = SafeTensorsTests.failure(bytes) {
        #expect(!e.message.hasPrefix("not a SafeTensorsError"), "\(e)")
        rejected += 1
      }
    }
    #expect(rejected > 1000)
  }

  @Test("looksLikeSafeTensors sniffs the length and the '{'")
  func sniff() throws {
    let good = try SafeTensors.encode([("a", Tensor(shape: [1], data: [1]))])
    #expect(SafeTensors.looksLikeSafeTensors(prefix: Array(good.prefix(9)), fileSize: good.count))
    #expect(!SafeTensors.looksLikeSafeTensors(prefix: Array("a,b,label\n1,2,0\n".utf8), fileSize: 16))
    #expect(!SafeTensors.looksLikeSafeTensors(prefix: Array(good.prefix(9)), fileSize: 20))
  }

  @Test("JSONStringList round-trips class names and rejects other JSON")
  func stringList() throws {
    let names = ["setosa", "versi\"color", "vir\nginica", "", "é→🧠"]
    #expect(try JSONStringList.decode(JSONStringList.encode(names)) == names)
    #expect(JSONStringList.encode(["a", "b"]) == #"["a","b"]"#)
    #expect(throws: SafeTensorsError.self) { try JSONStringList.decode(#"["a", 1]"#) }
    #expect(throws: SafeTensorsError.self) { try JSONStringList.decode(#"{"a":"b"}"#) }
    #expect(throws: SafeTensorsError.self) { try JSONStringList.decode(#"["a""#) }
  }
}

@Suite("AtomicFile: writes that never leave half a file")
struct AtomicFileTests {
  static func tempDir() -> String {
    let dir = NSTemporaryDirectory() + "dl-atomic-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  @Test("writes, replaces, creates parent directories, and leaves no temporary file")
  func writeAndReplace() throws {
    let dir = AtomicFileTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/runs/deep/net.safetensors"
    #expect(throws: FileError.self) { try AtomicFile.write([1, 2, 3], to: path) }
    try AtomicFile.write([1, 2, 3], to: path, createDirectories: true)
    #expect(try AtomicFile.read(path) == [1, 2, 3])
    try AtomicFile.write([4], to: path)
    #expect(try AtomicFile.read(path) == [4])
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/runs/deep") == ["net.safetensors"])
  }

  @Test("refuses to write over an input, also through another spelling or a hard link")
  func protectsInputs() throws {
    let dir = AtomicFileTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let input = dir + "/data.csv"
    try AtomicFile.write(Array("a,b\n".utf8), to: input)
    for spelling in [input, dir + "/./data.csv", dir + "/sub/../data.csv"] {
      try? FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
      let error = #expect(throws: FileError.self) { try AtomicFile.write([0], to: spelling, protecting: [input]) }
      #expect(error?.message.contains("input") == true)
    }
    #expect(link(input, dir + "/hard.csv") == 0)
    #expect(throws: FileError.self) { try AtomicFile.write([0], to: dir + "/hard.csv", protecting: [input]) }
    #expect(try AtomicFile.read(input) == Array("a,b\n".utf8))
  }

  @Test("clear errors for a directory, a file in the way, and a missing file")
  func errors() throws {
    let dir = AtomicFileTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let asDir = #expect(throws: FileError.self) { try AtomicFile.write([0], to: dir, displayPath: "shown") }
    #expect(asDir?.description == "shown: cannot write: it is a directory")
    try AtomicFile.write([0], to: dir + "/file")
    let blocked = #expect(throws: FileError.self) {
      try AtomicFile.write([0], to: dir + "/file/x.safetensors", createDirectories: true)
    }
    #expect(blocked?.message.contains("not a directory") == true)
    let missing = #expect(throws: FileError.self) { try AtomicFile.read(dir + "/nope", displayPath: "nope") }
    #expect(missing?.description == "nope: no such file")
  }
}
