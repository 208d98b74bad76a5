import Autograd

// The safetensors format (Hugging Face), as its reference implementation writes and checks it:
//
//   bytes 0..<8      N, the header's length: an unsigned 64-bit little-endian integer
//   bytes 8..<8+N    the header: a UTF-8 JSON object, padded at the end with spaces so that
//                    8 + N is a multiple of 8
//   bytes 8+N...     the data section: every tensor's raw little-endian elements, back to back
//
// The header maps each tensor's name to {"dtype":"F32","shape":[2,3],"data_offsets":[B,E]},
// where B..<E are byte offsets into the data section. The data section must be covered
// exactly: no holes, no overlaps, nothing after the last tensor. An optional key
// `__metadata__` holds a string → string map. Writing follows `safetensors.serialize`: compact
// JSON, metadata first, then the tensors sorted by name (bytewise), data in the same order.

/// A safetensors file that could not be read: what is wrong, and where (a byte offset in the
/// file, or the tensor it is about).
public struct SafeTensorsError: Error, CustomStringConvertible, Sendable, Equatable {
  /// What is wrong, as a user-facing phrase.
  public var message: String
  /// The byte offset in the file where the problem was found, when it is about one place.
  public var offset: Int?
  /// The tensor the problem is about, when it is about one tensor.
  public var tensor: String?

  /// An error with a message, optionally located at a byte offset and/or a tensor.
  public init(_ message: String, offset: Int? = nil, tensor: String? = nil) {
    self.message = message
    self.offset = offset
    self.tensor = tensor
  }

  /// `byte 17: tensor 'dense_1.bias': …`.
  public var description: String {
    var parts: [String] = []
    if let offset { parts.append("byte \(offset)") }
    if let tensor { parts.append("tensor '\(tensor)'") }
    parts.append(message)
    return parts.joined(separator: ": ")
  }
}

/// One tensor's entry in a safetensors header.
public struct SafeTensorsEntry: Sendable, Equatable {
  /// The tensor's name (dl writes `layer.parameter`, e.g. `dense_1.weights`).
  public var name: String
  /// The element type as the file spells it (`F32`, `F16`, …).
  public var dtype: String
  /// The tensor's shape, outermost axis first.
  public var shape: [Int]
  /// Where its bytes are: offsets into the data section (which starts after the header).
  public var dataOffsets: Range<Int>
}

/// A parsed and validated safetensors header.
public struct SafeTensorsHeader: Sendable, Equatable {
  /// The `__metadata__` map (empty when the file has none).
  public var metadata: [String: String]
  /// Every tensor, in data-section order.
  public var entries: [SafeTensorsEntry]
  /// Where the data section starts in the file: 8 + the header's length.
  public var dataStart: Int
}

/// The contents of a safetensors file: tensors as float32, and the metadata.
public struct SafeTensorsFile: Sendable {
  /// The tensors in data-section order, converted to float32.
  public var tensors: [(name: String, tensor: Tensor)]
  /// The `__metadata__` map.
  public var metadata: [String: String]
  /// The header the tensors were read with.
  public var header: SafeTensorsHeader

  /// The tensor called `name`.
  public func tensor(named name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }
}

/// Encoding and decoding of the safetensors format: a pure codec from and to bytes.
public enum SafeTensors {
  /// The largest header accepted (the reference implementation's limit, 100 MB).
  public static let maxHeaderBytes = 100_000_000
  /// Deepest JSON nesting accepted in a header (dl's files nest 3 levels).
  static let maxJSONDepth = 32

  /// Bytes per element of the element types that can be read (converted to float32).
  static let readableTypes: [String: Int] = ["F32": 4, "F64": 8, "F16": 2, "BF16": 2]
  /// Every other type the format defines: recognised, so the error can say it is unsupported.
  static let otherTypes: Set<String> = [
    "BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F8_E4M3", "F8_E5M2",
    "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64",
  ]

  // MARK: encoding

  /// The bytes of a safetensors file holding `tensors` as F32 and `metadata` as the
  /// `__metadata__` map (left out when empty). Tensors are laid out sorted by name, as
  /// `safetensors.serialize` does. Throws for an empty, reserved or repeated name.
  public static func encode(_ tensors: [(name: String, tensor: Tensor)],
                            metadata: [String: String] = [:]) throws -> [UInt8] {
    var seen = Set<String>()
    for t in tensors {
      if t.name.isEmpty { throw SafeTensorsError("a tensor name cannot be empty") }
      if t.name == "__metadata__" {
        throw SafeTensorsError("the name __metadata__ is reserved", tensor: t.name)
      }
      if !seen.insert(t.name).inserted {
        throw SafeTensorsError("the name is used twice", tensor: t.name)
      }
    }
    let sorted = tensors.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    var json: [UInt8] = [UInt8(ascii: "{")]
    var first = true
    if !metadata.isEmpty {
      json += JSONText.string("__metadata__") + [UInt8(ascii: ":"), UInt8(ascii: "{")]
      let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
      for (i, key) in keys.enumerated() {
        if i > 0 { json.append(UInt8(ascii: ",")) }
        json += JSONText.string(key) + [UInt8(ascii: ":")] + JSONText.string(metadata[key] ?? "")
      }
      json.append(UInt8(ascii: "}"))
      first = false
    }
    var offset = 0
    for t in sorted {
      if !first { json.append(UInt8(ascii: ",")) }
      first = false
      let size = t.tensor.count * 4
      let shape = t.tensor.shape.map(String.init).joined(separator: ",")
      json += JSONText.string(t.name)
      json += Array(":{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + size)]}".utf8)
      offset += size
    }
    json.append(UInt8(ascii: "}"))
    while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }

    var out: [UInt8] = []
    out.reserveCapacity(8 + json.count + offset)
    let n = UInt64(json.count)
    for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
    out += json
    for t in sorted {
      #if _endian(little)
      t.tensor.data.withUnsafeBytes { out.append(contentsOf: $0) }
      #else
      for x in t.tensor.data {
        let bits = x.bitPattern
        out.append(UInt8(truncatingIfNeeded: bits))
        out.append(UInt8(truncatingIfNeeded: bits >> 8))
        out.append(UInt8(truncatingIfNeeded: bits >> 16))
        out.append(UInt8(truncatingIfNeeded: bits >> 24))
      }
      #endif
    }
    return out
  }

  // MARK: decoding

  /// Whether `prefix` (the first bytes of a file of `fileSize` bytes) starts like a
  /// safetensors file: a header length that fits the file, then `{`.
  public static func looksLikeSafeTensors(prefix: [UInt8], fileSize: Int) -> Bool {
    guard prefix.count >= 9, let n = headerLength(prefix) else { return false }
    return n >= 2 && n <= UInt64(maxHeaderBytes) && 8 + Int(n) <= fileSize
      && prefix[8] == UInt8(ascii: "{")
  }

  /// The header length stored in the first 8 bytes, if there are 8.
  static func headerLength(_ bytes: [UInt8]) -> UInt64? {
    guard bytes.count >= 8 else { return nil }
    var n: UInt64 = 0
    for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    return n
  }

  /// How many bytes from the start of a `fileSize`-byte file hold the length and the header;
  /// throws when the length in `first8` cannot be right.
  public static func headerEnd(first8: [UInt8], fileSize: Int) throws -> Int {
    guard let n = headerLength(first8) else {
      throw SafeTensorsError("the file is \(fileSize) bytes long, too short for a safetensors header (at least 8 bytes)",
                             offset: 0)
    }
    if n > UInt64(maxHeaderBytes) {
      throw SafeTensorsError("the header length is \(n) bytes, more than the limit of \(maxHeaderBytes): not a safetensors file, or a damaged one",
                             offset: 0)
    }
    if 8 + Int(n) > fileSize {
      throw SafeTensorsError("the header length says \(n) bytes, but the file has only \(fileSize - 8) after the length: the file is truncated or not a safetensors file",
                             offset: 0)
    }
    if n < 2 {
      throw SafeTensorsError("the header length is \(n): a header is a JSON object, at least {}", offset: 0)
    }
    return 8 + Int(n)
  }

  /// Parses and validates the header of a file of `fileSize` bytes whose first bytes are
  /// `prefix` (at least up to the header's end). Every tensor's type, shape and offsets are
  /// checked against the file's size; the data itself is not read.
  public static func parseHeader(_ prefix: [UInt8], fileSize: Int) throws -> SafeTensorsHeader {
    let end = try headerEnd(first8: Array(prefix.prefix(8)), fileSize: fileSize)
    guard prefix.count >= end else {
      throw SafeTensorsError("the header is cut short", offset: prefix.count)
    }
    let text = Array(prefix[8..<end])
    if let bad = firstInvalidUTF8(text) {
      throw SafeTensorsError("the header is not valid UTF-8 text", offset: 8 + bad)
    }
    guard text.first == UInt8(ascii: "{") else {
      throw SafeTensorsError("the header must be a JSON object starting with '{'", offset: 8)
    }
    var parser = JSONParser(bytes: text, base: 8)
    let root = try parser.parseDocument()
    guard case .object(let members) = root.value else {
      throw SafeTensorsError("the header must be a JSON object", offset: 8)
    }
    var metadata: [String: String] = [:]
    var entries: [SafeTensorsEntry] = []
    var entryOffsets: [Int] = []
    for member in members {
      if member.key == "__metadata__" {
        metadata = try readMetadata(member.value)
        continue
      }
      entries.append(try readEntry(member.key, member.value))
      entryOffsets.append(member.value.offset)
    }
    let dataSize = fileSize - end
    let order = entries.indices.sorted {
      (entries[$0].dataOffsets.lowerBound, entries[$0].dataOffsets.upperBound)
        < (entries[$1].dataOffsets.lowerBound, entries[$1].dataOffsets.upperBound)
    }
    var covered = 0
    for i in order {
      let e = entries[i]
      if e.dataOffsets.lowerBound > covered {
        throw SafeTensorsError("its data starts at \(e.dataOffsets.lowerBound), leaving bytes \(covered)..<\(e.dataOffsets.lowerBound) of the data section unused (safetensors allows no holes)",
                               offset: entryOffsets[i], tensor: e.name)
      }
      if e.dataOffsets.lowerBound < covered {
        throw SafeTensorsError("its data \(e.dataOffsets.lowerBound)..<\(e.dataOffsets.upperBound) overlaps another tensor's (which ends at \(covered))",
                               offset: entryOffsets[i], tensor: e.name)
      }
      if e.dataOffsets.upperBound > dataSize {
        throw SafeTensorsError("its data ends at \(e.dataOffsets.upperBound), past the end of the data section (\(dataSize) bytes): the file is truncated",
                               offset: entryOffsets[i], tensor: e.name)
      }
      covered = e.dataOffsets.upperBound
    }
    if covered != dataSize {
      throw SafeTensorsError("the data section has \(dataSize) bytes but the tensors use \(covered): \(dataSize - covered) bytes at the end belong to no tensor",
                             offset: end + covered)
    }
    return SafeTensorsHeader(metadata: metadata, entries: order.map { entries[$0] }, dataStart: end)
  }

  /// Reads a whole safetensors file: validates the header, then converts every tensor to
  /// float32 (F64 is rounded, F16 and BF16 are widened exactly).
  public static func decode(_ bytes: [UInt8]) throws -> SafeTensorsFile {
    let header = try parseHeader(bytes, fileSize: bytes.count)
    var tensors: [(name: String, tensor: Tensor)] = []
    tensors.reserveCapacity(header.entries.count)
    for e in header.entries {
      let start = header.dataStart + e.dataOffsets.lowerBound
      let count = e.shape.reduce(1, *)  // overflow-checked in readEntry
      tensors.append((e.name, Tensor(shape: e.shape, data: floats(bytes, at: start, count: count, dtype: e.dtype))))
    }
    return SafeTensorsFile(tensors: tensors, metadata: header.metadata, header: header)
  }

  /// `count` elements of `dtype` from `bytes[start...]`, as float32. The caller has checked
  /// that they lie inside `bytes`.
  static func floats(_ bytes: [UInt8], at start: Int, count: Int, dtype: String) -> [Float] {
    var out = [Float](repeating: 0, count: count)
    bytes.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        func u16(_ k: Int) -> UInt16 { UInt16(src[k]) | UInt16(src[k + 1]) << 8 }
        func u32(_ k: Int) -> UInt32 { UInt32(u16(k)) | UInt32(u16(k + 2)) << 16 }
        switch dtype {
        case "F64":
          for i in 0..<count {
            let k = start + 8 * i
            dst[i] = Float(Double(bitPattern: UInt64(u32(k)) | UInt64(u32(k + 4)) << 32))
          }
        case "F16":
          for i in 0..<count { dst[i] = halfToFloat(u16(start + 2 * i)) }
        case "BF16":
          for i in 0..<count { dst[i] = Float(bitPattern: UInt32(u16(start + 2 * i)) << 16) }
        default:
          for i in 0..<count { dst[i] = Float(bitPattern: u32(start + 4 * i)) }
        }
      }
    }
    return out
  }

  /// IEEE 754 binary16 to float32 (exact).
  static func halfToFloat(_ h: UInt16) -> Float {
    let sign: Float = h & 0x8000 != 0 ? -1 : 1
    let exponent = Int((h >> 10) & 0x1f)
    let fraction = Float(h & 0x3ff)
    switch exponent {
    case 0: return sign * fraction * 0x1p-24
    case 31: return fraction == 0 ? sign * .infinity : .nan
    default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }
  }

  private static func readMetadata(_ v: JSONParser.Located) throws -> [String: String] {
    guard case .object(let members) = v.value else {
      throw SafeTensorsError("__metadata__ must be an object of strings", offset: v.offset)
    }
    var out: [String: String] = [:]
    for m in members {
      guard case .string(let s) = m.value.value else {
        throw SafeTensorsError("__metadata__ value '\(m.key)' must be a string", offset: m.value.offset)
      }
      out[m.key] = s
    }
    return out
  }

  private static func readEntry(_ name: String, _ v: JSONParser.Located) throws -> SafeTensorsEntry {
    guard case .object(let members) = v.value else {
      throw SafeTensorsError("its entry must be an object with dtype, shape and data_offsets",
                             offset: v.offset, tensor: name)
    }
    var dtype: String?, shape: [Int]?, offsets: [Int]?
    for m in members {
      switch m.key {
      case "dtype":
        guard case .string(let s) = m.value.value else {
          throw SafeTensorsError("dtype must be a string such as \"F32\"", offset: m.value.offset, tensor: name)
        }
        guard readableTypes[s] != nil else {
          let what = otherTypes.contains(s) ? "unsupported dtype \(s)" : "unknown dtype \"\(s)\""
          throw SafeTensorsError("\(what): dl reads F32 (and converts F64, F16, BF16)",
                                 offset: m.value.offset, tensor: name)
        }
        dtype = s
      case "shape":
        shape = try integers(m.value, what: "shape", tensor: name)
      case "data_offsets":
        let o = try integers(m.value, what: "data_offsets", tensor: name)
        guard o.count == 2 else {
          throw SafeTensorsError("data_offsets must be two numbers [begin, end], not \(o.count)",
                                 offset: m.value.offset, tensor: name)
        }
        guard o[0] <= o[1] else {
          throw SafeTensorsError("data_offsets [\(o[0]), \(o[1])] end before they begin",
                                 offset: m.value.offset, tensor: name)
        }
        offsets = o
      default:
        throw SafeTensorsError("unexpected key '\(m.key)' (an entry has dtype, shape and data_offsets)",
                               offset: m.value.offset, tensor: name)
      }
    }
    guard let dtype, let shape, let offsets else {
      let missing = [("dtype", dtype == nil), ("shape", shape == nil), ("data_offsets", offsets == nil)]
        .filter(\.1).map(\.0).joined(separator: ", ")
      throw SafeTensorsError("its entry lacks \(missing)", offset: v.offset, tensor: name)
    }
    var bytes = readableTypes[dtype] ?? 4
    for d in shape {
      let (p, overflow) = bytes.multipliedReportingOverflow(by: d)
      guard !overflow else {
        throw SafeTensorsError("shape \(shape) has too many elements", offset: v.offset, tensor: name)
      }
      bytes = p
    }
    guard offsets[1] - offsets[0] == bytes else {
      throw SafeTensorsError("shape \(shape) of \(dtype) needs \(bytes) bytes, but data_offsets [\(offsets[0]), \(offsets[1])] hold \(offsets[1] - offsets[0])",
                             offset: v.offset, tensor: name)
    }
    return SafeTensorsEntry(name: name, dtype: dtype, shape: shape, dataOffsets: offsets[0]..<offsets[1])
  }

  /// A JSON array of non-negative integers (each below 2^53, so it fits an Int anywhere).
  private static func integers(_ v: JSONParser.Located, what: String, tensor: String) throws -> [Int] {
    guard case .array(let items) = v.value else {
      throw SafeTensorsError("\(what) must be a list of whole numbers", offset: v.offset, tensor: tensor)
    }
    return try items.map { item in
      guard case .number(let text) = item.value, !text.isEmpty,
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            text.utf8.count <= 15, let n = Int(text) else {
        throw SafeTensorsError("\(what) must hold whole numbers from 0 to 999999999999999", offset: item.offset,
                               tensor: tensor)
      }
      return n
    }
  }

  /// Index of the first byte where `bytes` stops being valid UTF-8 (nil when all of it is).
  static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
    var i = 0
    while i < bytes.count {
      let lead = bytes[i]
      if lead < 0x80 { i += 1; continue }
      let extra: Int, least: UInt32
      switch lead {
      case 0xC0...0xDF: extra = 1; least = 0x80
      case 0xE0...0xEF: extra = 2; least = 0x800
      case 0xF0...0xF7: extra = 3; least = 0x10000
      default: return i
      }
      guard i + extra < bytes.count else { return i }
      var v = UInt32(lead & (0x7F >> UInt8(extra + 1)))
      for k in 1...extra {
        let c = bytes[i + k]
        guard c & 0xC0 == 0x80 else { return i }
        v = v << 6 | UInt32(c & 0x3F)
      }
      guard v >= least, v <= 0x10FFFF, !(0xD800...0xDFFF).contains(v) else { return i }
      i += extra + 1
    }
    return nil
  }
}

/// JSON text as serde_json writes it (what `safetensors` produces): compact, `"` and `\`
/// escaped, \b \f \n \r \t short, other control characters as \u00XX, everything else as is.
enum JSONText {
  static func string(_ s: String) -> [UInt8] {
    var out: [UInt8] = [UInt8(ascii: "\"")]
    let hex = Array("0123456789abcdef".utf8)
    for b in s.utf8 {
      switch b {
      case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
      case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
      case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
      case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
      case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
      case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case 0..<0x20:
        out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xF)]]
      default: out.append(b)
      }
    }
    out.append(UInt8(ascii: "\""))
    return out
  }

  /// A JSON array of strings, e.g. `["setosa","versicolor"]`.
  static func stringArray(_ items: [String]) -> String {
    let parts = items.map { String(decoding: string($0), as: UTF8.self) }
    return "[" + parts.joined(separator: ",") + "]"
  }
}

/// A strict JSON parser over bytes (RFC 8259), reporting every error at its byte offset.
/// Objects keep their members in order and reject repeated keys.
struct JSONParser {
  indirect enum Value: Equatable {
    case object([Member])
    case array([Located])
    case string(String)
    /// The number as written (validated against the JSON grammar).
    case number(String)
    case bool(Bool)
    case null
  }

  struct Member: Equatable {
    var key: String
    var value: Located
  }

  /// A value and the file offset where it starts.
  struct Located: Equatable {
    var value: Value
    var offset: Int
  }

  let bytes: [UInt8]
  /// The file offset of `bytes[0]`.
  let base: Int
  var position = 0
  var depth = 0

  init(bytes: [UInt8], base: Int) {
    self.bytes = bytes
    self.base = base
  }

  /// One value, then only whitespace to the end.
  mutating func parseDocument() throws -> Located {
    skipWhitespace()
    let v = try parseValue()
    skipWhitespace()
    if position < bytes.count {
      throw error("unexpected \(describe(position)) after the end of the JSON header")
    }
    return v
  }

  private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

  private func error(_ message: String, at index: Int? = nil) -> SafeTensorsError {
    SafeTensorsError("malformed header: " + message, offset: base + (index ?? position))
  }

  private func describe(_ index: Int) -> String {
    guard index < bytes.count else { return "end of header" }
    let b = bytes[index]
    return b >= 0x20 && b < 0x7f ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x" + String(b, radix: 16)
  }

  private mutating func skipWhitespace() {
    while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 }
  }

  private mutating func expect(_ c: UInt8, _ what: String) throws {
    skipWhitespace()
    guard peek == c else { throw error("expected \(what), found \(describe(position))") }
    position += 1
  }

  private mutating func parseValue() throws -> Located {
    skipWhitespace()
    let start = position
    guard let b = peek else { throw error("the header ends where a value should be") }
    switch b {
    case UInt8(ascii: "{"): return Located(value: try parseObject(), offset: base + start)
    case UInt8(ascii: "["): return Located(value: try parseArray(), offset: base + start)
    case UInt8(ascii: "\""): return Located(value: .string(try parseString()), offset: base + start)
    case UInt8(ascii: "t"): try literal("true"); return Located(value: .bool(true), offset: base + start)
    case UInt8(ascii: "f"): try literal("false"); return Located(value: .bool(false), offset: base + start)
    case UInt8(ascii: "n"): try literal("null"); return Located(value: .null, offset: base + start)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return Located(value: .number(try parseNumber()), offset: base + start)
    default: throw error("expected a value, found \(describe(position))")
    }
  }

  private mutating func literal(_ word: String) throws {
    for c in word.utf8 {
      guard peek == c else { throw error("expected '\(word)'") }
      position += 1
    }
  }

  private mutating func enter() throws {
    depth += 1
    if depth > SafeTensors.maxJSONDepth { throw error("nested more than \(SafeTensors.maxJSONDepth) levels deep") }
  }

  private mutating func parseObject() throws -> Value {
    try enter()
    defer { depth -= 1 }
    position += 1
    var members: [Member] = []
    var keys = Set<String>()
    skipWhitespace()
    if peek == UInt8(ascii: "}") { position += 1; return .object([]) }
    while true {
      skipWhitespace()
      let keyAt = position
      guard peek == UInt8(ascii: "\"") else { throw error("expected a key in quotes, found \(describe(position))") }
      let key = try parseString()
      guard keys.insert(key).inserted else { throw error("the key \"\(key)\" appears twice", at: keyAt) }
      try expect(UInt8(ascii: ":"), "':' after a key")
      members.append(Member(key: key, value: try parseValue()))
      skipWhitespace()
      guard let b = peek else { throw error("the header ends inside an object (missing '}')") }
      position += 1
      if b == UInt8(ascii: "}") { return .object(members) }
      guard b == UInt8(ascii: ",") else { throw error("expected ',' or '}', found \(describe(position - 1))", at: position - 1) }
    }
  }

  private mutating func parseArray() throws -> Value {
    try enter()
    defer { depth -= 1 }
    position += 1
    var items: [Located] = []
    skipWhitespace()
    if peek == UInt8(ascii: "]") { position += 1; return .array([]) }
    while true {
      items.append(try parseValue())
      skipWhitespace()
      guard let b = peek else { throw error("the header ends inside a list (missing ']')") }
      position += 1
      if b == UInt8(ascii: "]") { return .array(items) }
      guard b == UInt8(ascii: ",") else { throw error("expected ',' or ']', found \(describe(position - 1))", at: position - 1) }
    }
  }

  private mutating func parseNumber() throws -> String {
    let start = position
    func digits() -> Int {
      var n = 0
      while let b = peek, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { position += 1; n += 1 }
      return n
    }
    if peek == UInt8(ascii: "-") { position += 1 }
    if peek == UInt8(ascii: "0") {
      position += 1
    } else if digits() == 0 {
      throw error("a number needs digits")
    }
    if peek == UInt8(ascii: ".") {
      position += 1
      if digits() == 0 { throw error("a number needs digits after '.'") }
    }
    if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
      position += 1
      if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
      if digits() == 0 { throw error("a number needs digits in its exponent") }
    }
    return String(decoding: bytes[start..<position], as: UTF8.self)
  }

  private mutating func parseString() throws -> String {
    let open = position
    position += 1
    var out: [UInt8] = []
    while true {
      guard let b = peek else { throw error("a string is not closed (opened at byte \(base + open))") }
      position += 1
      switch b {
      case UInt8(ascii: "\""):
        return String(decoding: out, as: UTF8.self)
      case UInt8(ascii: "\\"):
        guard let e = peek else { throw error("a string ends inside an escape") }
        position += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if (0xD800..<0xDC00).contains(scalar) {
            guard peek == UInt8(ascii: "\\"), position + 1 < bytes.count,
                  bytes[position + 1] == UInt8(ascii: "u") else {
              throw error("a \\u escape for a high surrogate must be followed by a low one")
            }
            position += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("invalid low surrogate in a \\u escape") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          } else if (0xDC00..<0xE000).contains(scalar) {
            throw error("a lone low surrogate in a \\u escape")
          }
          guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
          out += Array(String(Character(u)).utf8)
        default:
          throw error("unknown escape '\\\(describe(position - 1))'", at: position - 2)
        }
      case 0..<0x20:
        throw error("a control character (0x\(String(b, radix: 16))) inside a string must be escaped", at: position - 1)
      default:
        out.append(b)
      }
    }
  }

  private mutating func hex4() throws -> UInt32 {
    var v: UInt32 = 0
    for _ in 0..<4 {
      guard let b = peek else { throw error("a \\u escape needs 4 hex digits") }
      let d: UInt32
      switch b {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
      default: throw error("a \\u escape needs 4 hex digits")
      }
      v = v << 4 | d
      position += 1
    }
    return v
  }
}

/// A list of strings as one JSON text, for metadata values that hold a list (safetensors
/// metadata maps strings to strings).
public enum JSONStringList {
  /// `["setosa","versicolor"]`, escaped as serde_json escapes.
  public static func encode(_ items: [String]) -> String { JSONText.stringArray(items) }

  /// The strings of a JSON array of strings; throws a `SafeTensorsError` (offsets within
  /// `text`) when it is anything else.
  public static func decode(_ text: String) throws -> [String] {
    var parser = JSONParser(bytes: Array(text.utf8), base: 0)
    let v = try parser.parseDocument()
    guard case .array(let items) = v.value else {
      throw SafeTensorsError("expected a JSON list of strings", offset: v.offset)
    }
    return try items.map { item in
      guard case .string(let s) = item.value else {
        throw SafeTensorsError("expected a string in the list", offset: item.offset)
      }
      return s
    }
  }
}
