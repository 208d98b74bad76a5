import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

@Suite("Data: .npy and IDX")
struct DataBinaryTests {
  typealias S = DataTestSupport

  /// A `.npy` file: version 1 (or 2) header padded to a multiple of 64, then `data`.
  static func npy(descr: String, shape: String, fortran: Bool = false, version: UInt8 = 1,
                  data: [UInt8]) -> [UInt8] {
    var dict = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), "
      + "'shape': \(shape), }"
    let preamble = version == 1 ? 10 : 12
    while (preamble + dict.utf8.count + 1) % 64 != 0 { dict += " " }
    dict += "\n"
    let length = dict.utf8.count
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    out += version == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
      : [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), 0, 0]
    return out + Array(dict.utf8) + data
  }

  static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
  }

  static func bigEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bigEndian) { Array($0) } }
  }

  @Test("the digits CSV, .npy and IDX hold identical tensors",
        .enabled(if: S.hasSharedData, "../shared/data not found"))
  func digitsAgree() throws {
    let images = try #require(S.sharedData("digits_images.npy"))
    let labels = try #require(S.sharedData("digits_labels.npy"))
    let idxImages = try #require(S.sharedData("digits-images-idx3-ubyte"))
    let idxLabels = try #require(S.sharedData("digits-labels-idx1-ubyte"))
    let (csv, _) = try CSVLoader.load(path: S.exampleData("digits.csv"), target: .named("label"))
    let npyX = try NPYLoader.load(path: images)
    let npyY = try NPYLoader.load(path: labels)
    let idxX = try IDXLoader.load(path: idxImages)
    let idxY = try IDXLoader.load(path: idxLabels)
    #expect(npyX.shape == [1797, 8, 8] && idxX.shape == [1797, 8, 8])
    #expect(npyY.shape == [1797] && idxY.shape == [1797])
    #expect(npyX == idxX && npyY == idxY)
    #expect(csv.x.reshaped([1797, 8, 8]) == npyX)
    #expect(csv.y == npyY)
    let d = try Dataset(x: idxX, y: idxY, targetName: "label")
    #expect(d.describe == "1797 rows × 8×8 features, target 'label' (10 classes)")
    #expect(d.featureCount == 64 && d.featureShape == [8, 8])
  }

  @Test(".npy dtypes convert to float32; v2 headers; scalars")
  func npyTypes() throws {
    let cases: [(String, [UInt8])] = [
      ("<f4", Self.littleEndian([Float(1.5), -2, 3, 4].map(\.bitPattern))),
      ("<f8", Self.littleEndian([1.5, -2.0, 3, 4].map { (v: Double) in v.bitPattern })),
      ("|u1", [1, 2, 3, 255]),
      ("<i4", Self.littleEndian([Int32(1), -2, 3, 4])),
      ("<i8", Self.littleEndian([Int64(1), -2, 3, 1 << 40])),
    ]
    let expected: [[Float]] = [[1.5, -2, 3, 4], [1.5, -2, 3, 4], [1, 2, 3, 255], [1, -2, 3, 4],
                               [1, -2, 3, 1_099_511_627_776]]
    for ((descr, data), want) in zip(cases, expected) {
      for version: UInt8 in [1, 2] {
        let path = S.write(Self.npy(descr: descr, shape: "(2, 2)", version: version, data: data),
                           name: "a.npy")
        let t = try NPYLoader.load(path: path)
        #expect(t.shape == [2, 2] && t.data == want, "\(descr) v\(version)")
      }
    }
    let scalar = S.write(Self.npy(descr: "<f4", shape: "()",
                                  data: Self.littleEndian([Float(7).bitPattern])), name: "s.npy")
    #expect(try NPYLoader.load(path: scalar) == Tensor(scalar: 7))
    let empty = S.write(Self.npy(descr: "<f4", shape: "(0, 3)", data: []), name: "e.npy")
    #expect(try NPYLoader.load(path: empty).shape == [0, 3])
  }

  @Test(".npy errors: magic, version, dtype, order, truncation")
  func npyErrors() {
    func error(_ bytes: [UInt8]) -> String? {
      let path = S.write(bytes, name: "a.npy")
      return S.message(path: path) { _ = try NPYLoader.load(path: path) }
    }
    let four = Self.littleEndian([Float(1), 2, 3, 4].map(\.bitPattern))
    #expect(error(Array("hello world, not numpy".utf8))
      == "f: byte 0: not a .npy file (bad magic: expected \\x93NUMPY)")
    #expect(error([]) == "f: byte 0: not a .npy file: 0 bytes, too short for the preamble")
    var v9 = Self.npy(descr: "<f4", shape: "(4,)", data: four)
    v9[6] = 9
    #expect(error(v9) == "f: byte 6: .npy format version 9.0 is not supported (1.0, 2.0, 3.0 are)")
    #expect(error(Self.npy(descr: "<c8", shape: "(4,)", data: four))?
      .hasPrefix("f: byte 20: dtype '<c8' is not supported") == true)
    #expect(error(Self.npy(descr: "<f4", shape: "(2, 2)", fortran: true, data: four)) == nil)
    #expect(error(Self.npy(descr: "<f4", shape: "(5,)", data: four))
      == "f: byte 128: data size mismatch: shape (5,) of '<f4' needs 20 bytes, the file has 16")
    #expect(error(Self.npy(descr: "<f4", shape: "(1797, 8, 8)", data: four))
      == "f: byte 128: data size mismatch: shape (1797, 8, 8) of '<f4' needs 460032 bytes, the file has 16")
    let whole = Self.npy(descr: "<f4", shape: "(4,)", data: four)
    #expect(error(Array(whole.prefix(40))) == "f: byte 8: truncated .npy header: it claims 118 bytes, "
      + "the file has 30 after the preamble")
    #expect(error(Self.npy(descr: "<f4", shape: "(99999999999, 99999999999, 9999999999)",
                           data: four))
      == "f: byte 60: shape (99999999999, 99999999999, 9999999999) is too large: more than 1073741824 values")
    #expect(error(Self.npy(descr: "<f4", shape: "(a, b)", data: four))?
      .hasPrefix("f: byte 60: malformed .npy header: 'shape' must be a tuple") == true)
  }

  @Test("IDX element types and big-endian dimensions")
  func idxTypes() throws {
    func idx(_ type: UInt8, _ dims: [UInt32], _ data: [UInt8]) -> [UInt8] {
      [0, 0, type, UInt8(dims.count)] + Self.bigEndian(dims) + data
    }
    let want: [Float] = [1, -2, 3, 4, 5, 6]
    let cases: [(UInt8, [UInt8])] = [
      (0x09, want.map { UInt8(bitPattern: Int8($0)) }),
      (0x0B, Self.bigEndian(want.map { Int16($0) })),
      (0x0C, Self.bigEndian(want.map { Int32($0) })),
      (0x0D, Self.bigEndian(want.map(\.bitPattern))),
      (0x0E, Self.bigEndian(want.map { Double($0).bitPattern })),
    ]
    for (type, data) in cases {
      let t = try IDXLoader.load(path: S.write(idx(type, [2, 3], data), name: "a.idx"))
      #expect(t.shape == [2, 3] && t.data == want, "type \(type)")
    }
    let bytes = try IDXLoader.load(path: S.write(idx(0x08, [3], [0, 128, 255]), name: "u.idx"))
    #expect(bytes.data == [0, 128, 255] && bytes.shape == [3])
  }

  @Test("IDX errors: magic, type, truncation")
  func idxErrors() {
    func error(_ bytes: [UInt8]) -> String? {
      let path = S.write(bytes, name: "a.idx")
      return S.message(path: path) { _ = try IDXLoader.load(path: path) }
    }
    #expect(error([0, 0]) == "f: byte 0: not an IDX file: 2 bytes, too short for the magic number")
    #expect(error([1, 0, 8, 1, 0, 0, 0, 1, 5])
      == "f: byte 0: not an IDX file (bad magic: the first two bytes must be zero)")
    #expect(error([0, 0, 0x0A, 1, 0, 0, 0, 1, 5]) == "f: byte 2: unknown IDX element type 0xA")
    #expect(error([0, 0, 8, 0]) == "f: byte 3: IDX file with 0 dimensions")
    #expect(error([0, 0, 8, 3, 0, 0, 0, 2, 0, 0])
      == "f: byte 8: truncated header: 3 dimensions need 16 bytes, the file has 10")
    #expect(error([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4])
      == "f: byte 12: data size mismatch: dimensions 2×3 need 6 bytes, the file has 4")
    #expect(error([0, 0, 0x0D, 1, 0, 0, 0, 2, 1, 2, 3, 4])
      == "f: byte 8: data size mismatch: dimensions 2 need 8 bytes, the file has 4")
    if let real = S.sharedData("digits-images-idx3-ubyte"),
       let bytes = FileManager.default.contents(atPath: real) {
      #expect(error(Array(bytes.prefix(1000)))
        == "f: byte 16: data size mismatch: dimensions 1797×8×8 need 115008 bytes, the file has 984")
    }
  }
}
