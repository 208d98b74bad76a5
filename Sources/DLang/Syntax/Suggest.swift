// "Did you mean ...?" suggestions, shared by the parser and the checker.

/// Finds the closest known word to a misspelling.
public enum Suggest {
  /// The candidate closest to `word` by Damerau–Levenshtein distance (case-insensitive),
  /// if within `max(2, word.count / 3)` edits and either one edit or fewer than half of the longer
  /// word's letters changed (so `save` suggests nothing rather than `mae`). Ties go to the earlier candidate.
  public static func closest(to word: String, in candidates: [String]) -> String? {
    let target = Array(word.lowercased())
    let limit = max(2, target.count / 3)
    var best: (word: String, distance: Int)?
    for candidate in candidates {
      let other = Array(candidate.lowercased())
      let d = distance(target, other)
      let longer = max(target.count, other.count)
      guard d <= limit, d == 0 || (d < longer && (d <= 1 || 2 * d < longer)) else { continue }
      if best.map({ d < $0.distance }) ?? true {
        best = (candidate, d)
      }
    }
    return best?.word
  }

  /// Optimal-string-alignment Damerau–Levenshtein distance (adjacent swaps cost 1).
  public static func distance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          d = min(d, previous2[j - 2] + 1)
        }
        current[j] = d
      }
      (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
  }

  /// `"; did you mean 'x'?"` when there is a close candidate, else the empty string.
  public static func didYouMean(_ word: String, in candidates: [String]) -> String {
    closest(to: word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
  }
}
