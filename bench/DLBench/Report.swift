#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal JSON value, enough for the benchmark's figures.
indirect enum JSON {
  case number(Double), int(Int), string(String), bool(Bool), array([JSON]), object([(String, JSON)])

  var text: String {
    switch self {
    case .number(let x): return x.isFinite ? String(x) : "null"
    case .int(let n): return String(n)
    case .bool(let b): return b ? "true" : "false"
    case .string(let s): return JSON.quote(s)
    case .array(let xs): return "[" + xs.map(\.text).joined(separator: ", ") + "]"
    case .object(let kv):
      return "{" + kv.map { JSON.quote($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
    }
  }

  static func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 {
          let h = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
        } else { out.unicodeScalars.append(u) }
      }
    }
    return out + "\""
  }
}

enum WriteError: Error, CustomStringConvertible {
  case failed(String)
  var description: String { if case .failed(let m) = self { return m }; return "" }
}

/// Writes `text` to `path` atomically: a temporary file beside it, then rename.
func writeAtomically(_ text: String, to path: String) throws {
  let tmp = path + ".tmp.\(getpid())"
  guard let f = fopen(tmp, "w") else {
    throw WriteError.failed("cannot write \(tmp): \(String(cString: strerror(errno)))")
  }
  let ok = fputs(text, f) >= 0
  let closed = fclose(f) == 0
  guard ok && closed else {
    unlink(tmp)
    throw WriteError.failed("cannot write \(tmp)")
  }
  guard rename(tmp, path) == 0 else {
    let msg = String(cString: strerror(errno))
    unlink(tmp)
    throw WriteError.failed("cannot rename \(tmp) to \(path): \(msg)")
  }
}
