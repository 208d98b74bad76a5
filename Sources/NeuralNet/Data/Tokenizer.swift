import Autograd

/// A word tokenizer with a fixed vocabulary and sequence length, as Keras' `Tokenizer(num_words=V,
/// oov_token=…)` followed by `pad_sequences(maxlen=L)`.
///
/// A text is lowercased and split on every character that is not a letter (so digits and
/// punctuation separate words and are dropped: `don't` is `don` and `t`). Id 0 is padding,
/// id 1 an unknown word, and the `vocabularySize − 2` words seen most often when fitting get the
/// ids 2, 3, … in order of their count (every occurrence counts); words with the same count are
/// ranked by where they first appear in the fitted texts, as Keras ranks them. Each text's ids
/// are cut or padded with zeros to `length`: by default at the front for both (Keras'
/// `pad_sequences` defaults `padding='pre'`, `truncating='pre'`), which keeps a long text's last
/// words and puts a short text's words at the end, next to the prediction.
public struct Tokenizer: Sendable, Equatable {
  /// Where ids are added or removed to make a text `length` long.
  public enum Side: String, Sendable, CaseIterable {
    /// At the start of the text.
    case pre
    /// At the end of the text.
    case post
  }

  /// The id of padding.
  public static let paddingID = 0
  /// The id of a word outside the vocabulary.
  public static let unknownID = 1
  /// How the two reserved ids are shown in vocabulary tables.
  public static let reservedNames = ["<pad>", "<unk>"]
  /// The most token ids a vocabulary may have.
  public static let maxVocabulary = 10_000_000
  /// The longest sequence a tokenizer makes.
  public static let maxLength = 1_000_000

  /// The known words: `words[i]` has the id `i + 2`.
  public let words: [String]
  /// Ids per text.
  public let length: Int
  /// Where short texts get their padding.
  public let padding: Side
  /// Where long texts lose their extra ids.
  public let truncating: Side
  private let index: [String: Int]

  /// A tokenizer of `words` (ids 2, 3, … in order). Throws for a repeated or empty word, a
  /// word that is not what `words(in:)` would make, or a length out of range.
  public init(words: [String], length: Int, padding: Side = .pre, truncating: Side = .pre) throws {
    guard length >= 1, length <= Tokenizer.maxLength else {
      throw DataError(path: nil, message: "a sequence length must be 1…\(Tokenizer.maxLength); got \(length)")
    }
    guard words.count + 2 <= Tokenizer.maxVocabulary else {
      throw DataError(path: nil, message: "a vocabulary may have at most \(Tokenizer.maxVocabulary) ids")
    }
    var index: [String: Int] = [:]
    for (i, w) in words.enumerated() {
      guard Tokenizer.words(in: w) == [w] else {
        throw DataError(path: nil, message: "'\(w)' is not one lowercase word of letters")
      }
      guard index.updateValue(i + 2, forKey: w) == nil else {
        throw DataError(path: nil, message: "the word '\(w)' appears twice in the vocabulary")
      }
    }
    self.words = words
    self.length = length
    self.padding = padding
    self.truncating = truncating
    self.index = index
  }

  /// Fits the vocabulary on `texts`: the `vocabulary − 2` most frequent words (ties by first
  /// appearance). `vocabulary` must be at least 3 (padding, unknown, one word).
  public static func fit(_ texts: [String], vocabulary: Int, length: Int, padding: Side = .pre,
                         truncating: Side = .pre) throws -> Tokenizer {
    guard vocabulary >= 3, vocabulary <= maxVocabulary else {
      throw DataError(path: nil, message: "vocab must be 3…\(maxVocabulary) (ids 0 and 1 are padding "
        + "and unknown words); got \(vocabulary)")
    }
    var counts: [String: Int] = [:]
    var firstSeen: [String: Int] = [:]
    for text in texts {
      for w in words(in: text) {
        counts[w, default: 0] += 1
        if firstSeen[w] == nil { firstSeen[w] = firstSeen.count }
      }
    }
    let ranked = counts.keys.sorted { a, b in
      let (ca, cb) = (counts[a] ?? 0, counts[b] ?? 0)
      return ca != cb ? ca > cb : (firstSeen[a] ?? 0) < (firstSeen[b] ?? 0)
    }
    return try Tokenizer(words: Array(ranked.prefix(vocabulary - 2)), length: length,
                         padding: padding, truncating: truncating)
  }

  /// Ids in use: the words plus padding and unknown. An `embedding` layer needs at least this
  /// many rows.
  public var vocabularySize: Int { words.count + 2 }

  /// The words of `text`: lowercased, split on every character that is not a letter.
  public static func words(in text: String) -> [String] {
    var out: [String] = []
    var current = ""
    for ch in text.lowercased() {
      if ch.isLetter {
        current.append(ch)
      } else if !current.isEmpty {
        out.append(current)
        current = ""
      }
    }
    if !current.isEmpty { out.append(current) }
    return out
  }

  /// The id of `word` (already lowercase), 1 when it is not in the vocabulary.
  public func id(of word: String) -> Int { index[word] ?? Tokenizer.unknownID }

  /// The word of `id`: `<pad>`, `<unk>` or a vocabulary word; nil for an id out of range.
  public func word(of id: Int) -> String? {
    if id >= 0 && id < 2 { return Tokenizer.reservedNames[id] }
    return id >= 2 && id < vocabularySize ? words[id - 2] : nil
  }

  /// The ids of `text`, cut or padded to `length`.
  public func sequence(_ text: String) -> [Int] {
    var ids = Tokenizer.words(in: text).map(id(of:))
    if ids.count > length {
      ids = truncating == .pre ? Array(ids.suffix(length)) : Array(ids.prefix(length))
    }
    let pad = [Int](repeating: Tokenizer.paddingID, count: length - ids.count)
    return padding == .pre ? pad + ids : ids + pad
  }

  /// The ids of every text as float32, shaped (texts, length): the inputs of a model that
  /// starts with an embedding.
  public func encode(_ texts: [String]) -> Tensor {
    var data: [Float] = []
    data.reserveCapacity(texts.count * length)
    for t in texts { data += sequence(t).map(Float.init) }
    return Tensor(shape: [texts.count, length], data: data)
  }

  // MARK: - Settings as text (model files)

  /// The settings other than the words, as `load` options: `length=40 pad=pre truncate=pre`.
  public var settingsText: String {
    "length=\(length) pad=\(padding.rawValue) truncate=\(truncating.rawValue)"
  }

  /// The tokenizer of `settingsText` and `words`; an error naming what is wrong.
  public init(settingsText: String, words: [String]) throws {
    var length: Int?, padding = Side.pre, truncating = Side.pre
    for part in settingsText.split(separator: " ") {
      let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
      guard kv.count == 2 else {
        throw DataError(path: nil, message: "tokenizer setting '\(part)' is not NAME=VALUE")
      }
      switch kv[0] {
      case "length":
        guard let n = Int(kv[1]) else { throw DataError(path: nil, message: "tokenizer length '\(kv[1])' is not a whole number") }
        length = n
      case "pad", "truncate":
        guard let side = Side(rawValue: kv[1]) else {
          throw DataError(path: nil, message: "tokenizer \(kv[0]) '\(kv[1])' is not pre or post")
        }
        if kv[0] == "pad" { padding = side } else { truncating = side }
      default:
        throw DataError(path: nil, message: "unknown tokenizer setting '\(kv[0])'")
      }
    }
    guard let length else { throw DataError(path: nil, message: "the tokenizer settings have no length") }
    try self.init(words: words, length: length, padding: padding, truncating: truncating)
  }

  public static func == (a: Tokenizer, b: Tokenizer) -> Bool {
    a.words == b.words && a.length == b.length && a.padding == b.padding && a.truncating == b.truncating
  }
}
