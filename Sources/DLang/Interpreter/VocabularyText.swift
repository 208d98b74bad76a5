import NeuralNet
import TermPlot

/// The tokenizer in words: the line `load` prints, and the table `print DATA.vocab` shows.
extension Interpreter {
  /// `tokenizer: 2000 ids (0 <pad>, 1 <unk>, 1998 words), 40 per text, padded and cut at the front (pad=pre truncate=pre)`.
  static func describe(_ t: Tokenizer) -> String {
    let sides = t.padding == t.truncating
      ? "padded and cut at the \(t.padding == .pre ? "front" : "end")"
      : "padded at the \(t.padding == .pre ? "front" : "end"), cut at the \(t.truncating == .pre ? "front" : "end")"
    return "tokenizer: \(plural(t.vocabularySize, "id")) (0 <pad>, 1 <unk>, \(plural(t.words.count, "word"))), "
      + "\(t.length) per text, \(sides) (pad=\(t.padding.rawValue) truncate=\(t.truncating.rawValue))"
  }

  /// `print reviews.vocab` (or `print model.vocab`): the first ids and their words as a table;
  /// nil when `e` is not the vocabulary of a dataset or model that has a tokenizer.
  func vocabularyTable(_ e: Expr) throws -> String? {
    guard case .member(let base, let m) = e.kind, m.text == Evaluator.vocabularyMember else { return nil }
    let tokenizer: Tokenizer?
    switch try evaluate(base) {
    case .dataset(let d): tokenizer = d.tokenizer
    case .model(let ref) where !ref.network.layers.contains(where: { $0.name == m.text }): tokenizer = ref.tokenizer
    default: return nil
    }
    guard let tokenizer else { return nil }
    return VocabularyTable.render(tokenizer, style: style)
  }
}

/// The table of a tokenizer's first ids.
enum VocabularyTable {
  /// Ids shown: the rows of three columns of id and word.
  static let rows = 10, columns = 3

  static func render(_ t: Tokenizer, style: RenderStyle) -> String {
    let shown = min(t.vocabularySize, rows * columns)
    let height = (shown + columns - 1) / columns
    var table: [[String]] = []
    for r in 0..<height {
      var line: [String] = []
      for c in 0..<columns {
        let id = c * height + r
        line += id < shown ? [String(id), t.word(of: id) ?? ""] : ["", ""]
      }
      table.append(line)
    }
    let headers = (0..<columns).flatMap { _ in ["id", "word"] }
    var text = Table.render(headers: headers, rows: table, style: style)
    if t.vocabularySize > shown {
      text += "\n… \(t.vocabularySize - shown) more ids (\(t.vocabularySize) in all; an unknown word is 1)"
    }
    return text
  }
}
