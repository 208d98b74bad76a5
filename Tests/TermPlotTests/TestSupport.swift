@testable import TermPlot

/// Lines of a rendered string.
func lines(_ text: String) -> [String] {
  text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
}

/// `text` with trailing spaces removed from every line, so snapshots can be
/// written as multi-line literals (widths are checked separately).
func trimmed(_ text: String) -> String {
  lines(text).map { line in
    var out = Substring(line)
    while out.hasSuffix(" ") { out = out.dropLast() }
    return String(out)
  }.joined(separator: "\n")
}

/// Display widths of all lines.
func widths(_ text: String) -> Set<Int> {
  Set(lines(text).map(displayWidth))
}

/// Whether `text` contains an ESC character.
func hasEscape(_ text: String) -> Bool {
  text.unicodeScalars.contains { $0.value == 0x1B }
}

/// Awkward inputs every renderer must survive.
let awkwardSeries: [[Double]] = [
  [], [1], [0], [2, 2, 2], [.nan], [.nan, .nan], [.infinity, -.infinity],
  [1, .nan, 3, .infinity, 2], [-1, 0, 1], [1e308, -1e308], [1e-300, 1e300],
  [0.2412, 0.2413, 0.2415], [-5, -4, -3], [Double.leastNonzeroMagnitude, 1],
]
