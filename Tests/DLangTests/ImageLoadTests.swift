import Foundation
import Testing
@testable import DLang
import NeuralNet

/// `load` for images: `.npy` + labels, `.npz` members (`x=`, `labels=`), CSV with `shape=`;
/// `.shape`, indexing and preparation on (N, H, W, C) datasets; located errors.
@Suite("Interpreter: loading images", .serialized)
struct ImageLoadTests {
  func session() -> (Session, RecordingOutput) {
    let out = RecordingOutput()
    let s = Session(output: out)
    s.baseDirectory = InterpreterTests.root
    return (s, out)
  }

  static let fixtures = "Tests/NeuralNetTests/Fixtures/arrays"

  @Test func contractScriptStart() {
    let (s, out) = session()
    let ok = s.run("""
      seed 0
      digits = load "examples/data/digits_images.npy" labels="examples/data/digits_labels.npy"
      train, test = split digits 0.8 stratify=true
      print digits.shape
      print test[0].shape
      standardize train test
      normalize train test
      """, file: "c.dl")
    #expect(ok, "\(out.stderr)")
    #expect(out.stdout.hasPrefix("""
      digits: 1797 rows × 8×8×1 features, target (10 classes)
      train: 1438 rows, test: 359 rows (stratified)
      (1797, 8, 8, 1)
      (8, 8, 1)
      """), "\(out.stdout)")
  }

  @Test func csvWithShape() {
    let (s, out) = session()
    #expect(s.run("d = load \"examples/data/digits.csv\" target=label shape=8x8x1\nprint d.shape", file: "c.dl"),
            "\(out.stderr)")
    #expect(out.stdout.contains("(1797, 8, 8, 1)"))
    out.clear()
    #expect(!s.run("d = load \"examples/data/digits.csv\" target=label shape=28x28x1", file: "c.dl"))
    #expect(out.stderr.hasPrefix("c.dl:1:56: error: examples/data/digits.csv: shape=28x28x1 needs 784 values "
      + "per sample, but the 1797 rows have 64 features each"), "\(out.stderr)")
  }

  @Test func npzMembers() {
    let (s, out) = session()
    #expect(s.run("m = load \"\(Self.fixtures)/mnist_like_deflated.npz\" x=x_test\nprint m.shape", file: "c.dl"),
            "\(out.stderr)")
    #expect(out.stdout.contains("m: 2 rows × 3×3×1 features, target (2 classes)"), "\(out.stdout)")
    out.clear()
    #expect(!s.run("m = load \"\(Self.fixtures)/mnist_like.npz\"", file: "c.dl"))
    #expect(out.stderr.contains("the archive holds 4 arrays ('x_train', 'y_train', 'x_test', 'y_test')"))
    out.clear()
    #expect(!s.run("m = load \"\(Self.fixtures)/bad_crc.npz\"", file: "c.dl"))
    #expect(out.stderr.contains("bad_crc.npz: byte 35: damaged zip archive: member 'x.npy' fails its CRC-32 check"))
  }

  @Test func missingLabelsFileSuggestsItsNeighbour() {
    let (s, out) = session()
    #expect(!s.run("d = load \"examples/data/digits_images.npy\" labels=\"examples/data/digits_label.npy\"", file: "c.dl"))
    #expect(out.stderr.hasPrefix("c.dl:1:51: error: examples/data/digits_label.npy: no such file; "
      + "did you mean 'examples/data/digits_labels.npy'?"), "\(out.stderr)")
  }

  @Test func optionsInTheWrongPlace() {
    let (s, out) = session()
    #expect(!s.run("d = load \"examples/data/iris.csv\" target=label x=\"a\"", file: "c.dl"))
    #expect(out.stderr.hasPrefix("c.dl:1:48: error: x= names the features member of a .npz archive"), "\(out.stderr)")
    out.clear()
    #expect(!s.run("d = load \"examples/data/digits_images.npy\" x=\"a\"", file: "c.dl"))
    #expect(out.stderr.contains("x= names the features member of a .npz archive; examples/data/digits_images.npy is one array"))
    out.clear()
    #expect(!s.run("d = load \"examples/data/digits_images.npy\" shape=foo", file: "c.dl"))
    #expect(out.stderr.contains("shape is the shape of one sample"))
  }
}
