/// A data-loading or data-preparation failure, located as precisely as the input allows.
///
/// `description` reads like a compiler diagnostic, e.g.
/// `examples/data/iris.csv:17: column 3 ('petal_length'): 'abc' is not a number`.
public struct DataError: Error, Sendable, CustomStringConvertible, Equatable {
  /// The file the error is about; `nil` for errors about an in-memory dataset.
  public var path: String?
  /// 1-based line number in the file (the header is line 1); for a record spanning several
  /// lines (quoted newlines), the line it starts on.
  public var row: Int?
  /// 1-based field index within the row.
  public var column: Int?
  /// The column's header name, when known.
  public var columnName: String?
  /// 0-based byte offset in a binary file (`.npy`, IDX, `.npz`) where the problem starts.
  public var offset: Int?
  /// What went wrong (and, where possible, what to do about it).
  public var message: String

  /// An error with its location parts.
  public init(path: String?, row: Int? = nil, column: Int? = nil, columnName: String? = nil,
              offset: Int? = nil, message: String) {
    self.path = path
    self.row = row
    self.column = column
    self.columnName = columnName
    self.offset = offset
    self.message = message
  }

  /// `path:row: column c ('name'): message` (or `path: byte 10: message` for a binary file),
  /// leaving out the parts that are unknown.
  public var description: String {
    var out = ""
    if let path {
      out += path
      if let row { out += ":\(row)" }
      out += ": "
    } else if let row {
      out += "row \(row): "
    }
    if let offset { out += "byte \(offset): " }
    if let column {
      out += "column \(column)"
      if let columnName { out += " ('\(columnName)')" }
      out += ": "
    }
    return out + message
  }
}

/// Finding a close match for a misspelled name (column names, options).
enum NameSuggestion {
  /// The candidate closest to `name` by edit distance (case-insensitive), if close enough to be
  /// a plausible typo: at most 1 edit for short names, about a third of the length otherwise.
  static func closest(to name: String, in candidates: [String]) -> String? {
    let target = Array(name.lowercased().unicodeScalars)
    let limit = max(1, target.count / 3)
    var best: (String, Int)?
    for candidate in candidates {
      let d = distance(target, Array(candidate.lowercased().unicodeScalars))
      if d <= limit, d < (best?.1 ?? Int.max) { best = (candidate, d) }
    }
    return best?.0
  }

  /// `did you mean 'x'?` or a (shortened) list of the candidates.
  static func hint(for name: String, in candidates: [String], noun: String = "columns") -> String {
    if let match = closest(to: name, in: candidates) { return "did you mean '\(match)'?" }
    let shown = candidates.prefix(12).map { "'\($0)'" }.joined(separator: ", ")
    let more = candidates.count > 12 ? ", … (\(candidates.count) in all)" : ""
    return "the \(noun) are \(shown)\(more)"
  }

  /// Edit distance between two scalar arrays, counting a swap of neighbours as one edit
  /// (`lable` → `label`): optimal string alignment, three rolling rows.
  static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var beforePrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
        current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          current[j] = min(current[j], beforePrevious[j - 2] + 1)
        }
      }
      (beforePrevious, previous, current) = (previous, current, beforePrevious)
    }
    return previous[b.count]
  }
}

/// `1 field`, `4 fields`.
func plural(_ n: Int, _ word: String) -> String {
  n == 1 ? "\(n) \(word)" : "\(n) \(word)s"
}
