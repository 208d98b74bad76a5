import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

/// Data defects a new user found: hex floats, NUL bytes, Latin-1 and binary files read as CSV,
/// numeric class labels, `.npy` / IDX files given to `load`.
@Suite("Data: user-found defects")
struct DataDefectTests {
  typealias S = DataTestSupport

  @Test("hexadecimal floats are not numbers: an error in a feature, a text label in the target")
  func hexFloats() throws {
    #expect(S.csvError("a,y\n0x10,0\n") == "t.csv:2: column 1 ('a'): '0x10' is not a number")
    #expect(S.csvError("a,y\n0x1p3,0\n") == "t.csv:2: column 1 ('a'): '0x1p3' is not a number")
    let (d, report) = try S.load("a,y\n1,0x10\n2,0x1p3\n")
    #expect(d.classNames == ["0x10", "0x1p3"])
    #expect(report.labelMapping.map(\.0) == ["0x10", "0x1p3"])
    // inf and nan are still recognised as not finite.
    #expect(S.csvError("a,y\n-Infinity,0\n") == "t.csv:2: column 1 ('a'): '-Infinity' is not a finite number")
    #expect(S.csvError("a,y\nINF,0\n") == "t.csv:2: column 1 ('a'): 'INF' is not a finite number")
  }

  @Test("a NUL byte inside a number is an error with its row and column")
  func nulInNumber() {
    let path = S.write(Array("a,b,y\n1,2,0\n3,4".utf8) + [0] + Array("5,1\n".utf8))
    defer { S.remove(path) }
    let message = S.message(path: path) { _ = try CSVLoader.load(path: path, target: .last) }
    #expect(message == "f:3: column 2: NUL byte at byte offset 15: this looks like a binary file, not CSV text")
  }

  @Test("a Latin-1 label is an error saying the file is not UTF-8, with row, column and offset")
  func latin1() {
    let path = S.write(Array("x,label\n1,caf".utf8) + [0xE9] + Array("\n".utf8))
    defer { S.remove(path) }
    let message = S.message(path: path) { _ = try CSVLoader.load(path: path, target: .last) }
    #expect(message == "f:2: column 2: the file is not UTF-8: byte 0xE9 at byte offset 13 (Latin-1?); "
      + "save it as UTF-8, e.g. iconv -f latin1 -t utf-8")
  }

  @Test("a binary file is detected, and no message holds a raw control byte")
  func binaryFile() throws {
    var bytes: [UInt8] = Array("a,b\n1,2\n".utf8)
    bytes += [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x1B, 0x5B, 0x32, 0x4A]
    let path = S.write(bytes)
    defer { S.remove(path) }
    let message = try #require(S.message(path: path) { _ = try CSVLoader.load(path: path, target: .last) })
    #expect(message == "f:3: column 1: control character 0x7F at byte offset 8; a CSV file holds text")
    #expect(!message.unicodeScalars.contains { $0.value < 32 || $0.value == 127 })
    let escape = S.write(Array("a,b\n1,\u{1B}[2J\n".utf8))
    defer { S.remove(escape) }
    #expect(S.message(path: escape) { _ = try CSVLoader.load(path: escape, target: .last) }
      == "f:2: column 2: control character 0x1B at byte offset 6; a CSV file holds text")
    // A binary file with NUL bytes is called binary, even after other odd bytes.
    let png = S.write([0x89] + Array("PNG\r\n".utf8) + [0x1A, 0x0A, 0, 0, 0, 0x0D])
    defer { S.remove(png) }
    #expect(S.message(path: png) { _ = try CSVLoader.load(path: png, target: .last) }
      == "f:3: column 1: NUL byte at byte offset 8: this looks like a binary file, not CSV text")
    // Tabs, CR LF line ends and UTF-8 text are fine.
    let (d, _) = try S.load("x,label\r\n1,café\r\n2,\tnaïve\r\n")
    #expect(d.classNames == ["café", "naïve"])
  }

  @Test("whole-number labels are classes: 10/20 map to 0/1; 0…K-1 keep their values")
  func integerLabels() throws {
    let (d, report) = try S.load("a,label\n1,10\n2,20\n3,10\n")
    #expect(d.classCount == 2 && d.classNames == ["10", "20"])
    #expect(d.y?.data == [0, 1, 0])
    #expect(report.labelMapping.map(\.0) == ["10", "20"] && report.labelMapping.map(\.1) == [0, 1])
    #expect(d.describe == "3 rows × 1 feature, target 'label' (2 classes)")
    let (digits, digitsReport) = try S.load("a,label\n1,0\n2,2\n3,1\n")
    #expect(digits.y?.data == [0, 2, 1] && digits.classNames == ["0", "1", "2"])
    #expect(digitsReport.labelMapping.isEmpty, "identity: no mapping printed")
    // Written with a decimal point: a numeric target, as it was.
    let (reg, regReport) = try S.load("a,y\n1,10.0\n2,20.0\n")
    #expect(reg.y?.data == [10, 20] && reg.classNames == nil && regReport.labelMapping.isEmpty)
    #expect(reg.describe == "2 rows × 1 feature, target 'y' (numeric)")
  }

  @Test("array files: told by their magic bytes, loaded with their labels")
  func arrayFiles() throws {
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }"
    var npy: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    let padded = header + String(repeating: " ", count: 64 - (10 + header.utf8.count + 1) % 64) + "\n"
    npy += [UInt8(padded.utf8.count & 0xFF), UInt8(padded.utf8.count >> 8)] + Array(padded.utf8)
    npy += [Float](arrayLiteral: 1, 2, 3, 4, 5, 6).flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    let x = S.write(npy, name: "x.bin")
    let idx = S.write([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 9, 7], name: "labels")
    defer { S.remove(x); S.remove(idx) }
    #expect(ArrayDataset.format(of: x) == .npy)
    #expect(ArrayDataset.format(of: idx) == .idx)
    #expect(ArrayDataset.format(of: S.exampleData("iris.csv")) == nil)
    let (d, report) = try ArrayDataset.load(features: x, labels: idx)
    #expect(d.x.shape == [3, 2] && d.x.data == [1, 2, 3, 4, 5, 6])
    #expect(d.y?.data == [0, 1, 0] && d.classNames == ["7", "9"])
    #expect(report.labelMapping.map(\.0) == ["7", "9"])
    let (unlabelled, _) = try ArrayDataset.load(features: x, labels: nil)
    #expect(unlabelled.y == nil && unlabelled.describe == "3 rows × 2 features, no target")
    let short = S.write([0, 0, 0x08, 1, 0, 0, 0, 2, 1, 1], name: "short")
    defer { S.remove(short) }
    #expect(throws: DataError.self) { try ArrayDataset.load(features: x, labels: short) }
  }

  @Test("the shared digits load from .npy and from IDX as the same dataset",
        .enabled(if: S.hasSharedData, "../shared/data not found"))
  func sharedDigits() throws {
    let npy = try ArrayDataset.load(features: try #require(S.sharedData("digits_images.npy")),
                                    labels: try #require(S.sharedData("digits_labels.npy"))).0
    let idx = try ArrayDataset.load(features: try #require(S.sharedData("digits-images-idx3-ubyte")),
                                    labels: try #require(S.sharedData("digits-labels-idx1-ubyte"))).0
    #expect(npy.x.shape == [1797, 8, 8, 1] && npy.x == idx.x && npy.y == idx.y)
    #expect(npy.classNames == (0...9).map(String.init))
    #expect(npy.describe == "1797 rows × 8×8×1 features, target (10 classes)")
  }
}
