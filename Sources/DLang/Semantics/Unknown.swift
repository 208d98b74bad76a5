extension Diagnostic {
  /// `unknown layer 'dens'; did you mean 'dense'?` — or, with no close match, the message
  /// alone and `fallbackHint` (e.g. the list of choices).
  static func unknown(_ message: String, _ word: String, in candidates: [String], at range: SourceRange,
                      fallbackHint: String? = nil) -> Diagnostic {
    // A unique abbreviation wins over a near spelling (`acc` is `accuracy`, not `auc`).
    if let s = abbreviated(word, in: candidates) ?? Suggest.closest(to: word, in: candidates) {
      return .error("\(message); did you mean '\(s)'?", at: range)
    }
    return .error(message, at: range, hint: fallbackHint)
  }

  /// The one candidate that `word` (three letters or more) abbreviates: `acc` → `accuracy`.
  static func abbreviated(_ word: String, in candidates: [String]) -> String? {
    guard word.count >= 3 else { return nil }
    let matches = candidates.filter { $0.lowercased().hasPrefix(word.lowercased()) && $0 != word }
    return matches.count == 1 ? matches[0] : nil
  }
}
