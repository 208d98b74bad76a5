import Autograd

/// The vocabularies of a sequence-to-sequence dataset (`load … source=COLUMN target=COLUMN`).
///
/// A text is split on whitespace into tokens (so `3 1 4` is three tokens; case is kept). Ids:
/// 0 padding, 1 unknown token, 2 start `<s>`, 3 end `</s>`, then the tokens seen when loading,
/// most frequent first (ties: the token seen first). Sources are padded at the end to
/// `sourceLength`; targets get the end token and are padded at the end to `targetLength`.
/// The decoder reads the target shifted right behind the start token (teacher forcing).
/// Shared (one list for both sides) by default; `shared = false` keeps two lists.
public struct PairVocabulary: Sendable, Equatable {
  /// The reserved ids.
  public static let paddingID = 0, unknownID = 1, startID = 2, endID = 3
  /// How the reserved ids are shown.
  public static let reservedNames = ["<pad>", "<unk>", "<s>", "</s>"]
  /// The source side's tokens: `sourceTokens[i]` has the id `i + 4`.
  public let sourceTokens: [String]
  /// The target side's tokens (the same list when shared).
  public let targetTokens: [String]
  /// Whether both sides share one list.
  public let shared: Bool
  /// Ids per source.
  public let sourceLength: Int
  /// Ids per target, the end token included.
  public let targetLength: Int
  private let sourceIndex: [String: Int]
  private let targetIndex: [String: Int]

  /// A vocabulary of the given token lists (ids from 4, in order).
  public init(sourceTokens: [String], targetTokens: [String], shared: Bool, sourceLength: Int,
              targetLength: Int) throws {
    guard sourceLength >= 1, targetLength >= 2, sourceLength <= Tokenizer.maxLength,
          targetLength <= Tokenizer.maxLength else {
      throw DataError(path: nil, message: "sequence lengths must be 1…\(Tokenizer.maxLength) (a target at "
        + "least 2, for its end token); got \(sourceLength) and \(targetLength)")
    }
    func index(_ tokens: [String]) throws -> [String: Int] {
      var d: [String: Int] = [:]
      for (i, t) in tokens.enumerated() {
        guard !t.isEmpty, !t.contains(where: \.isWhitespace) else {
          throw DataError(path: nil, message: "'\(t)' is not one token (tokens are split on whitespace)")
        }
        guard d.updateValue(i + 4, forKey: t) == nil else {
          throw DataError(path: nil, message: "the token '\(t)' appears twice in the vocabulary")
        }
      }
      return d
    }
    self.sourceTokens = sourceTokens
    self.targetTokens = shared ? sourceTokens : targetTokens
    self.shared = shared
    self.sourceLength = sourceLength
    self.targetLength = targetLength
    sourceIndex = try index(sourceTokens)
    targetIndex = shared ? sourceIndex : try index(targetTokens)
  }

  /// Ids a source embedding needs.
  public var sourceVocabularySize: Int { sourceTokens.count + 4 }
  /// Ids a target embedding and the output layer need.
  public var targetVocabularySize: Int { targetTokens.count + 4 }

  /// The tokens of `text`: split on whitespace.
  public static func tokens(in text: String) -> [String] {
    text.split(whereSeparator: \.isWhitespace).map(String.init)
  }

  /// Source ids, cut or padded at the end to `sourceLength`.
  public func sourceIDs(_ text: String) -> [Int] {
    let ids = PairVocabulary.tokens(in: text).prefix(sourceLength).map { sourceIndex[$0] ?? 1 }
    return ids + [Int](repeating: 0, count: sourceLength - ids.count)
  }

  /// Target ids followed by the end token, cut (the end token kept) or padded to `targetLength`.
  public func targetIDs(_ text: String) -> [Int] {
    let ids = PairVocabulary.tokens(in: text).prefix(targetLength - 1).map { targetIndex[$0] ?? 1 }
      + [PairVocabulary.endID]
    return ids + [Int](repeating: 0, count: targetLength - ids.count)
  }

  /// Sources (N, sourceLength) as float32 ids.
  public func encodeSources(_ texts: [String]) -> Tensor {
    Tensor(shape: [texts.count, sourceLength], data: texts.flatMap { sourceIDs($0).map(Float.init) })
  }

  /// Targets (N, targetLength) as float32 ids.
  public func encodeTargets(_ texts: [String]) -> Tensor {
    Tensor(shape: [texts.count, targetLength], data: texts.flatMap { targetIDs($0).map(Float.init) })
  }

  /// The decoder's input for targets `y` (N, T): the start token, then the target shifted
  /// right by one; 0 wherever the target is padding, so the decoder's mask is the target's.
  public static func decoderInput(_ y: Tensor) -> Tensor {
    var d = Tensor.zeros(y.shape)
    let t = y.shape.count == 2 ? y.shape[1] : 1
    for i in 0..<y.count where y.data[i] != 0 {
      d.data[i] = i % t == 0 ? Float(startID) : y.data[i - 1]
    }
    return d
  }

  /// The token of a source id (reserved names for 0…3); `?` out of range.
  public func sourceToken(_ id: Int) -> String { token(id, sourceTokens) }
  /// The token of a target id.
  public func targetToken(_ id: Int) -> String { token(id, targetTokens) }

  private func token(_ id: Int, _ list: [String]) -> String {
    if id >= 0 && id < 4 { return PairVocabulary.reservedNames[id] }
    return id >= 4 && id - 4 < list.count ? list[id - 4] : "?"
  }

  /// A source row of ids as text, padding left out.
  public func sourceText(_ ids: [Int]) -> String {
    ids.filter { $0 != 0 }.map(sourceToken).joined(separator: " ")
  }

  /// Target ids as text, up to (not including) the end token, padding left out.
  public func targetText(_ ids: [Int]) -> String {
    Array(ids.prefix { $0 != PairVocabulary.endID }).filter { $0 != 0 }.map(targetToken)
      .joined(separator: " ")
  }

  /// The ids up to (not including) the first end token, padding dropped: what `exact` compares.
  public static func content(_ ids: [Int]) -> [Int] {
    Array(ids.prefix { $0 != endID }).filter { $0 != 0 }
  }

  /// Fits the token lists on `sources` and `targets`; lengths default to the longest text
  /// (targets: plus the end token).
  public static func fit(sources: [String], targets: [String], shared: Bool = true,
                         sourceLength: Int? = nil, targetLength: Int? = nil) throws -> PairVocabulary {
    func ranked(_ texts: [[String]]) -> [String] {
      var counts: [String: Int] = [:], first: [String: Int] = [:]
      for ts in texts { for t in ts { counts[t, default: 0] += 1; if first[t] == nil { first[t] = first.count } } }
      return counts.keys.sorted { a, b in
        let (ca, cb) = (counts[a] ?? 0, counts[b] ?? 0)
        return ca != cb ? ca > cb : (first[a] ?? 0) < (first[b] ?? 0)
      }
    }
    let s = sources.map(tokens(in:)), t = targets.map(tokens(in:))
    let sl = sourceLength ?? Swift.max(1, s.map(\.count).max() ?? 1)
    let tl = targetLength ?? (t.map(\.count).max() ?? 0) + 1
    return try PairVocabulary(sourceTokens: shared ? ranked(s + t) : ranked(s), targetTokens: shared ? [] : ranked(t),
                              shared: shared, sourceLength: sl, targetLength: tl)
  }

  // MARK: model files

  /// The settings as text, for a model file's metadata: `shared=true source_length=10 target_length=11`.
  public var settingsText: String {
    "shared=\(shared) source_length=\(sourceLength) target_length=\(targetLength)"
  }

  /// The vocabulary of `settingsText` and the token lists; an error naming what is wrong.
  public init(settingsText: String, sourceTokens: [String], targetTokens: [String]) throws {
    var values: [String: String] = [:]
    for part in settingsText.split(separator: " ") {
      let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
      guard kv.count == 2 else { throw DataError(path: nil, message: "bad vocabulary setting '\(part)'") }
      values[kv[0]] = kv[1]
    }
    guard let sl = values["source_length"].flatMap({ Int($0) }),
          let tl = values["target_length"].flatMap({ Int($0) }) else {
      throw DataError(path: nil, message: "the vocabulary settings lack source_length or target_length")
    }
    let shared = values["shared"] != "false"
    try self.init(sourceTokens: sourceTokens, targetTokens: targetTokens, shared: shared,
                  sourceLength: sl, targetLength: tl)
  }
}

extension CSVLoader {
  /// Loads a CSV file of sequence pairs: the `source` column's texts become the token ids x
  /// (N, sourceLength), the `target` column's the ids y (N, targetLength) with the end token,
  /// by a `PairVocabulary` fitted on the file and kept with the dataset. An empty cell, a
  /// missing column or a ragged row is an error naming the file, the row and the column.
  public static func loadPairs(path: String, source: String, target: String, shared: Bool = true,
                               sourceLength: Int? = nil, targetLength: Int? = nil) throws -> (Dataset, LoadReport) {
    let bytes = try FileBytes.read(path)
    return try bytes.withUnsafeBufferPointer { buffer in
      try TextCheck.check(buffer, path: path)
      var scanner = CSVScanner(buffer)
      var fields: [CSVField] = []
      func scan() throws -> Int? {
        do { return try scanner.next(into: &fields) } catch {
          throw DataError(path: path, row: error.line, column: error.column, message: error.message)
        }
      }
      guard try scan() != nil else { throw DataError(path: path, message: "file is empty") }
      let names = fields.map { $0.text(in: buffer).trimmingBlanks() }
      func column(_ name: String, _ role: String) throws -> Int {
        guard let i = names.firstIndex(of: name) else {
          throw DataError(path: path, message: "\(role) column '\(name)' not found; " + NameSuggestion.hint(for: name, in: names))
        }
        return i
      }
      let (si, ti) = (try column(source, "source"), try column(target, "target"))
      guard si != ti else { throw DataError(path: path, message: "column '\(source)' cannot be both the source and the target") }
      var sources: [String] = [], targets: [String] = []
      while let line = try scan() {
        guard fields.count == names.count else {
          throw DataError(path: path, row: line, message: "row has \(plural(fields.count, "field")), the header has \(names.count)")
        }
        for (i, role) in [(si, "source"), (ti, "target")] {
          let (s, e) = CSVTable.trimmed(fields[i], buffer)
          guard e > s else {
            throw DataError(path: path, row: line, column: i + 1, columnName: names[i],
                            message: "missing \(role) text; fill it in or remove the row, then load the file again")
          }
        }
        sources.append(fields[si].text(in: buffer))
        targets.append(fields[ti].text(in: buffer))
      }
      guard !sources.isEmpty else { throw DataError(path: path, message: "no data rows after the header") }
      let vocab = try PairVocabulary.fit(sources: sources, targets: targets, shared: shared,
                                         sourceLength: sourceLength, targetLength: targetLength)
      let (values, overflow) = sources.count.multipliedReportingOverflow(by: vocab.sourceLength + vocab.targetLength)
      guard !overflow, values <= Windows.maxValues else {
        throw DataError(path: path, message: "\(plural(sources.count, "pair")) would hold more than \(Windows.maxValues) token ids")
      }
      var d = Dataset(unchecked: vocab.encodeSources(sources), y: vocab.encodeTargets(targets),
                      featureNames: (0..<vocab.sourceLength).map { "\(source)[\($0)]" }, targetName: target,
                      classNames: nil)
      d.pairVocabulary = vocab
      return (d, LoadReport(rowsRead: sources.count, rowsDropped: 0, missingFilled: [], labelMapping: []))
    }
  }
}
