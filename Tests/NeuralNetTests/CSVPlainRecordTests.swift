import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

/// The CSV fast path for plain numeric records (`FloatParser.parsePrefix`,
/// `CSVScanner.nextPlainNumeric`) against the general path it stands in for: on random
/// records it either declines without moving, or gives bit-identical values, the same line and
/// the same position; whole loads agree bit for bit with loads that cannot take it.
@Suite struct CSVPlainRecordTests {
  /// Random number-like text: signs, leading zeros, long digit runs, fractions, exponents and,
  /// now and then, something that is not a plain number at all.
  static func numberText(_ rng: inout SeededRandom) -> String {
    func digits(_ n: Int) -> String {
      String((0..<n).map { _ in Character(Unicode.Scalar(UInt8(48 + rng.next() % 10))) })
    }
    switch rng.next() % 20 {
    case 0: return ["NaN", "NA", "?", "null", "", "inf", "-Infinity", "1e", "1.2.3", ".", "-", "0x1p3",
                    "1e39", "-1e-50", "abc", " 1", "1 ", "\"2.5\""][Int(rng.next() % 18)]
    case 1: return digits(Int(rng.next() % 30) + 1)  // long integers: some past 19 digits
    case 2: return "0." + digits(Int(rng.next() % 25) + 1)
    default:
      var s = ["", "", "-", "+"][Int(rng.next() % 4)]
      s += digits(Int(rng.next() % 8))
      if rng.next() % 3 != 0 { s += "." + digits(Int(rng.next() % 9)) }
      if rng.next() % 4 == 0 {
        s += ["e", "E"][Int(rng.next() % 2)] + ["", "-", "+"][Int(rng.next() % 3)]
          + digits(Int(rng.next() % 3) + 1)
      }
      return s.isEmpty || s == "-" || s == "+" ? "7" : s
    }
  }

  /// `rows` random records of `columns` fields (the last one a text or number label), with
  /// now and then a blank line, a quoted field, a wrong field count or a `\r\n` line end.
  static func records(_ rows: Int, columns: Int, seed: UInt64) -> String {
    var rng = SeededRandom(seed: seed)
    var out = ""
    for _ in 0..<rows {
      var fields = (0..<columns - 1).map { _ in numberText(&rng) }
      fields.append(["cat", "dog", "1", "0", "2.5", "NA", "\"x,y\"", " pad", "a\"b"][Int(rng.next() % 9)])
      switch rng.next() % 25 {
      case 0: fields.removeLast()
      case 1: fields.append("3")
      case 2: out += "\n"
      default: break
      }
      out += fields.joined(separator: ",") + (rng.next() % 5 == 0 ? "\r\n" : "\n")
    }
    return out
  }

  @Test("parsePrefix gives parse's bits, or declines")
  func prefixMatchesParse() {
    var rng = SeededRandom(seed: 11)
    var taken = 0
    for _ in 0..<200_000 {
      let bytes = Array(Self.numberText(&rng).utf8)
      bytes.withUnsafeBufferPointer { b in
        guard let p = b.baseAddress else { return }
        var i = 0
        guard let v = FloatParser.parsePrefix(p, &i, b.count), i == b.count else { return }
        taken += 1
        guard case .value(let w) = FloatParser.parse(b, 0, b.count) else {
          Issue.record("fast path read \(String(decoding: bytes, as: UTF8.self)) the general one refuses")
          return
        }
        #expect(v.bitPattern == w.bitPattern, "\(String(decoding: bytes, as: UTF8.self)): \(v) vs \(w)")
      }
    }
    #expect(taken > 100_000)  // the generator mostly makes plain numbers
  }

  @Test("parsePrefix stops at the first byte that cannot continue a number")
  func prefixStops() {
    for (text, value, stop) in [("1.5,2", Float(1.5), 3), ("-0,", Float(-0.0), 2), ("2e3\n", 2000, 3),
                                (".5x", 0.5, 2), ("12", 12, 2), ("+3.25e-2;", 0.0325, 8)] {
      let bytes = Array(text.utf8)
      bytes.withUnsafeBufferPointer { b in
        var i = 0
        let v = b.baseAddress.flatMap { FloatParser.parsePrefix($0, &i, b.count) }
        #expect(v?.bitPattern == value.bitPattern, "\(text)")
        #expect(i == stop, "\(text)")
      }
    }
    for text in ["", "-", ".", "e5", "1e", "1e+", "12345678901234567890"] {
      let bytes = Array(text.utf8)
      bytes.withUnsafeBufferPointer { b in
        var i = 0
        guard let p = b.baseAddress else { return }
        #expect(FloatParser.parsePrefix(p, &i, b.count) == nil, "\(text)")
      }
    }
  }

  @Test("a plain record reads as the general path reads it; any other is left untouched")
  func scannerMatchesGeneralPath() throws {
    let columns = 5
    let bytes = Array(Self.records(20_000, columns: columns, seed: 5).utf8)
    try bytes.withUnsafeBufferPointer { b in
      var fast = CSVScanner(b)
      var general = CSVScanner(b)
      var fields: [CSVField] = []
      var x = [Float](repeating: 0, count: columns)
      var plain = 0, other = 0
      while true {
        let before = fast.offset
        let record = x.withUnsafeMutableBufferPointer { p in
          p.baseAddress.flatMap { fast.nextPlainNumeric(columns: columns, target: columns - 1, into: $0) }
        }
        let line: Int?
        do { line = try general.next(into: &fields) } catch { break }
        guard let line else { #expect(record == nil); break }
        if let record {
          plain += 1
          #expect(record.line == line)
          #expect(fields.count == columns)
          for c in 0..<columns - 1 {
            guard case .value(let v) = FloatParser.parse(b, fields[c].start, fields[c].end) else {
              Issue.record("line \(line): field \(c + 1) is not a number on the general path")
              continue
            }
            #expect(x[c].bitPattern == v.bitPattern, "line \(line) field \(c + 1)")
          }
          #expect(record.target?.start == fields[columns - 1].start)
          #expect(record.target?.end == fields[columns - 1].end)
        } else {
          other += 1
          #expect(fast.offset == before)
          _ = try fast.next(into: &fields)
        }
        #expect(fast.offset == general.offset)
        #expect(fast.line == general.line)
      }
      #expect(plain > 1_000)
      #expect(other > 1_000)
    }
  }

  /// `text` with every field quoted, which the fast path never takes.
  static func quoted(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      line.isEmpty ? "" : line.split(separator: ",", omittingEmptySubsequences: false)
        .map { "\"\($0)\"" }.joined(separator: ",")
    }.joined(separator: "\n")
  }

  /// A numeric CSV of `rows` rows with a text label: numbers of every plain form.
  static func numericCSV(rows: Int, seed: UInt64) -> String {
    var rng = SeededRandom(seed: seed)
    var out = "a,b,c,label\n"
    for _ in 0..<rows {
      var fields: [String] = []
      while fields.count < 3 {
        let t = numberText(&rng)
        let bytes = Array(t.utf8)
        let ok = bytes.withUnsafeBufferPointer { b -> Bool in
          guard case .value = FloatParser.parse(b, 0, b.count) else { return false }
          return !t.contains(" ") && !t.contains("\"")
        }
        if ok { fields.append(t) }
      }
      fields.append(["cat", "dog", "bird"][Int(rng.next() % 3)])
      out += fields.joined(separator: ",") + "\n"
    }
    return out
  }

  @Test("a load of plain records equals, bit for bit, the load of the same cells quoted")
  func loadEqualsQuotedLoad() throws {
    let text = Self.numericCSV(rows: 5_000, seed: 3)
    let (plain, _) = try DataTestSupport.load(text, target: .named("label"))
    let (quoted, _) = try DataTestSupport.load(Self.quoted(text), target: .named("label"))
    #expect(plain.x.shape == quoted.x.shape)
    #expect(plain.x.data.map(\.bitPattern) == quoted.x.data.map(\.bitPattern))
    #expect(plain.y?.data == quoted.y?.data)
    #expect(plain.classNames == quoted.classNames)
  }

  @Test("the stream reads plain records as the in-memory load does, across chunk cuts")
  func streamEqualsInMemory() throws {
    let text = Self.numericCSV(rows: 3_000, seed: 4)
    let path = DataTestSupport.write(text)
    defer { DataTestSupport.remove(path) }
    let (d, _) = try CSVLoader.load(path: path, target: .named("label"))
    let s = try StreamDataset.open(path: path, name: "t.csv", target: .named("label"), header: true,
                                   labels: nil)
    var source = try #require(s.source as? CSVRowSource)
    source.chunkBytes = 41
    let small = StreamDataset(source: source, name: "t.csv", fileRows: s.fileRows,
                              featureShape: s.featureShape, featureNames: s.featureNames,
                              targetName: s.targetName, classNames: s.classNames)
    let (x, y) = try StreamDataTests.allRows(small)
    #expect(x.map(\.bitPattern) == d.x.data.map(\.bitPattern))
    #expect(y == d.y?.data)
  }

  @Test("a bad cell after plain records is still located by the general path")
  func badCellAfterPlainRecords() {
    var text = "a,b,label\n"
    for i in 0..<50 { text += "\(i).5,-\(i)e-1,\(i % 2)\n" }
    text += "1.0,1e39,1\n"
    let message = DataTestSupport.csvError(text, target: .named("label"))
    #expect(message?.contains("t.csv:52") == true, "\(message ?? "no error")")
    #expect(message?.contains("float32") == true, "\(message ?? "no error")")
  }
}
