import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

/// Images in: `.npy` byte orders and layouts, `.npz` archives (stored, deflated, hostile),
/// CSV rows reshaped to images, labels files, and dataset operations on (N, H, W, C) data.
/// The fixtures come from bench/fixtures/make_array_fixtures.py.
@Suite("Data: images (.npy, .npz, IDX, CSV shape=)", .serialized)
struct DataImageTests {
  typealias S = DataTestSupport
  typealias B = DataBinaryTests

  /// A committed fixture under Tests/NeuralNetTests/Fixtures/arrays.
  static func fixture(_ name: String, file: String = #filePath) -> String {
    URL(fileURLWithPath: file).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/arrays/\(name)").path
  }

  /// The `DataError` description of `body`, or nil.
  static func error(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch let e as DataError { return e.description } catch { return nil }
  }

  @Test(".npy from NumPy: big-endian, Fortran order, header versions 2 and 3")
  func numpyFiles() throws {
    let be8 = try NPYLoader.load(path: Self.fixture("be_f8.npy"))
    #expect(be8.shape == [2, 3] && be8.data == [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
    let be4 = try NPYLoader.load(path: Self.fixture("be_i4.npy"))
    #expect(be4.shape == [3, 2] && be4.data == [0, -7, -14, -21, -28, -35])
    let fortran = try NPYLoader.load(path: Self.fixture("fortran_i4.npy"))
    #expect(fortran.shape == [2, 3, 4] && fortran.data == (0..<24).map(Float.init))
    for version in [2, 3] {
      let t = try NPYLoader.load(path: Self.fixture("f4_v\(version).npy"))
      #expect(t.shape == [2, 2] && t.data == [0, 1, 2, 3], "v\(version)")
    }
  }

  @Test(".npy dtypes: every integer width, either byte order, '|' and '='")
  func npyDtypes() throws {
    let want: [Float] = [1, 2, 3, 200]
    let cases: [(String, [UInt8])] = [
      ("|i1", [1, 2, 3, 200].map { UInt8($0) }),
      ("|b1", [1, 2, 3, 200]),
      ("<u2", B.littleEndian([UInt16(1), 2, 3, 200])),
      (">u2", B.bigEndian([UInt16(1), 2, 3, 200])),
      (">i2", B.bigEndian([Int16(1), 2, 3, 200])),
      ("<u4", B.littleEndian([UInt32(1), 2, 3, 200])),
      (">u8", B.bigEndian([UInt64(1), 2, 3, 200])),
      (">i8", B.bigEndian([Int64(1), 2, 3, 200])),
      (">f4", B.bigEndian([Float(1), 2, 3, 200].map(\.bitPattern))),
      ("=f8", B.littleEndian([1.0, 2, 3, 200].map { (v: Double) in v.bitPattern })),
      ("f4", B.littleEndian([Float(1), 2, 3, 200].map(\.bitPattern))),
    ]
    for (descr, data) in cases {
      let t = try NPYLoader.load(bytes: B.npy(descr: descr, shape: "(4,)", data: data), path: "a.npy")
      // |i1 reads 200 as the signed byte -56.
      #expect(t.data == (descr == "|i1" ? [1, 2, 3, -56] : want), "\(descr)")
    }
  }

  @Test(".npy errors name the byte offset: dtype, byte order, header dictionary, shape")
  func npyErrorOffsets() {
    func error(_ descr: String, _ shape: String, _ data: [UInt8] = [1, 2, 3, 4], fortran: String? = nil) -> String? {
      var bytes = B.npy(descr: descr, shape: shape, data: data)
      if let fortran, let at = (0..<bytes.count - 5).first(where: { bytes[$0..<($0 + 5)].elementsEqual("False".utf8) }) {
        bytes.replaceSubrange(at..<(at + 5), with: Array(fortran.utf8))
      }
      return Self.error { _ = try NPYLoader.load(bytes: bytes, path: "f") }
    }
    #expect(error("|f4", "(1,)") == "f: byte 20: dtype '|f4' is not supported (supported: u1 i1 b1 u2 i2 u4 i4 u8 i8 f4 f8, with byte order '<', '>', '|' or '=')")
    #expect(error("<U8", "(1,)")?.hasPrefix("f: byte 20: dtype '<U8' is not supported") == true)
    #expect(error("<f4", "(-1,)")?.hasPrefix("f: byte 60: malformed .npy header: 'shape' must be a tuple") == true)
    #expect(error("<f4", "(,3)")?.hasPrefix("f: byte 60: malformed .npy header: 'shape'") == true)
    #expect(error("<f4", "(1,)", fortran: "Maybe")
      == "f: byte 44: malformed .npy header: 'fortran_order' must be True or False")
    #expect(error("<f4", "(" + Array(repeating: "1", count: 33).joined(separator: ", ") + ")")
      == "f: byte 60: shape has 33 dimensions; at most 32 are supported")
    #expect(error("<f4", "(65536, 65536)")
      == "f: byte 60: shape (65536, 65536) is too large: more than 1073741824 values")
    #expect(error("<f4", "(2,)") == "f: byte 128: data size mismatch: shape (2,) of '<f4' needs 8 bytes, the file has 4")
    var structured = B.npy(descr: "<f4", shape: "(1,)", data: [1, 2, 3, 4])
    structured.replaceSubrange(20..<25, with: Array("[('a'".utf8))
    #expect(Self.error { _ = try NPYLoader.load(bytes: structured, path: "f") }?
      .hasPrefix("f: byte 20: malformed .npy header: 'descr' must be a quoted dtype") == true)
    var list = B.npy(descr: "<f4", shape: "(1,)", data: [1, 2, 3, 4])
    list[10] = UInt8(ascii: "[")
    #expect(Self.error { _ = try NPYLoader.load(bytes: list, path: "f") }?
      .hasPrefix("f: byte 10: malformed .npy header (not a dictionary)") == true)
    var long = B.npy(descr: "<f4", shape: "(1,)", version: 2, data: [1, 2, 3, 4])
    long[8...11] = [0, 0, 0, 1]
    #expect(Self.error { _ = try NPYLoader.load(bytes: long, path: "f") }
      == "f: byte 8: the .npy header claims 16777216 bytes; at most 65536 are allowed")
  }

  @Test("Fortran order transposes any rank into C order")
  func fortranOrder() {
    // Column-major (2, 3): columns [0 1], [2 3], [4 5] → rows [0 2 4], [1 3 5].
    #expect(NPYLoader.fortranToC([0, 1, 2, 3, 4, 5], shape: [2, 3]) == [0, 2, 4, 1, 3, 5])
    #expect(NPYLoader.fortranToC([7, 8, 9], shape: [3]) == [7, 8, 9])
    let shape = [2, 3, 4]
    var fortran = [Float](repeating: 0, count: 24)
    for i in 0..<2 { for j in 0..<3 { for k in 0..<4 {
      fortran[i + 2 * (j + 3 * k)] = Float(100 * i + 10 * j + k)
    } } }
    let c = NPYLoader.fortranToC(fortran, shape: shape)
    #expect(c[1 * 12 + 2 * 4 + 3] == 123 && c[0 * 12 + 1 * 4 + 2] == 12)
  }

  @Test("(N, H, W) arrays become (N, H, W, 1) images; (N, H, W, C) are kept")
  func imageShapes() throws {
    let (gray, _) = try ArrayDataset.load(features: Self.fixture("u1_images.npy"),
                                          labels: Self.fixture("float_labels.npy"))
    #expect(gray.x.shape == [2, 3, 3, 1] && gray.featureShape == [3, 3, 1])
    #expect(gray.x.data == (0..<18).map(Float.init))
    #expect(gray.y?.data == [1, 0] && gray.classNames == ["0", "1"])
    let (rgb, _) = try ArrayDataset.load(features: Self.fixture("rgb_images.npy"), labels: nil)
    #expect(rgb.x.shape == [2, 2, 2, 3] && rgb.describe == "2 rows × 2×2×3 features, no target")
  }

  @Test("labels: count must match, naming both files and both counts")
  func labelCounts() throws {
    #expect(Self.error {
      _ = try ArrayDataset.load(features: Self.fixture("u1_images.npy"), labels: Self.fixture("fortran_i4.npy"),
                                featuresName: "images.npy", labelsName: "labels.npy")
    } == "labels.npy: labels of shape (2, 3, 4) are not one label (or one row of targets) per sample")
    // (N, k) labels are k targets per sample.
    let targets = try ArrayDataset.load(features: Self.fixture("u1_images.npy"), labels: Self.fixture("be_f8.npy")).0
    #expect(targets.y?.shape == [2, 3])
    #expect(Self.error {
      _ = try ArrayDataset.load(features: Self.fixture("rgb_images.npy"), labels: Self.fixture("be_i4.npy"),
                                featuresName: "images.npy", labelsName: "labels.npy")
    } == "labels.npy: 3 labels (shape (3, 2)) but images.npy has 2 samples")
    let nonInteger = try? ArrayDataset.load(features: Self.fixture("u1_images.npy"),
                                            labels: Self.fixture("f4_v2.npy")).0
    #expect(nonInteger?.y?.shape == [2, 2] && nonInteger?.classNames == nil)
  }

  @Test(".npz: stored and deflated archives, member selection and pairing")
  func npzArchives() throws {
    for name in ["mnist_like.npz", "mnist_like_deflated.npz"] {
      let path = Self.fixture(name)
      #expect(ArrayDataset.format(of: path) == .npz)
      #expect(try NPZLoader.memberNames(path: path) == ["x_train", "y_train", "x_test", "y_test"])
      let (train, _) = try ArrayDataset.load(archive: path, x: "x_train", labels: nil)
      #expect(train.x.shape == [5, 3, 3, 1], "\(name)")
      #expect(train.x.data == (0..<45).map { Float($0 * 7 % 256) })
      #expect(train.y?.data == [0, 1, 2, 1, 0])
      let (test, _) = try ArrayDataset.load(archive: path, x: "x_test", labels: "y_test")
      #expect(test.x.shape == [2, 3, 3, 1] && test.y?.data == [1, 0] && test.classNames == ["0", "2"])
      #expect(Self.error { _ = try ArrayDataset.load(archive: path, x: nil, labels: nil, archiveName: "m.npz") }
        == "m.npz: the archive holds 4 arrays ('x_train', 'y_train', 'x_test', 'y_test'); name the "
        + "features with x=\"NAME\" and the labels with labels=\"NAME\"")
      #expect(Self.error { _ = try ArrayDataset.load(archive: path, x: "x_tran", labels: nil, archiveName: "m.npz") }
        == "m.npz: no member 'x_tran' in the archive; did you mean 'x_train'?")
      #expect(Self.error { _ = try ArrayDataset.load(archive: path, x: "x_train", labels: "y_test", archiveName: "m.npz") }
        == "m.npz: member 'y_test': 2 labels (shape (2,)) but member 'x_train' has 5 samples")
    }
    let zip64 = try NPZLoader.load(path: Self.fixture("zip64.npz"), members: ["x"])
    #expect(zip64.first?.data == [0, 1, 2, 3, 4])
    let (pair, _) = try ArrayDataset.load(archive: Self.fixture("pair.npz"), x: nil, labels: nil)
    #expect(pair.x.shape == [2, 3, 3, 1] && pair.y?.data == [1, 0])
  }

  @Test(".npz: zip bombs, lying sizes, bad CRCs and cut streams are errors with offsets")
  func hostileArchives() {
    func error(_ name: String) -> String? {
      Self.error { _ = try ArrayDataset.load(archive: Self.fixture(name), x: "x", labels: nil, archiveName: "a.npz") }
    }
    #expect(error("bomb_lying_size.npz") == "a.npz: byte 35: member 'x.npy': its .npy header (shape "
      + "(100000,) of '|u1') needs 100128 bytes, the zip directory says 200")
    #expect(error("trailing.npz")
      == "a.npz: byte 35: damaged zip archive: member 'x.npy' inflates to more than the 140 bytes the directory gives")
    #expect(error("bomb_ratio.npz")?.hasPrefix(
      "a.npz: byte 0: damaged zip archive: member 'x.npy' claims 4000000000 bytes inflated from ") == true)
    #expect(error("header_lies.npz")
      == "a.npz: byte 35: member 'x.npy': its .npy header (shape (9999999,) of '|u1') needs 10000127 "
      + "bytes, the zip directory says 132")
    #expect(error("bad_crc.npz") == "a.npz: byte 35: damaged zip archive: member 'x.npy' fails its CRC-32 check")
    #expect(error("cut_stream.npz")
      == "a.npz: byte 35: damaged zip archive: member 'x.npy''s deflate stream does not end within its 200 bytes")
  }

  @Test(".npz: truncated, garbled and empty archives never trap")
  func damagedArchives() throws {
    let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixture("mnist_like_deflated.npz"))))
    #expect(Self.error { _ = try ZipDirectory(bytes: Array(whole.prefix(500)), path: "f") }
      == "f: byte 0: truncated or damaged zip archive: no end-of-directory record")
    #expect(Self.error { _ = try ZipDirectory(bytes: Array("not a zip file at all, no".utf8), path: "f") }
      == "f: byte 0: not a zip archive (bad magic: expected PK\\x03\\x04)")
    #expect(Self.error { _ = try ZipDirectory(bytes: [0x50, 0x4B], path: "f") }
      == "f: byte 0: not a zip archive: 2 bytes, too short for its end record")
    let empty: [UInt8] = [0x50, 0x4B, 5, 6] + [UInt8](repeating: 0, count: 18)
    #expect(try ZipDirectory(bytes: empty, path: "f").members.isEmpty)
    #expect(Self.error { _ = try NPZSelection.choose([], x: nil, labels: nil, archive: "f") }
      == "f: the archive holds no arrays")
    // Every single-byte corruption of the deflated archive either loads or throws a DataError.
    var loaded = 0, failed = 0
    for i in stride(from: 0, to: whole.count, by: 3) {
      var bytes = whole
      bytes[i] ^= 0x5A
      do {
        let directory = try ZipDirectory(bytes: bytes, path: "f")
        for member in directory.members { _ = try NPZLoader.load(directory, member) }
        loaded += 1
      } catch is DataError { failed += 1 }
    }
    #expect(failed > 0 && loaded + failed == (whole.count + 2) / 3)
  }

  @Test("CSV rows reshape to images with shape=; a mismatch names the file and the counts")
  func csvShape() throws {
    let (digits, _) = try CSVLoader.load(path: S.exampleData("digits.csv"), target: .named("label"))
    let images = try digits.reshapingSamples(to: [8, 8, 1], source: "digits.csv")
    #expect(images.x.shape == [1797, 8, 8, 1] && images.x.data == digits.x.data)
    #expect(Self.error { _ = try digits.reshapingSamples(to: [28, 28, 1], source: "digits.csv") }
      == "digits.csv: shape=28x28x1 needs 784 values per sample, but the 1797 rows have 64 features each")
    #expect(Self.error { _ = try digits.reshapingSamples(to: [0, 8], source: "d.csv") } != nil)
  }

  @Test("the 1,797 digits from CSV, .npy and IDX are identical tensors, features and labels")
  func digitsIdentical() throws {
    let (csvRows, _) = try CSVLoader.load(path: S.exampleData("digits.csv"), target: .named("label"))
    let csv = try csvRows.reshapingSamples(to: [8, 8, 1], source: nil)
    let (npy, _) = try ArrayDataset.load(features: S.exampleData("digits_images.npy"),
                                         labels: S.exampleData("digits_labels.npy"))
    #expect(csv.x.shape == [1797, 8, 8, 1] && npy.x.shape == [1797, 8, 8, 1])
    #expect(csv.x == npy.x && csv.y == npy.y)
    #expect(csv.classNames == npy.classNames && npy.classNames == (0...9).map(String.init))
  }

  @Test("the IDX digits equal the committed .npy digits",
        .enabled(if: S.sharedData("digits-images-idx3-ubyte") != nil, "../shared/data not found"))
  func digitsIDX() throws {
    let (idx, _) = try ArrayDataset.load(features: try #require(S.sharedData("digits-images-idx3-ubyte")),
                                         labels: try #require(S.sharedData("digits-labels-idx1-ubyte")))
    let (npy, _) = try ArrayDataset.load(features: S.exampleData("digits_images.npy"),
                                         labels: S.exampleData("digits_labels.npy"))
    #expect(idx.x.shape == [1797, 8, 8, 1] && idx.x == npy.x && idx.y == npy.y)
  }

  @Test("split, standardize, normalize and subsets keep the image shape")
  func imageOperations() throws {
    let (digits, _) = try ArrayDataset.load(features: S.exampleData("digits_images.npy"),
                                            labels: S.exampleData("digits_labels.npy"))
    var rng = SeededRandom(seed: 0)
    let parts = try Split.split(digits, fractions: [0.8], stratify: true, rng: &rng)
    #expect(parts.map(\.count) == [1438, 359])
    #expect(parts.allSatisfy { $0.x.shape.dropFirst() == [8, 8, 1] })
    let scaled = try Scaler.standardize(fitOn: parts[0]).apply(parts[1])
    #expect(scaled.x.shape == [359, 8, 8, 1] && scaled.featureNames.count == 64)
    let unit = try Scaler.minMax(fitOn: parts[0]).apply(parts[0])
    #expect(unit.x.data.allSatisfy { $0 >= 0 && $0 <= 1 })
    #expect(digits.subset([5]).x.shape == [1, 8, 8, 1])
    #expect(digits.describe == "1797 rows × 8×8×1 features, target (10 classes)")
  }
}
