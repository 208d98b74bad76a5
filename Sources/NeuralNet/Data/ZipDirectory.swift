/// The member list of a ZIP archive held in memory (an `.npz` file), read from its central
/// directory with every offset and size checked against the bytes: a directory that points
/// outside the file, overlaps itself or claims impossible sizes is a `DataError` naming the
/// byte offset, never a trap.
///
/// ZIP64 archives (NumPy writes ZIP64 records for members of 4 GiB and more) are understood;
/// multi-disk and encrypted archives are refused.
struct ZipDirectory {
  /// One file of the archive.
  struct Member: Equatable {
    /// The name as stored, e.g. `x_train.npy`.
    var name: String
    /// 0 stored, 8 deflated (the others are refused when read).
    var method: UInt16
    /// CRC-32 of the uncompressed bytes.
    var crc32: UInt32
    /// Bytes of (compressed) data in the archive.
    var compressedSize: Int
    /// Bytes once inflated, as the directory says.
    var uncompressedSize: Int
    /// Where the member's local header starts.
    var headerOffset: Int
    /// Where its data starts (after the local header, name and extra field).
    var dataOffset: Int
  }

  private static let endSignature: UInt32 = 0x0605_4B50
  private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
  private static let zip64EndSignature: UInt32 = 0x0606_4B50
  private static let centralSignature: UInt32 = 0x0201_4B50
  private static let localSignature: UInt32 = 0x0403_4B50

  let path: String
  let bytes: [UInt8]
  /// The archive's files in directory order (folders left out).
  private(set) var members: [Member] = []

  /// Reads the directory of the archive `bytes` (the file `path`, named in errors).
  init(bytes: [UInt8], path: String) throws {
    self.path = path
    self.bytes = bytes
    let (count, start, size) = try locateCentralDirectory()
    try readCentralDirectory(count: count, start: start, size: size)
  }

  private func fail(_ offset: Int, _ message: String) -> DataError {
    DataError(path: path, offset: offset, message: message)
  }

  private var view: ByteView { ByteView(bytes: bytes) }

  /// Little-endian unsigned integer of `width` bytes at `offset`, or an error naming `what`.
  private func uint(_ offset: Int, _ width: Int, _ what: String) throws -> Int {
    guard let v = view.uintLE(at: offset, width: width) else {
      throw fail(offset, "truncated zip archive: the file ends inside \(what)")
    }
    guard v <= UInt64(Int.max) else { throw fail(offset, "impossible \(what): \(v)") }
    return Int(v)
  }

  /// The number of entries, the start and the size of the central directory.
  private func locateCentralDirectory() throws -> (Int, Int, Int) {
    guard bytes.count >= 22 else {
      throw fail(0, "not a zip archive: \(plural(bytes.count, "byte")), too short for its end record")
    }
    // The end record is the last 22 bytes plus a comment of up to 65,535 bytes.
    let lowest = max(0, bytes.count - 22 - 65_535)
    var at = bytes.count - 22
    while at >= lowest, view.uintLE(at: at, width: 4) != UInt64(Self.endSignature) { at -= 1 }
    guard at >= lowest else {
      let magic = bytes.prefix(4) == [0x50, 0x4B, 0x03, 0x04]
      throw fail(0, magic ? "truncated or damaged zip archive: no end-of-directory record"
        : "not a zip archive (bad magic: expected PK\\x03\\x04)")
    }
    let disk = try uint(at + 4, 2, "the end record"), directoryDisk = try uint(at + 6, 2, "the end record")
    guard disk == 0, directoryDisk == 0 else { throw fail(at + 4, "multi-disk zip archives are not supported") }
    var count = try uint(at + 10, 2, "the end record")
    var size = try uint(at + 12, 4, "the end record")
    var start = try uint(at + 16, 4, "the end record")
    if count == 0xFFFF || size == 0xFFFF_FFFF || start == 0xFFFF_FFFF,
       at >= 20, view.uintLE(at: at - 20, width: 4) == UInt64(Self.zip64LocatorSignature) {
      let record = try uint(at - 20 + 8, 8, "the ZIP64 locator")
      guard view.uintLE(at: record, width: 4) == UInt64(Self.zip64EndSignature) else {
        throw fail(at - 20 + 8, "damaged zip archive: the ZIP64 locator points to byte \(record), "
          + "which holds no ZIP64 end record")
      }
      count = try uint(record + 32, 8, "the ZIP64 end record")
      size = try uint(record + 40, 8, "the ZIP64 end record")
      start = try uint(record + 48, 8, "the ZIP64 end record")
    }
    guard start <= bytes.count, size <= bytes.count - start else {
      throw fail(at + 12, "damaged zip archive: the central directory (\(size) bytes at byte \(start)) "
        + "lies outside the file's \(bytes.count) bytes")
    }
    guard count <= size / 46 else {
      throw fail(at + 10, "damaged zip archive: \(count) entries cannot fit in a \(size)-byte directory")
    }
    return (count, start, size)
  }

  /// Reads `count` central-directory entries from `start`.
  private mutating func readCentralDirectory(count: Int, start: Int, size: Int) throws {
    var at = start
    let end = start + size
    for _ in 0..<count {
      guard at <= end - 46, view.uintLE(at: at, width: 4) == UInt64(Self.centralSignature) else {
        throw fail(at, "damaged zip archive: no central directory entry at byte \(at)")
      }
      let flags = try uint(at + 8, 2, "a directory entry")
      let method = UInt16(try uint(at + 10, 2, "a directory entry"))
      let crc = UInt32(try uint(at + 16, 4, "a directory entry"))
      var compressed = try uint(at + 20, 4, "a directory entry")
      var uncompressed = try uint(at + 24, 4, "a directory entry")
      let nameLength = try uint(at + 28, 2, "a directory entry")
      let extraLength = try uint(at + 30, 2, "a directory entry")
      let commentLength = try uint(at + 32, 2, "a directory entry")
      var header = try uint(at + 42, 4, "a directory entry")
      let next = at + 46 + nameLength + extraLength + commentLength
      guard next <= end else { throw fail(at, "damaged zip archive: a directory entry runs past the directory") }
      let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
      guard flags & 1 == 0 else { throw fail(at + 8, "member '\(name)' is encrypted") }
      try readZip64Extra(from: at + 46 + nameLength, length: extraLength, compressed: &compressed,
                         uncompressed: &uncompressed, header: &header)
      at = next
      if name.hasSuffix("/") { continue }
      let data = try dataOffset(ofLocalHeaderAt: header, name: name)
      guard data <= bytes.count, compressed <= bytes.count - data else {
        throw fail(header, "damaged zip archive: member '\(name)' claims \(compressed) bytes from "
          + "byte \(data), past the end of the file (\(bytes.count) bytes)")
      }
      members.append(Member(name: name, method: method, crc32: crc, compressedSize: compressed,
                            uncompressedSize: uncompressed, headerOffset: header, dataOffset: data))
    }
  }

  /// Replaces the saturated 32-bit fields by the 64-bit values of a ZIP64 extra field.
  private func readZip64Extra(from start: Int, length: Int, compressed: inout Int,
                              uncompressed: inout Int, header: inout Int) throws {
    var at = start
    while at + 4 <= start + length {
      let id = try uint(at, 2, "an extra field"), size = try uint(at + 2, 2, "an extra field")
      guard at + 4 + size <= start + length else { throw fail(at, "damaged zip archive: an extra field runs past its entry") }
      if id == 0x0001 {
        var field = at + 4
        for value in [0, 1, 2] {
          let saturated = value == 0 ? uncompressed == 0xFFFF_FFFF
            : value == 1 ? compressed == 0xFFFF_FFFF : header == 0xFFFF_FFFF
          guard saturated else { continue }
          guard field + 8 <= at + 4 + size else { throw fail(field, "damaged zip archive: a ZIP64 field is too short") }
          let v = try uint(field, 8, "a ZIP64 field")
          if value == 0 { uncompressed = v } else if value == 1 { compressed = v } else { header = v }
          field += 8
        }
      }
      at += 4 + size
    }
  }

  /// Where the data of the member whose local header starts at `offset` begins.
  private func dataOffset(ofLocalHeaderAt offset: Int, name: String) throws -> Int {
    guard view.uintLE(at: offset, width: 4) == UInt64(Self.localSignature) else {
      throw fail(offset, "damaged zip archive: member '\(name)' has no local header at byte \(offset)")
    }
    let nameLength = try uint(offset + 26, 2, "a local header")
    let extraLength = try uint(offset + 28, 2, "a local header")
    return offset + 30 + nameLength + extraLength
  }
}
