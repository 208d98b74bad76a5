/// What a completer proposes for the word before the cursor.
public struct Completion: Sendable, Equatable {
  /// UTF-8 offset into the line where the word being completed starts.
  public var replaceFrom: Int
  /// Full replacement words for `line[replaceFrom..<cursor]`.
  public var candidates: [String]

  /// Creates a completion replacing the text from `replaceFrom` to the cursor.
  public init(replaceFrom: Int, candidates: [String]) {
    self.replaceFrom = replaceFrom
    self.candidates = candidates
  }

  /// No candidates.
  public static let none = Completion(replaceFrom: 0, candidates: [])
}

/// The edit a TAB press performs, computed from a `Completion`.
public struct CompletionAction: Sendable, Equatable {
  /// Characters (Unicode scalars) to delete before the cursor.
  public var deleteCount: Int
  /// Text inserted at the cursor after deleting.
  public var insert: String
  /// Candidate table to print below the line, if several candidates remain.
  public var listing: String?

  /// Creates an action.
  public init(deleteCount: Int = 0, insert: String = "", listing: String? = nil) {
    self.deleteCount = deleteCount
    self.insert = insert
    self.listing = listing
  }
}

/// Pure logic behind TAB: common prefixes, candidate columns, the edit to apply.
public enum CompletionPlanner {
  /// Text inserted when TAB is pressed with only whitespace before the cursor
  /// (indentation, as in IPython), whatever the completer proposes.
  public static let indent = "  "
  /// At most this many candidates are listed; the rest are summarised.
  public static let maxListed = 200

  /// Longest common prefix of `strings`, by characters.
  public static func longestCommonPrefix(_ strings: [String]) -> String {
    guard var prefix = strings.first.map(Array.init) else { return "" }
    for string in strings.dropFirst() {
      let count = zip(prefix, string).prefix { $0 == $1 }.count
      prefix = Array(prefix.prefix(count))
      if prefix.isEmpty { break }
    }
    return String(prefix)
  }

  /// Lays `items` out column-major (like `ls`) to fit `width` columns.
  /// Returns one string per row, without trailing spaces.
  public static func columns(_ items: [String], width: Int, gap: Int = 2) -> [String] {
    guard !items.isEmpty else { return [] }
    let widest = items.map(\.count).max() ?? 0
    let cell = widest + gap
    let perRow = max(1, (max(width, 1) + gap) / cell)
    let rows = (items.count + perRow - 1) / perRow
    var lines: [String] = []
    for row in 0..<rows {
      var line = ""
      for column in 0..<perRow {
        let index = column * rows + row
        guard index < items.count else { break }
        let item = items[index]
        line += item
        let isLast = (column + 1) * rows + row >= items.count
        if !isLast { line += String(repeating: " ", count: cell - item.count) }
      }
      lines.append(line)
    }
    return lines
  }

  /// The edit for TAB given the line, a UTF-8 `cursor` offset and the completer's answer.
  public static func plan(line: String, cursor: Int, completion: Completion, width: Int) -> CompletionAction {
    let bytes = Array(line.utf8)
    let end = min(max(cursor, 0), bytes.count)
    let start = min(max(completion.replaceFrom, 0), end)
    let before = String(decoding: bytes[..<end], as: UTF8.self)
    let word = String(decoding: bytes[start..<end], as: UTF8.self)
    if before.allSatisfy({ $0 == " " || $0 == "\t" }) { return CompletionAction(insert: indent) }
    let candidates = unique(completion.candidates)
    if candidates.isEmpty { return CompletionAction() }
    let prefix = longestCommonPrefix(candidates)
    var action = edit(from: word, to: prefix)
    if candidates.count > 1 { action.listing = listing(candidates, width: width) }
    return action
  }

  /// Minimal edit turning `word` into `target`, never shortening the word.
  static func edit(from word: String, to target: String) -> CompletionAction {
    if target.hasPrefix(word) {
      return CompletionAction(insert: String(target.dropFirst(word.count)))
    }
    // Case or spelling differs: replace the word, but only if that keeps its length.
    guard target.count >= word.count else { return CompletionAction() }
    return CompletionAction(deleteCount: word.unicodeScalars.count, insert: target)
  }

  /// The candidate table printed below the input line, ending with a newline.
  static func listing(_ candidates: [String], width: Int) -> String {
    let shown = Array(candidates.prefix(maxListed))
    var rows = columns(shown, width: max(width - 1, 10))
    if candidates.count > shown.count {
      rows.append("... and \(candidates.count - shown.count) more")
    }
    return rows.joined(separator: "\n") + "\n"
  }

  private static func unique(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { !$0.isEmpty && seen.insert($0).inserted }
  }
}
