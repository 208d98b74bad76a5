// Whether REPL input is complete or needs more lines.

/// Whether a REPL entry can be run, or the REPL should show a continuation prompt.
public enum InputStatus: Sendable, Equatable {
  case complete
  /// An open `{` block, an unclosed `(` or `[`, or a string still open at the end.
  case incomplete

  /// The status of `source`. Mismatched closers count as complete, so that the parser
  /// gets to report them.
  public static func of(_ source: String) -> InputStatus {
    let scan = Lexer.scanForStatus(source)
    if scan.endsInsideString { return .incomplete }
    var open: [String] = []
    let pairs = [")": "(", "]": "[", "}": "{"]
    for token in scan.tokens where token.kind == .symbol {
      if ["(", "[", "{"].contains(token.text) {
        open.append(token.text)
      } else if let opener = pairs[token.text] {
        guard open.last == opener else { return .complete }
        open.removeLast()
      }
    }
    return open.isEmpty ? .complete : .incomplete
  }
}
