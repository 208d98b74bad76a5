import DLang
import Foundation

/// TAB completion from the same tables the parser, checker and `help` use: statement keywords,
/// layer kinds inside a model block, the options of the statement being typed, loss / optimizer
/// / metric / activation / initializer names after their option, names of variables, models and
/// layers (`net.dense_1`, `net.dense_1.weights`), and file paths inside a quoted string.
public struct Completer: @unchecked Sendable {
  let session: Session

  public init(session: Session) { self.session = session }

  /// Candidates for the word ending at `cursor` (a UTF-8 offset into `line`).
  public func complete(line: String, cursor: Int) -> Completion {
    let bytes = Array(line.utf8.prefix(max(cursor, 0)))
    let before = String(decoding: bytes, as: UTF8.self)
    if let quote = Completer.openQuote(before) { return paths(before, quoteAt: quote) }
    var start = bytes.count
    while start > 0, !Completer.separators.contains(bytes[start - 1]) { start -= 1 }
    let word = String(decoding: bytes[start...], as: UTF8.self)
    let head = String(decoding: bytes[..<start], as: UTF8.self)
    var seen = Set<String>()
    let candidates = candidatesFor(word: word, head: head)
      .filter { $0.hasPrefix(word) && seen.insert($0).inserted }
    return Completion(replaceFrom: start, candidates: candidates.sorted())
  }

  /// Bytes that end the word being completed.
  static let separators: Set<UInt8> = Set(" \t([,=)]*+-/".utf8)

  func candidatesFor(word: String, head: String) -> [String] {
    if word.contains(".") { return members(word) }
    // `x = …`, `train, test = …`: complete the right-hand side as a statement of its own.
    var statementHead = Substring(head)
    var isAssignment = false
    if let rhs = Completer.assignmentValue(head) {
      statementHead = rhs
      isAssignment = true
    }
    // `time STATEMENT`
    var words = statementHead.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    while words.first == "time" {
      words.removeFirst()
      if let r = statementHead.range(of: "time") { statementHead = statementHead[r.upperBound...] }
    }
    let keyword = words.first
    if let option = Completer.optionBeingValued(String(statementHead)) {
      return values(for: option, statement: keyword)
    }
    guard let keyword else {
      if session.isTypingModelBlock && !isAssignment { return LayerTable.names }
      if isAssignment {
        return Statements.all.filter(\.isValue).map(\.name) + session.names
      }
      return Statements.all.map(\.name) + session.names
    }
    if session.isTypingModelBlock, let layer = LayerTable.spec(keyword) {
      return (layer.options + ["name"]).map { $0 + "=" } + Completer.activationNames
    }
    switch keyword {
    case "help": return words.count == 1 ? HelpText.topics : []
    case "time": return Statements.all.map(\.name)
    case "vars", "reset", "history", "exit": return []
    case "seed": return []
    default: break
    }
    guard let spec = Statements.spec(keyword) else { return session.names }
    let typed = Set(words.compactMap { w -> String? in
      guard let eq = w.firstIndex(of: "=") else { return nil }
      return String(w[..<eq])
    })
    let options = spec.options.filter { !typed.contains($0.name) }.map { $0.name + "=" }
    return options + namesFor(statement: keyword, argumentIndex: words.count - 1)
  }

  /// Session names fitting the statement's positional argument: models first for statements
  /// that take a model, datasets and tensors for the data.
  func namesFor(statement: String, argumentIndex: Int) -> [String] {
    // From the statement table: the statements whose synopsis starts `KEYWORD MODEL`.
    let modelStatements = Set(Statements.all.filter { $0.synopsis.hasPrefix($0.name + " MODEL") }.map(\.name))
    guard modelStatements.contains(statement) else { return session.names }
    let isModel: (String) -> Bool = { name in
      if case .model? = session.value(named: name) { return true }
      return false
    }
    if argumentIndex == 0 { return session.names.filter(isModel) }
    if statement == "compile" || statement == "summary" { return [] }
    return session.names.filter { !isModel($0) }
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

  /// The text after `NAME =` or `A, B =` at the start of `head`, if `head` is an assignment.
  static func assignmentValue(_ head: String) -> Substring? {
    var i = head.startIndex
    func skipSpaces() { while i < head.endIndex, head[i] == " " || head[i] == "\t" { i = head.index(after: i) } }
    func name() -> Bool {
      let s = i
      while i < head.endIndex, head[i].isLetter || head[i].isNumber || head[i] == "_" || head[i] == "." {
        i = head.index(after: i)
      }
      return i > s
    }
    skipSpaces()
    guard name() else { return nil }
    skipSpaces()
    while i < head.endIndex, head[i] == "," {
      i = head.index(after: i)
      skipSpaces()
      guard name() else { return nil }
      skipSpaces()
    }
    guard i < head.endIndex, head[i] == "=" else { return nil }
    let after = head.index(after: i)
    if after < head.endIndex, head[after] == "=" { return nil }
    return head[after...]
  }

  /// The option whose value is being typed, if any: `loss=` → loss, `metrics=[acc, ` → metrics,
  /// `optimizer=adam(lr=` → lr.
  static func optionBeingValued(_ head: String) -> String? {
    let chars = Array(head)
    var end = chars.count  // the `=` must sit just before chars[end]
    if chars.last != "=" {
      // Inside an open `[`: the option is the one the list belongs to.
      var depth = 0
      var j = chars.count - 1
      while j >= 0 {
        let c = chars[j]
        if c == "]" || c == ")" { depth += 1 }
        else if c == "[" || c == "(" {
          if depth == 0 { break }
          depth -= 1
        }
        j -= 1
      }
      guard j > 0, chars[j] == "[" else { return nil }
      end = j
    }
    guard end > 0, chars[end - 1] == "=" else { return nil }
    var k = end - 1
    while k > 0, chars[k - 1].isLetter || chars[k - 1].isNumber || chars[k - 1] == "_" { k -= 1 }
    guard k < end - 1 else { return nil }
    return String(chars[k..<(end - 1)])
  }

  func values(for option: String, statement: String?) -> [String] {
    switch option {
    case "loss": return LossTable.names
    case "optimizer": return OptimizerTable.names
    case "metrics": return MetricTable.names
    case "init": return HelpText.initializerNames
    case "activation": return Completer.activationNames
    case "lr": return ScheduleTable.names  // a number, or a schedule: lr=cosine(0.003, epochs=200)
    case "validation", "target", "epochs", "batch", "top", "alpha", "l1", "l2", "name":
      if option == "validation" {
        return session.names.filter { if case .dataset? = session.value(named: $0) { return true }; return false }
      }
      return []
    default:
      let allowed = statement.flatMap { Statements.spec($0)?.option(option)?.allowedValues } ?? []
      return allowed.isEmpty ? session.names : allowed
    }
  }

  static var activationNames: [String] { HelpText.activationNames }

  /// The byte offset of an unclosed `"` in `text`, if any.
  static func openQuote(_ text: String) -> Int? {
    var open: Int?
    var escaped = false
    for (i, b) in text.utf8.enumerated() {
      if escaped { escaped = false; continue }
      if b == UInt8(ascii: "\\") { escaped = true; continue }
      if b == UInt8(ascii: "\"") { open = open == nil ? i : nil }
    }
    return open
  }

  /// File names completing the path typed after the quote (relative to the session's base
  /// directory); `load` prefers `.csv` and `.safetensors` files, `save` `.safetensors` files
  /// and `run` `.dl` files, directories always shown.
  func paths(_ before: String, quoteAt quote: Int) -> Completion {
    let typed = String(decoding: Array(before.utf8)[(quote + 1)...], as: UTF8.self)
    let dir: String, prefix: String
    if let slash = typed.lastIndex(of: "/") {
      dir = String(typed[...slash]); prefix = String(typed[typed.index(after: slash)...])
    } else { dir = ""; prefix = typed }
    var onDisk = dir.isEmpty ? "." : dir
    if let base = session.baseDirectory, !onDisk.hasPrefix("/") { onDisk = base + "/" + onDisk }
    if onDisk.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
      onDisk = home + onDisk.dropFirst(1)
    }
    let listing = (try? FileManager.default.contentsOfDirectory(atPath: onDisk)) ?? []
    var entries: [(name: String, isDirectory: Bool)] = listing
      .filter { $0.hasPrefix(prefix) && (!$0.hasPrefix(".") || prefix.hasPrefix(".")) }
      .map { name in
        var isDir: ObjCBool = false
        FileManager.default.fileExists(atPath: onDisk + "/" + name, isDirectory: &isDir)
        return (name, isDir.boolValue)
      }
    let head = String(decoding: Array(before.utf8)[..<quote], as: UTF8.self)
    let statement = (Completer.assignmentValue(head).map(String.init) ?? head)
      .split(separator: " ").first.map(String.init)
    let wanted: [String]? = statement == "load" ? [".csv", ".safetensors"] : statement == "run" ? [".dl"]
      : statement == "save" ? [".safetensors"] : nil
    if let wanted {
      let preferred = entries.filter { e in e.isDirectory || wanted.contains { e.name.hasSuffix($0) } }
      if !preferred.isEmpty { entries = preferred }
    }
    let names = entries.map { dir + $0.name + ($0.isDirectory ? "/" : "") }
    return Completion(replaceFrom: quote + 1, candidates: names.sorted())
  }
}
