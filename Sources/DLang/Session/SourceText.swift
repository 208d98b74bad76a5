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
}
