/// Slices of source text by line, for transcripts and echoes.
enum SourceText {
  /// The lines a statement spans, and the comment lines between `after` (a line number) and
  /// the statement's first line, without their `#`.
  static func statement(_ range: SourceRange, lines: [String], after: Int) -> (String, [String]) {
    let first = max(1, range.start.line), last = min(lines.count, max(range.end.line, first))
    let text = first <= last ? lines[(first - 1)..<last].joined(separator: "\n") : ""
    var comments: [String] = []
    if after + 1 <= first - 1 {
      for line in lines[after..<(first - 1)] {
        let t = line.drop { $0 == " " || $0 == "\t" }
        if t.hasPrefix("#") { comments.append(String(t.dropFirst().drop { $0 == " " })) }
        else if t.isEmpty && !comments.isEmpty { comments.append("") }
      }
    }
    return (text, comments)
  }

  /// The exact text of `range` in `source` (lines and columns counted in characters, as
  /// the lexer counts them); empty when the range lies outside the text.
  static func slice(_ source: String, _ range: SourceRange) -> String {
    var line = 1, column = 1
    var start: String.Index?, end: String.Index?
    var i = source.startIndex
    while i < source.endIndex {
      let here = SourceLocation(line: line, column: column)
      if start == nil && here >= range.start { start = i }
      if end == nil && here >= range.end { end = i; break }
      if source[i].isNewline { line += 1; column = 1 } else { column += 1 }
      i = source.index(after: i)
    }
    guard let from = start else { return "" }
    let to = end ?? source.endIndex
    return from <= to ? String(source[from..<to]) : ""
  }
}
