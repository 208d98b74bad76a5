import Autograd
import Foundation
import ZIPFoundation

/// Loads arrays from NumPy `.npz` archives: ZIP files of `.npy` members, stored or deflated.
///
/// Reading is bounded: the ZIP directory is checked against the file (`ZipDirectory`), a
/// deflated member may not claim more than deflate can produce from its compressed size, and
/// it is inflated (by ZIPFoundation's zlib stream) only until its `.npy` header is whole; the
/// header's data size must then agree with the directory, and inflating stops with an error as
/// soon as the output would exceed it. A zip bomb or a lying header is a `DataError`, never an
/// allocation out of proportion to the array the header describes (itself at most
/// `ArrayLimits.maxElements` values).
public enum NPZLoader {
  /// Deflate's largest expansion: one compressed byte never yields more than about 1,032
  /// output bytes (258-byte matches from 2-bit codes); the slack covers block headers.
  static let maxDeflateRatio = 1_032

  /// The member names of the archive `path`, without their `.npy` suffix, in archive order.
  public static func memberNames(path: String) throws -> [String] {
    try ZipDirectory(bytes: FileBytes.read(path), path: path).members.map { arrayName($0.name) }
  }

  /// The arrays of `path` named `names` (member names with or without `.npy`), in that order.
  public static func load(path: String, members names: [String]) throws -> [Tensor] {
    let directory = try ZipDirectory(bytes: FileBytes.read(path), path: path)
    return try names.map { try load(directory, member: $0) }
  }

  /// `x_train.npy` → `x_train`.
  static func arrayName(_ member: String) -> String {
    member.lowercased().hasSuffix(".npy") ? String(member.dropLast(4)) : member
  }

  /// The member called `name` (or `name.npy`) as a tensor.
  static func load(_ directory: ZipDirectory, member name: String) throws -> Tensor {
    guard let member = directory.members.first(where: { $0.name == name || arrayName($0.name) == name })
    else {
      let names = directory.members.map { arrayName($0.name) }
      throw DataError(path: directory.path, message: "no member '\(name)' in the archive; "
        + NameSuggestion.hint(for: name, in: names, noun: "members"))
    }
    return try load(directory, member)
  }

  /// One member's array, inflated if need be and parsed as a `.npy` file.
  static func load(_ directory: ZipDirectory, _ member: ZipDirectory.Member) throws -> Tensor {
    let bytes: [UInt8]
    switch member.method {
    case 0: bytes = try stored(directory, member)
    case 8: bytes = try inflate(directory, member)
    default:
      throw DataError(path: directory.path, offset: member.headerOffset, message:
        "member '\(member.name)' uses zip compression method \(member.method); only stored (0) and "
        + "deflated (8) members can be read")
    }
    do {
      return try NPYLoader.load(bytes: bytes, path: directory.path)
    } catch var error as DataError {
      // A stored member's offsets are the archive's; a deflated one's count in its own bytes.
      let inner = error.offset ?? 0
      error.offset = member.method == 0 ? member.dataOffset + inner : member.dataOffset
      error.message = "member '\(member.name)'" + (member.method == 0 ? "" : " (byte \(inner) once inflated)")
        + ": " + error.message
      throw error
    }
  }

  /// A stored member's bytes, checked against its size and CRC.
  private static func stored(_ directory: ZipDirectory, _ member: ZipDirectory.Member) throws -> [UInt8] {
    guard member.uncompressedSize == member.compressedSize else {
      throw DataError(path: directory.path, offset: member.headerOffset, message:
        "damaged zip archive: stored member '\(member.name)' has \(member.compressedSize) bytes "
        + "but claims \(member.uncompressedSize) once read")
    }
    let bytes = Array(directory.bytes[member.dataOffset..<(member.dataOffset + member.compressedSize)])
    try checkCRC(Data(bytes).crc32(checksum: 0), directory, member)
    return bytes
  }

  private static func checkCRC(_ crc: UInt32, _ directory: ZipDirectory,
                               _ member: ZipDirectory.Member) throws {
    guard crc == member.crc32 else {
      throw DataError(path: directory.path, offset: member.dataOffset, message:
        "damaged zip archive: member '\(member.name)' fails its CRC-32 check")
    }
  }

  /// A deflated member's bytes, inflated within the bounds described on `NPZLoader`.
  private static func inflate(_ directory: ZipDirectory, _ member: ZipDirectory.Member) throws -> [UInt8] {
    let (limit, overflow) = member.compressedSize.multipliedReportingOverflow(by: maxDeflateRatio)
    guard overflow || member.uncompressedSize <= limit + 1024 else {
      throw DataError(path: directory.path, offset: member.headerOffset, message:
        "damaged zip archive: member '\(member.name)' claims \(member.uncompressedSize) bytes "
        + "inflated from \(member.compressedSize), more than deflate can produce")
    }
    guard member.compressedSize < Int(UInt32.max) else {
      throw DataError(path: directory.path, offset: member.headerOffset, message:
        "member '\(member.name)' has \(member.compressedSize) compressed bytes; deflated members of "
        + "4 GiB and more are not supported (save with np.savez, uncompressed)")
    }
    guard member.compressedSize > 0 else {
      throw DataError(path: directory.path, offset: member.dataOffset, message:
        "damaged zip archive: deflated member '\(member.name)' has no data")
    }
    var sink = InflateSink(directory: directory, member: member)
    let source = directory.bytes[member.dataOffset..<(member.dataOffset + member.compressedSize)]
    let crc: UInt32
    do {
      // The whole member is one input chunk: ZIPFoundation's Linux inflater tells zlib every
      // chunk is `bufferSize` bytes long and keeps asking for input until the stream ends, so
      // a chunk of exactly the member's size, then an error, keeps zlib inside the member.
      crc = try Data.decompress(
        size: Int64(member.compressedSize), bufferSize: member.compressedSize, skipCRC32: false,
        provider: { position, size in
          // (Apple's inflater asks for the 0 bytes left to finish the stream.)
          if position > 0 && size == 0 { return Data() }
          guard position == 0 else {
            throw DataError(path: directory.path, offset: member.dataOffset, message:
              "damaged zip archive: member '\(member.name)''s deflate stream does not end within its "
              + "\(member.compressedSize) bytes")
          }
          return Data(source)
        },
        consumer: { try sink.take($0) })
    } catch let error as DataError {
      throw error
    } catch {
      throw DataError(path: directory.path, offset: member.dataOffset, message:
        "damaged zip archive: member '\(member.name)' is not valid deflate data")
    }
    guard sink.bytes.count == member.uncompressedSize else {
      throw DataError(path: directory.path, offset: member.dataOffset, message:
        "damaged zip archive: member '\(member.name)' inflates to \(sink.bytes.count) bytes, "
        + "the directory says \(member.uncompressedSize)")
    }
    try checkCRC(crc, directory, member)
    return sink.bytes
  }

}

/// Collects a member's inflated bytes: parses the `.npy` header as soon as it is whole, checks
/// its data size against the directory's, and refuses any byte past that size.
private struct InflateSink {
  let directory: ZipDirectory
  let member: ZipDirectory.Member
  var bytes: [UInt8] = []
  var headerChecked = false

  init(directory: ZipDirectory, member: ZipDirectory.Member) {
    self.directory = directory
    self.member = member
  }

  mutating func take(_ data: Data) throws {
    guard bytes.count + data.count <= member.uncompressedSize else {
      throw DataError(path: directory.path, offset: member.dataOffset, message:
        "damaged zip archive: member '\(member.name)' inflates to more than the "
        + "\(member.uncompressedSize) bytes the directory gives")
    }
    bytes.append(contentsOf: data)
    guard !headerChecked else { return }
    let parsed: (NPYHeader, Int)?
    do {
      parsed = try NPYLoader.preamble(bytes, path: directory.path, complete: false)
    } catch var error as DataError {
      let inner = error.offset ?? 0
      error.offset = member.dataOffset
      error.message = "member '\(member.name)' (byte \(inner) once inflated): " + error.message
      throw error
    }
    guard let (header, dataStart) = parsed else { return }
    headerChecked = true
    let needed = dataStart + header.dataBytes
    guard needed == member.uncompressedSize else {
      throw DataError(path: directory.path, offset: member.dataOffset, message:
        "member '\(member.name)': its .npy header (shape \(pythonShape(header.shape)) of "
        + "'\(header.descr)') needs \(needed) bytes, the zip directory says \(member.uncompressedSize)")
    }
    bytes.reserveCapacity(needed)
  }
}
