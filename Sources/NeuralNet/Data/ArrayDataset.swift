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
}

/// Datasets from binary array files (`.npy`, IDX): features from one file, class labels or
/// targets optionally from another.
public enum ArrayDataset {
  /// The array format of `path`, told by its first bytes (`\x93NUMPY`, or an IDX magic number)
  /// or by a `.npy` name; nil for anything else (read as CSV).
  public static func format(of path: String) -> ArrayFormat? {
    let head = prefix(of: path, count: 6)
    if head.count >= 6, head == [0x93] + Array("NUMPY".utf8) { return .npy }
    if head.count >= 4, head[0] == 0, head[1] == 0,
       [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E].contains(head[2]), (1...8).contains(head[3]) {
      return .idx
    }
    return path.lowercased().hasSuffix(".npy") ? .npy : nil
  }

  /// The array in `path`.
  public static func array(path: String, format: ArrayFormat) throws -> Tensor {
    switch format {
    case .npy: return try NPYLoader.load(path: path)
    case .idx: return try IDXLoader.load(path: path)
    }
  }

  /// Features from `features` (one sample per index of the first axis) and, when given, the
  /// targets from `labels`: whole-number labels become classes as in a CSV file.
  /// `labelsName` is how the labels file is named in messages.
  public static func load(features: String, labels: String?, labelsName: String? = nil)
    throws -> (Dataset, LoadReport)
  {
    guard let featureFormat = format(of: features) else {
      throw DataError(path: features, message: "not a .npy or IDX file")
    }
    let x = try array(path: features, format: featureFormat)
    guard x.rank >= 1, x.shape[0] > 0 else {
      throw DataError(path: features, message: "the array has no samples (shape \(pythonShape(x.shape)))")
    }
    var report = LoadReport(rowsRead: x.shape[0], rowsDropped: 0, missingFilled: [], labelMapping: [])
    guard let labels else {
      return (try Dataset(x: x), report)
    }
    let name = labelsName ?? labels
    guard let labelFormat = format(of: labels) else {
      throw DataError(path: name, message: "the labels must be a .npy or IDX file too")
    }
    var y: Tensor
    do { y = try array(path: labels, format: labelFormat) } catch var error as DataError {
      error.path = name
      throw error
    }
    guard y.rank >= 1, y.shape[0] == x.shape[0] else {
      throw DataError(path: name, message:
        "the labels have shape \(pythonShape(y.shape)) but the features have \(plural(x.shape[0], "sample"))")
    }
    if y.rank == 2, y.shape[1] == 1 { y = y.reshaped([y.shape[0]]) }
    var classNames: [String]?
    if y.rank == 1, let classes = LabelEncoding.classes(y.data) {
      y = Tensor(shape: y.shape, data: classes.values)
      classNames = classes.names
      if classes.mapped { report.labelMapping = classes.names.enumerated().map { ($1, $0) } }
    }
    let dataset = try Dataset(x: x, y: y, classNames: classNames)
    return (dataset, report)
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
