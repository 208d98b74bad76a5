#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when the last reference goes.
final class MappedFile: @unchecked Sendable {
  let path: String
  let base: UnsafeRawPointer
  let size: Int

  /// Maps `path`; a `DataError` when it cannot be opened or mapped.
  init(path: String) throws {
    let fd = open(path, O_RDONLY)
    if fd < 0 { throw DataError(path: path, message: FileBytes.reason(errno)) }
    defer { close(fd) }
    var info = stat()
    if fstat(fd, &info) != 0 { throw DataError(path: path, message: FileBytes.reason(errno)) }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw DataError(path: path, message: "is a directory, not a file") }
    let size = Int(info.st_size)
    guard size > 0 else { throw DataError(path: path, message: "file is empty") }
    let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
    guard let p, p != MAP_FAILED else { throw DataError(path: path, message: "cannot map the file: " + FileBytes.reason(errno)) }
    self.path = path
    base = UnsafeRawPointer(p)
    self.size = size
  }

  deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

  /// The first `count` bytes (or fewer), copied.
  func prefix(_ count: Int) -> [UInt8] {
    Array(UnsafeRawBufferPointer(start: base, count: min(count, size)))
  }

  /// Tells the kernel the pages of `range` are not needed again soon, so the bytes already
  /// streamed do not stay in the process's resident set.
  func release(_ range: Range<Int>) {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let lo = (range.lowerBound / page) * page
    let hi = min(size, (range.upperBound / page) * page)
    guard hi > lo else { return }
    _ = madvise(UnsafeMutableRawPointer(mutating: base + lo), hi - lo, Int32(MADV_DONTNEED))
  }
}

/// A memory-mapped `.npy` (C order) or IDX array streamed by samples along its first axis;
/// the labels, one number per sample, are held in memory.
public struct MappedArraySource: RowSource {
  let file: MappedFile
  let dataStart: Int
  let type: RawElementType
  let bigEndian: Bool
  /// The array's shape; `shape[0]` samples of `width` values.
  public let shape: [Int]
  /// One target per sample (class indices or values), or nil.
  let labels: [Float]?

  public var width: Int { shape.dropFirst().reduce(1, *) }
  public var targetWidth: Int { labels == nil ? 0 : 1 }
  /// Number of samples.
  public var rows: Int { shape.first ?? 0 }

  /// Maps `path` (`format` `.npy` or `.idx`) and checks its header and size.
  init(path: String, format: ArrayFormat, labels: [Float]?) throws {
    let file = try MappedFile(path: path)
    let head = file.prefix(Int(NPYHeader.maxLength) + 16)
    switch format {
    case .npy:
      guard let (header, start) = try NPYLoader.preamble(head, path: path, complete: true) else {
        throw DataError(path: path, offset: 0, message: "truncated .npy header")
      }
      guard !header.fortranOrder else {
        throw DataError(path: path, offset: 0, message: "a Fortran-order array cannot be streamed; save it in C order")
      }
      (dataStart, type, bigEndian, shape) = (start, header.type, header.bigEndian, header.shape)
    case .idx:
      (dataStart, type, shape) = try MappedArraySource.idxHeader(head, path: path)
      bigEndian = true
    case .npz:
      throw DataError(path: path, message: "a .npz archive is compressed: it cannot be streamed")
    }
    guard shape.count >= 1, shape[0] > 0 else {
      throw DataError(path: path, message: "the array has no samples (shape \(pythonShape(shape)))")
    }
    guard let count = checkedProduct(shape) else {
      throw DataError(path: path, offset: dataStart, message: "the shape \(pythonShape(shape)) is too large")
    }
    let need = count.multipliedReportingOverflow(by: type.width)
    guard !need.overflow, need.partialValue == file.size - dataStart else {
      throw DataError(path: path, offset: dataStart, message: "data size mismatch: shape \(pythonShape(shape)) needs "
        + "\(need.partialValue) bytes, the file has \(file.size - dataStart)")
    }
    if let labels, labels.count != shape[0] {
      throw DataError(path: path, message: "\(plural(labels.count, "label")) for \(plural(shape[0], "sample"))")
    }
    self.file = file
    self.labels = labels
  }

  static func idxHeader(_ b: [UInt8], path: String) throws -> (Int, RawElementType, [Int]) {
    let types: [UInt8: RawElementType] = [0x08: .uint8, 0x09: .int8, 0x0B: .int16, 0x0C: .int32,
                                          0x0D: .float32, 0x0E: .float64]
    guard b.count >= 4, b[0] == 0, b[1] == 0, let type = types[b[2]], b[3] >= 1 else {
      throw DataError(path: path, offset: 0, message: "not an IDX file (bad magic number)")
    }
    let rank = Int(b[3])
    let view = ByteView(bytes: b)
    var shape: [Int] = []
    for axis in 0..<rank {
      guard let d = view.uint32BE(at: 4 + 4 * axis) else {
        throw DataError(path: path, offset: 4 + 4 * axis, message: "truncated IDX header")
      }
      shape.append(Int(d))
    }
    return (4 + 4 * rank, type, shape)
  }

  public func read(blockRows: Int, _ body: (RowBlock) throws -> Bool) throws {
    let per = max(1, blockRows)
    let w = width
    let rowBytes = w * type.width
    var first = 0
    while first < rows {
      let n = min(per, rows - first)
      var x = [Float](repeating: 0, count: n * w)
      let from = dataStart + first * rowBytes
      let raw = UnsafeRawBufferPointer(start: file.base + from, count: n * rowBytes)
      x.withUnsafeMutableBufferPointer { dst in
        if type == .float32 && !bigEndian {
          dst.baseAddress.map { UnsafeMutableRawPointer($0).copyMemory(from: file.base + from, byteCount: n * rowBytes) }
        } else {
          for i in 0..<(n * w) { dst[i] = type.element(raw, i * type.width, bigEndian) }
        }
      }
      file.release(from..<(from + n * rowBytes))
      let y = labels.map { Array($0[first..<(first + n)]) } ?? []
      if try !body(RowBlock(x: x, y: y, rows: n, firstRow: first)) { return }
      first += n
    }
  }
}
