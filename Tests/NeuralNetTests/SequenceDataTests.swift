import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

/// Sliding windows of a series, the word tokenizer and the CSV text loader.
@Suite struct WindowsTests {
  /// A series 0, 1, 2, … (one column `value`), or two columns (`a` = t, `b` = 10·t).
  func series(_ n: Int, columns: Int = 1) throws -> Dataset {
    let data = (0..<n).flatMap { t in (0..<columns).map { c in Float(t) * (c == 0 ? 1 : 10) } }
    return try Dataset(x: Tensor(shape: [n, columns], data: data),
                       featureNames: columns == 1 ? ["value"] : ["a", "b"])
  }

  @Test func windowsAndTargetsFollowTheSeries() throws {
    let w = try Windows.make(series(10), size: 3, horizon: 2)
    // ⌊(10 − 3 − 2) / 1⌋ + 1 = 6 windows; window k is k, k+1, k+2 and its target k + 4.
    #expect(w.x.shape == [6, 3, 1])
    #expect(w.count == 6)
    #expect(Array(w.x.data[0..<3]) == [0, 1, 2])
    #expect(Array(w.x.data[15..<18]) == [5, 6, 7])
    #expect(w.y?.data == [4, 5, 6, 7, 8, 9])
    #expect(w.targetName == "value")
    #expect(w.featureNames == ["value[0]", "value[1]", "value[2]"])
  }

  @Test func strideSkipsStartsAndDropsAnIncompleteTail() throws {
    let w = try Windows.make(series(10), size: 2, horizon: 1, stride: 3)
    // starts 0, 3, 6 (9 would need rows 9, 10 and a target at 11)
    #expect(w.count == 3)
    #expect(w.x.data == [0, 1, 3, 4, 6, 7])
    #expect(w.y?.data == [2, 5, 8])
  }

  @Test func aNamedColumnIsTheTargetAndEveryColumnAnInput() throws {
    let w = try Windows.make(series(5, columns: 2), size: 2, horizon: 1, column: .named("b"))
    #expect(w.x.shape == [3, 2, 2])
    #expect(Array(w.x.data[0..<4]) == [0, 0, 1, 10])
    #expect(w.y?.data == [20, 30, 40])
    #expect(w.targetName == "b")
  }

  @Test func theSeriesTargetColumnIsTheDefaultTargetAndNotAnInput() throws {
    let d = try Dataset(x: Tensor(shape: [4, 1], data: [1, 2, 3, 4]), y: Tensor(shape: [4], data: [10, 20, 30, 40]),
                        featureNames: ["x"], targetName: "y")
    let w = try Windows.make(d, size: 2, horizon: 1)
    #expect(w.x.data == [1, 2, 2, 3])
    #expect(w.y?.data == [30, 40])
    #expect(w.targetName == "y")
  }

  @Test func tooShortASeriesSaysHowManyRowsItNeeds() throws {
    let error = try #require(throws: DataError.self) { try Windows.make(series(5), size: 5, horizon: 1) }
    #expect(error.message == "windows of size 5 with horizon 1 need at least 6 rows (5 steps and 1 after them), but the series has 5 rows")
    // The smallest series that works gives one window.
    #expect(try Windows.make(series(6), size: 5, horizon: 1).count == 1)
    #expect(throws: DataError.self) { try Windows.make(series(5), size: Int.max, horizon: Int.max) }
  }

  @Test func badColumnsAreNamed() throws {
    let typo = try #require(throws: DataError.self) {
      try Windows.make(series(5), size: 2, horizon: 1, column: .named("valeu"))
    }
    #expect(typo.message == "column 'valeu' not found; did you mean 'value'?")
    let several = try #require(throws: DataError.self) { try Windows.make(series(5, columns: 2), size: 2, horizon: 1) }
    #expect(several.message.hasPrefix("the series has 2 columns and no target"))
    let images = try Dataset(x: Tensor(shape: [4, 2, 2], data: [Float](repeating: 0, count: 16)))
    #expect(throws: DataError.self) { try Windows.make(images, size: 2, horizon: 1) }
  }

  @Test func theWindowSourceFollowsSubsetsAndGivesTheTrueContinuation() throws {
    let w = try Windows.make(series(10), size: 3, horizon: 1)
    let part = w.subset([4, 1])
    // Sample 0 of the part is window 4 (rows 4, 5, 6); the 2 steps after it are 7 and 8.
    #expect(part.windowSource?.rows(ofWindow: 0, after: 2) == [[4], [5], [6], [7], [8]])
    #expect(part.windowSource?.rows(ofWindow: 1, after: 100)?.count == 9)  // rows 1…9
    #expect(part.windowSource?.rows(ofWindow: 2, after: 1) == nil)
    // Rescaled features no longer match the stored series.
    let scaled = try Scaler.standardize(fitOn: w).apply(w)
    #expect(scaled.windowSource == nil)
  }

  @Test func splitWithoutShuffleKeepsTheSeriesInOrder() throws {
    var rng = SeededRandom(seed: 7)
    let parts = try Split.split(series(10), fractions: [0.8], shuffle: false, rng: &rng)
    #expect(parts[0].x.data == [0, 1, 2, 3, 4, 5, 6, 7])
    #expect(parts[1].x.data == [8, 9])
  }

  @Test func standardizeFitsOnThePastAndAppliesTheSameToTheFuture() throws {
    var rng = SeededRandom(seed: 7)
    let parts = try Split.split(series(10), fractions: [0.8], shuffle: false, rng: &rng)
    let scaler = Scaler.standardize(fitOn: parts[0])
    // past 0…7: mean 3.5, population std √5.25
    #expect(abs(scaler.means[0] - 3.5) < 1e-6)
    #expect(abs(scaler.stds[0] - Float(5.25.squareRoot())) < 1e-6)
    let future = try scaler.apply(parts[1])
    #expect(abs(future.x.data[0] - Float((8 - 3.5) / 5.25.squareRoot())) < 1e-5)
    #expect(abs(future.x.data[1] - Float((9 - 3.5) / 5.25.squareRoot())) < 1e-5)
  }
}

@Suite struct TokenizerTests {
  @Test func wordsAreLowercaseRunsOfLetters() {
    #expect(Tokenizer.words(in: "Don't STOP—2 times, café!") == ["don", "t", "stop", "times", "café"])
    #expect(Tokenizer.words(in: "123 ... ") == [])
  }

  @Test func theMostFrequentWordsGetTheFirstIdsTiesByFirstAppearance() throws {
    let t = try Tokenizer.fit(["b a c", "c d b", "c e"], vocabulary: 5, length: 4)
    // counts: c 3, b 2, a 1, d 1, e 1 → c=2, b=3, then a (seen before d and e) = 4.
    #expect(t.words == ["c", "b", "a"])
    #expect(t.vocabularySize == 5)
    #expect(t.id(of: "c") == 2 && t.id(of: "a") == 4 && t.id(of: "d") == Tokenizer.unknownID)
    #expect(t.word(of: 0) == "<pad>" && t.word(of: 1) == "<unk>" && t.word(of: 3) == "b" && t.word(of: 5) == nil)
  }

  @Test func sequencesArePaddedAndCutAsKerasPadSequencesDoes() throws {
    let pre = try Tokenizer.fit(["a b c d e"], vocabulary: 10, length: 3)
    // ids: a 2, b 3, c 4, d 5, e 6 (all once: order of appearance)
    #expect(pre.sequence("a b") == [0, 2, 3])
    #expect(pre.sequence("a b c d e") == [4, 5, 6])  // truncating='pre' keeps the last words
    #expect(pre.sequence("a zzz") == [0, 2, 1])
    let post = try Tokenizer.fit(["a b c d e"], vocabulary: 10, length: 3, padding: .post, truncating: .post)
    #expect(post.sequence("a b") == [2, 3, 0])
    #expect(post.sequence("a b c d e") == [2, 3, 4])
    let x = pre.encode(["a", "e d"])
    #expect(x.shape == [2, 3])
    #expect(x.data == [0, 0, 2, 0, 6, 5])
  }

  @Test func settingsTextRoundTripsAndBadSettingsAreRefused() throws {
    let t = try Tokenizer.fit(["x y z", "y"], vocabulary: 4, length: 7, padding: .post)
    let back = try Tokenizer(settingsText: t.settingsText, words: t.words)
    #expect(back == t)
    #expect(t.settingsText == "length=7 pad=post truncate=pre")
    #expect(throws: DataError.self) { try Tokenizer(settingsText: "length=0", words: ["a"]) }
    #expect(throws: DataError.self) { try Tokenizer(settingsText: "pad=pre", words: ["a"]) }
    #expect(throws: DataError.self) { try Tokenizer(settingsText: "length=3 pad=middle", words: ["a"]) }
    #expect(throws: DataError.self) { try Tokenizer(settingsText: "length=3", words: ["a", "a"]) }
    #expect(throws: DataError.self) { try Tokenizer(settingsText: "length=3", words: ["Two words"]) }
    #expect(throws: DataError.self) { try Tokenizer.fit(["a"], vocabulary: 2, length: 3) }
  }
}

@Suite struct TextCSVTests {
  func load(_ csv: String, vocab: Int = 10, length: Int = 4, target: TargetSpec = .named("label")) throws -> Dataset {
    let path = DataTestSupport.write(csv)
    defer { DataTestSupport.remove(path) }
    return try CSVLoader.loadText(path: path, options: TextOptions(column: "review", vocabulary: vocab, length: length),
                                  target: target).0
  }

  @Test func textsBecomeIdsAndLabelsClasses() throws {
    let d = try load("id,review,label\n1,\"Good, good film\",pos\n2,bad film,neg\n3,\"good\"\"ish\"\"\",pos\n")
    // good 3, film 2, bad 1, ish 1 → good 2, film 3, bad 4, ish 5
    #expect(d.tokenizer?.words == ["good", "film", "bad", "ish"])
    #expect(d.x.shape == [3, 4])
    #expect(d.x.data == [0, 2, 2, 3, 0, 0, 4, 3, 0, 0, 2, 5])
    #expect(d.classNames == ["neg", "pos"])
    #expect(d.y?.data == [1, 0, 1])
    #expect(d.describe == "3 rows × 4 token ids, target 'label' (2 classes)")
    // The parts of a split keep the tokenizer.
    #expect(d.subset([2]).tokenizer == d.tokenizer)
  }

  @Test func theRealReviewsLoad() throws {
    let path = DataTestSupport.exampleData("reviews.csv")
    let (d, report) = try CSVLoader.loadText(path: path, options: TextOptions(column: "review", vocabulary: 2000, length: 40),
                                             target: .named("label"))
    #expect(d.count == 8841)
    #expect(d.x.shape == [8841, 40])
    #expect(d.classNames == ["negative", "positive"])
    #expect(report.labelMapping.map(\.0) == ["negative", "positive"])
    #expect(d.tokenizer?.vocabularySize == 2000)
    #expect(Array(d.tokenizer?.words.prefix(3) ?? []) == ["the", "a", "and"])
    #expect(d.x.data.allSatisfy { $0 >= 0 && $0 < 2000 && $0 == $0.rounded() })
  }

  @Test func missingCellsAndNumericTextColumnsAreLocated() throws {
    let missing = try #require(throws: DataError.self) { try load("review,label\nfine,pos\n  ,neg\n") }
    #expect(missing.description == "\(missing.path ?? ""):3: column 1 ('review'): missing text; fill it in or remove the row, then load the file again")
    let label = try #require(throws: DataError.self) { try load("review,label\nfine,pos\nbad,\n") }
    #expect(label.row == 3 && label.column == 2 && label.columnName == "label")
    let numeric = try #require(throws: DataError.self) { try load("review,label\n1.5,pos\n2,neg\n") }
    #expect(numeric.row == 2 && numeric.column == 1)
    #expect(numeric.message.hasPrefix("the text column holds numbers, not text"))
    let ragged = try #require(throws: DataError.self) { try load("review,label\nfine,pos,extra\n") }
    #expect(ragged.row == 2)
    let typo = try #require(throws: DataError.self) { try load("reveiw,label\nfine,pos\n") }
    #expect(typo.message == "text column 'review' not found; did you mean 'reveiw'?")
    let same = try #require(throws: DataError.self) { try load("review,label\nfine,pos\n", target: .named("review")) }
    #expect(same.message == "column 'review' cannot be both the text and the target")
    #expect(throws: DataError.self) { try load("review,label\n") }
    let latin1 = DataTestSupport.write([0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x0A, 0x63, 0x61, 0x66, 0xE9, 0x0A])
    defer { DataTestSupport.remove(latin1) }
    #expect(throws: DataError.self) {
      try CSVLoader.loadText(path: latin1, options: TextOptions(column: "review", vocabulary: 10, length: 2), target: .none)
    }
  }
}

@Suite struct SequenceDataLimitTests {
  @Test func windowsThatWouldHoldTooManyValuesAreRefused() throws {
    let series = try Dataset(x: Tensor(shape: [70_000, 1], data: [Float](repeating: 0, count: 70_000)))
    let error = try #require(throws: DataError.self) { try Windows.make(series, size: 35_000, horizon: 1) }
    #expect(error.message.hasSuffix("use a larger stride= or a smaller size="))
    #expect(try Windows.make(series, size: 35_000, horizon: 1, stride: 10_000).count == 4)
  }
}
