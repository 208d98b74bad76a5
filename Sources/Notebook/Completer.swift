import DLang
import Foundation

/// TAB completion from the same tables the parser, checker and `help` use: statement keywords,
/// layer kinds inside a model block, the options of the statement being typed, loss / optimizer
/// / metric / activation / initializer names after their option, names of variables, models and
/// layers (`net.dense_1`), and file paths inside a quoted string.
public struct Completer: @unchecked Sendable {
  let session: Session

  public init(session: Session) { self.session = session }

  /// Candidates for the word ending at `cursor` (a UTF-8 offset into `line`).
  public func complete(line: String, cursor: Int) -> Completion {
    let bytes = Array(line.utf8.prefix(cursor))
    let before = String(decoding: bytes, as: UTF8.self)
    if let quote = openQuote(before) { return paths(before, quoteAt: quote) }
    var start = bytes.count
    while start > 0, !Completer.separators.contains(bytes[start - 1]) { start -= 1 }
    let word = String(decoding: bytes[start...], as: UTF8.self)
    let head = String(decoding: bytes[..<start], as: UTF8.self)
    let words = head.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    let candidates = candidatesFor(word: word, head: head, words: words)
    let filtered = candidates.filter { $0.hasPrefix(word.split(separator: ".").count > 1 || word.hasSuffix(".") ? word : word) }
    var seen = Set<String>()
    return Completion(replaceFrom: start, candidates: filtered.filter { seen.insert($0).inserted }.sorted())
  }

  static let separators: Set<UInt8> = Set(" \t([,=".utf8)

  func candidatesFor(word: String, head: String, words: [String]) -> [String] {
    if word.contains(".") { return members(word) }
    let trimmedHead = head.trimmingCharacters(in: .whitespaces)
    if let option = optionBeingValued(head) { return values(for: option, statement: words.first) }
    if words.isEmpty {
      if head.hasPrefix(" ") || head.hasPrefix("\t") || session.isTypingModelBlock {
        return LayerTable.names
      }
      return Statements.all.map(\.name) + session.names
    }
    guard let keyword = words.first else { return [] }
    if trimmedHead.hasPrefix("help") { return HelpText.topics }
    if let layer = LayerTable.spec(keyword) {  // a layer line
      return layer.options.map { $0 + "=" } + ["name="] + Completer.activationNames
    }
    let options = (Statements.spec(keyword)?.options.map { $0.name + "=" }) ?? []
    return options + session.names
  }

  /// `net.` → layers of net; `net.dense_1.` → its parameters; `train.` → dataset members.
  func members(_ word: String) -> [String] {
    let parts = word.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard let base = parts.first, let value = session.value(named: base) else { return [] }
    switch (value, parts.count) {
    case (.model(let m), 2): return (m.network.layers.map(\.name) + ["history"]).map { "\(base).\($0)" }
    case (.model(let m), 3):
      return m.network.parameterNames(of: parts[1]).map { "\(base).\(parts[1]).\($0)" }
    case (.dataset, 2): return ["x", "y", "rows", "features", "classes"].map { "\(base).\($0)" }
    case (.tensor, 2): return ["\(base).shape"]
    default: return []
    }
  }

  /// The option whose value is being typed (`loss=bin` → loss), if any.
  func optionBeingValued(_ head: String) -> String? {
    var h = Substring(head)
    while let last = h.last, last == "[" || last == " " || last == "," || last == "(" {
      if last == " " && !h.contains("[") { break }
      h = h.dropLast()
    }
    guard h.hasSuffix("=") else { return nil }
    let name = h.dropLast().reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" }
    return String(name.reversed())
  }

  func values(for option: String, statement: String?) -> [String] {
    switch option {
    case "loss": return LossTable.names
    case "optimizer": return OptimizerTable.names
    case "metrics": return MetricTable.names
    case "init": return HelpText.initializerNames
    case "activation": return Completer.activationNames
    case "verbose": return ["0", "1", "2"]
    case "shuffle", "stratify", "header", "nesterov": return ["true", "false"]
    case "validation": return session.names.filter { if case .dataset? = session.value(named: $0) { return true }; return false }
    default:
      let allowed = statement.flatMap { Statements.spec($0)?.option(option)?.allowedValues } ?? []
      return allowed + session.names
    }
  }

  static var activationNames: [String] { HelpText.activationNames }

  /// The byte offset of an unclosed `"` in `text`, if any.
  func openQuote(_ text: String) -> Int? {
    var open: Int?
    var escaped = false
    for (i, b) in text.utf8.enumerated() {
      if escaped { escaped = false; continue }
      if b == UInt8(ascii: "\\") { escaped = true; continue }
      if b == UInt8(ascii: "\"") { open = open == nil ? i : nil }
    }
    return open
  }

  /// File names completing the path typed after the quote.
  func paths(_ before: String, quoteAt quote: Int) -> Completion {
    let typed = String(decoding: Array(before.utf8)[(quote + 1)...], as: UTF8.self)
    let dir: String, prefix: String
    if let slash = typed.lastIndex(of: "/") {
      dir = String(typed[...slash]); prefix = String(typed[typed.index(after: slash)...])
    } else { dir = ""; prefix = typed }
    let listing = (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []
    let names = listing.filter { $0.hasPrefix(prefix) && (!$0.hasPrefix(".") || prefix.hasPrefix(".")) }.map { name -> String in
      var isDir: ObjCBool = false
      FileManager.default.fileExists(atPath: dir + name, isDirectory: &isDir)
      return dir + name + (isDir.boolValue ? "/" : "")
    }
    return Completion(replaceFrom: quote + 1, candidates: names.sorted())
  }
}
