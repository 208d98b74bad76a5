extension Diagnostic {
  /// `unknown layer 'dens'; did you mean 'dense'?` — or, with no close match, the message
  /// alone and `fallbackHint` (e.g. the list of choices).
  static func unknown(_ message: String, _ word: String, in candidates: [String], at range: SourceRange,
                      fallbackHint: String? = nil) -> Diagnostic {
    if let s = Suggest.closest(to: word, in: candidates) {
      return .error("\(message); did you mean '\(s)'?", at: range)
    }
    return .error(message, at: range, hint: fallbackHint)
  }
}
