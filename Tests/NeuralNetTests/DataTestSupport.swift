import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

/// Helpers shared by the Data* test suites: temp files, the shared real data, error text.
enum DataTestSupport {
  /// `/work/shared/data` found relative to the package root (`../shared/data`), or `nil`.
  static func sharedData(_ name: String, file: String = #filePath) -> String? {
    let root = URL(fileURLWithPath: file).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let path = root.deletingLastPathComponent().appendingPathComponent("shared/data/\(name)").path
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }

  /// Whether `../shared/data` holds the real data files; tests that need them are disabled
  /// (reported as skipped, not passed) without it.
  static var hasSharedData: Bool {
    ["digits_images.npy", "digits_labels.npy", "digits-images-idx3-ubyte", "digits-labels-idx1-ubyte",
     "iris.csv", "digits.csv"].allSatisfy { sharedData($0) != nil }
  }

  /// The package's own copy under `examples/data`.
  static func exampleData(_ name: String, file: String = #filePath) -> String {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("examples/data/\(name)").path
  }

  /// This test process's directory under the system temp directory.
  static let root: URL = {
    let dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("dl-data-tests-\(ProcessInfo.processInfo.processIdentifier)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }()

  /// A fresh directory under `root`.
  static func tempDirectory() -> URL {
    let dir = root.appendingPathComponent(UUID().uuidString)
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  /// Writes `bytes` to a new temp file named `name` and returns its path.
  static func write(_ bytes: [UInt8], name: String = "t.csv") -> String {
    let url = tempDirectory().appendingPathComponent(name)
    _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
    return url.path
  }

  /// Removes a file made by `write` and its directory.
  static func remove(_ path: String) {
    try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path)
      .deletingLastPathComponent().path)
  }

  /// Writes UTF-8 `text` to a temp file.
  static func write(_ text: String, name: String = "t.csv") -> String {
    write(Array(text.utf8), name: name)
  }

  /// Loads CSV `text` from a temp file.
  static func load(_ text: String, target: TargetSpec = .last, header: Bool = true,
                   missing: MissingPolicy = .error) throws -> (Dataset, LoadReport) {
    let path = write(text)
    defer { remove(path) }
    return try CSVLoader.load(path: path, target: target, header: header, missing: missing)
  }

  /// The error message of loading `text`, with the temp path shown as `t.csv`; `nil` if the
  /// load succeeds or throws something other than `DataError`.
  static func csvError(_ text: String, target: TargetSpec = .last, header: Bool = true,
                       missing: MissingPolicy = .error) -> String? {
    let path = write(text)
    defer { remove(path) }
    do {
      _ = try CSVLoader.load(path: path, target: target, header: header, missing: missing)
      return nil
    } catch let error as DataError {
      return error.description.replacingOccurrences(of: path, with: "t.csv")
    } catch {
      return nil
    }
  }

  /// The `DataError` description thrown by `body`, with `path` shown as `f`.
  static func message(path: String, _ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch let error as DataError {
      return error.description.replacingOccurrences(of: path, with: "f")
    } catch {
      return nil
    }
  }
}
