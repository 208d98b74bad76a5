#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd

/// Binary array files that `load` reads besides CSV.
public enum ArrayFormat: Sendable, Equatable {
  /// NumPy `.npy`.
  case npy
  /// IDX (the MNIST format).
  case idx
  /// NumPy `.npz`: a zip archive of `.npy` members.
  case npz
}

/// Datasets from binary array files (`.npy`, IDX, `.npz`): features from one array, class
/// labels or targets optionally from another. Features of shape (N, H, W) become images
/// (N, H, W, 1); (N, H, W, C) and (N, features) are kept.
public enum ArrayDataset {
  /// The array format of `path`, told by its first bytes (`\x93NUMPY`, an IDX magic number,
  /// `PK\x03\x04`) or by a `.npy` / `.npz` name; nil for anything else (read as CSV).
  public static func format(of path: String) -> ArrayFormat? {
    let head = prefix(of: path, count: 6)
    if head.count >= 6, head == NPYLoader.magic { return .npy }
    if head.count >= 4, head[0] == 0x50, head[1] == 0x4B, head[2] == 3, head[3] == 4 { return .npz }
    if head.count >= 4, head[0] == 0, head[1] == 0,
       [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E].contains(head[2]), (1...8).contains(head[3]) {
      return .idx
    }
    let lower = path.lowercased()
    return lower.hasSuffix(".npy") ? .npy : lower.hasSuffix(".npz") ? .npz : nil
  }

  /// The array in `path` (a `.npy` or IDX file).
  public static func array(path: String, format: ArrayFormat) throws -> Tensor {
    switch format {
    case .npy: return try NPYLoader.load(path: path)
    case .idx: return try IDXLoader.load(path: path)
    case .npz:
      throw DataError(path: path, message: "a .npz archive holds several arrays; name the member")
    }
  }

  /// Features from `features` (one sample per index of the first axis) and, when given, the
  /// targets from `labels`: whole-number labels become classes as in a CSV file.
  /// `featuresName` and `labelsName` are how the files are named in messages.
  public static func load(features: String, labels: String?, featuresName: String? = nil,
                          labelsName: String? = nil) throws -> (Dataset, LoadReport) {
    guard let featureFormat = format(of: features), featureFormat != .npz else {
      throw DataError(path: featuresName ?? features, message: "not a .npy or IDX file")
    }
    let x = try renamed(featuresName) { try array(path: features, format: featureFormat) }
    var y: Tensor?
    if let labels {
      let name = labelsName ?? labels
      guard let labelFormat = format(of: labels), labelFormat != .npz else {
        throw DataError(path: name, message: "the labels must be a .npy or IDX file too")
      }
      y = try renamed(name) { try array(path: labels, format: labelFormat) }
    }
    return try assemble(x: x, y: y, xName: featuresName ?? features, yName: labelsName ?? labels)
  }

  /// Features and labels from the members of the `.npz` archive `path`. Without `x`, the one
  /// member that is not labels-like is the features; without `labels`, the member paired with
  /// `x` (`x_train` → `y_train`, `images` → `labels`), else the one labels-like member, else
  /// none. An ambiguous choice is an error listing the members.
  public static func load(archive path: String, x: String?, labels: String?,
                          archiveName: String? = nil) throws -> (Dataset, LoadReport) {
    let shown = archiveName ?? path
    let directory = try renamed(shown) { try ZipDirectory(bytes: FileBytes.read(path), path: path) }
    let names = directory.members.map { NPZLoader.arrayName($0.name) }
    let (xName, yName) = try NPZSelection.choose(names, x: x, labels: labels, archive: shown)
    let xs = try renamed(shown) { try NPZLoader.load(directory, member: xName) }
    let ys = try yName.map { name in try renamed(shown) { try NPZLoader.load(directory, member: name) } }
    return try assemble(x: xs, y: ys, xName: "member '\(xName)'", yName: yName.map { "member '\($0)'" },
                        path: shown)
  }

  /// The dataset from a feature array and an optional label array: images get a channel axis,
  /// (N, 1) labels become (N,), whole-number labels become classes.
  static func assemble(x raw: Tensor, y rawY: Tensor?, xName: String, yName: String?,
                       path: String? = nil) throws -> (Dataset, LoadReport) {
    guard raw.rank >= 1, raw.shape[0] > 0 else {
      throw DataError(path: path ?? xName, message: (path == nil ? "" : "\(xName): ")
        + "the array has no samples (shape \(pythonShape(raw.shape)))")
    }
    let x = raw.rank == 3 ? raw.reshaped(raw.shape + [1]) : raw
    var report = LoadReport(rowsRead: x.shape[0], rowsDropped: 0, missingFilled: [], labelMapping: [])
    guard var y = rawY, let yName else { return (try Dataset(x: x), report) }
    guard y.rank >= 1, y.shape[0] == x.shape[0] else {
      let count = y.rank >= 1 ? plural(y.shape[0], "label") : "a scalar, not labels"
      throw DataError(path: path ?? yName, message: (path == nil ? "" : "\(yName): ")
        + "\(count) (shape \(pythonShape(y.shape))) but \(xName) has \(plural(x.shape[0], "sample"))")
    }
    if y.rank == 2, y.shape[1] == 1 { y = y.reshaped([y.shape[0]]) }
    guard y.rank <= 2 else {
      throw DataError(path: path ?? yName, message: (path == nil ? "" : "\(yName): ")
        + "labels of shape \(pythonShape(y.shape)) are not one label (or one row of targets) per sample")
    }
    var classNames: [String]?
    if y.rank == 1, let classes = LabelEncoding.classes(y.data) {
      y = Tensor(shape: y.shape, data: classes.values)
      classNames = classes.names
      if classes.mapped { report.labelMapping = classes.names.enumerated().map { ($1, $0) } }
    }
    return (try Dataset(x: x, y: y, classNames: classNames), report)
  }

  /// Runs `body`, naming the file `name` in a `DataError` it throws (the path as the user
  /// wrote it rather than as resolved).
  static func renamed<T>(_ name: String?, _ body: () throws -> T) throws -> T {
    do { return try body() } catch var error as DataError {
      if let name { error.path = name }
      throw error
    }
  }

  /// Up to `count` bytes from the start of `path` (fewer when shorter or unreadable).
  static func prefix(of path: String, count: Int) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else { return [] }
    var bytes = [UInt8](repeating: 0, count: count)
    let got = bytes.withUnsafeMutableBytes { raw -> Int in
      #if canImport(Glibc)
      return Glibc.read(fd, raw.baseAddress, count)
      #else
      return Darwin.read(fd, raw.baseAddress, count)
      #endif
    }
    return got > 0 ? Array(bytes[0..<got]) : []
  }
}

/// Which members of an `.npz` archive are the features and the labels.
enum NPZSelection {
  /// Whether a member name looks like labels: `y`, `y_train`, `labels`, `train_labels`, ….
  static func isLabels(_ name: String) -> Bool {
    let n = name.lowercased()
    let words = ["y", "label", "labels", "target", "targets"]
    return words.contains(n) || n.hasPrefix("y_") || n.hasPrefix("labels_") || n.hasPrefix("label_")
      || words.contains { n.hasSuffix("_" + $0) }
  }

  /// The member paired with features called `x`: `x_train` → `y_train`, `x` → `y`,
  /// `images` → `labels`, `train_images` → `train_labels`.
  static func partner(of x: String, in names: [String]) -> String? {
    var candidates: [String] = []
    if x.first == "x" || x.first == "X" { candidates.append((x.first == "x" ? "y" : "Y") + x.dropFirst()) }
    for (a, b) in [("images", "labels"), ("features", "labels"), ("data", "labels"), ("inputs", "targets")]
    where x.hasSuffix(a) {
      candidates.append(String(x.dropLast(a.count)) + b)
    }
    return candidates.first { names.contains($0) }
  }

  /// The (features, labels) member names; an error listing the members when the choice is not
  /// clear or a named member does not exist.
  static func choose(_ names: [String], x: String?, labels: String?, archive: String) throws
    -> (String, String?)
  {
    let listed = names.map { "'\($0)'" }.joined(separator: ", ")
    func fail(_ message: String) -> DataError { DataError(path: archive, message: message) }
    guard !names.isEmpty else { throw fail("the archive holds no arrays") }
    for name in [x, labels].compactMap({ $0 }) where !names.contains(name) && !names.contains(name + ".npy") {
      throw fail("no member '\(name)' in the archive; " + NameSuggestion.hint(for: name, in: names, noun: "members"))
    }
    let features: String
    if let x { features = x } else {
      let candidates = names.filter { !isLabels($0) && $0 != labels }
      guard candidates.count == 1, let only = candidates.first else {
        throw fail("the archive holds \(plural(names.count, "array")) (\(listed)); name the features "
          + "with x=\"NAME\" and the labels with labels=\"NAME\"")
      }
      features = only
    }
    if let labels { return (features, labels) }
    if let paired = partner(of: features, in: names) { return (features, paired) }
    let labelLike = names.filter { isLabels($0) && $0 != features }
    guard labelLike.count <= 1 else {
      throw fail("the archive holds \(plural(labelLike.count, "labels-like array")) (\(listed)); "
        + "name the labels with labels=\"NAME\"")
    }
    return (features, labelLike.first)
  }
}
