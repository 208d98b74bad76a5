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
    // `time STATEMENT`: a statement whose argument is a statement completes that one.
    var words = statementHead.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    while let first = words.first, Statements.spec(first)?.arguments.first == .statement {
      words.removeFirst()
      if let r = statementHead.range(of: first) { statementHead = statementHead[r.upperBound...] }
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
    guard let spec = Statements.spec(keyword) else { return session.names }
    let typed = Set(words.compactMap { w -> String? in
      guard let eq = w.firstIndex(of: "=") else { return nil }
      return String(w[..<eq])
    })
    let options = spec.options.filter { !typed.contains($0.name) }.map { $0.name + "=" }
    let positional = words.dropFirst().filter { !$0.contains("=") }
    return options + argumentCandidates(spec, index: positional.count, model: positional.first)
  }

  /// What fits the statement's positional argument `index`, by the table's argument shapes:
  /// models for a model, data (anything but models) after one, metric names of the model's
  /// history, help topics.
  func argumentCandidates(_ spec: StatementSpec, index: Int, model: String?) -> [String] {
    guard let shape = Completer.shape(of: spec, at: index) else { return [] }
    let isModel: (String) -> Bool = { name in
      if case .model? = session.value(named: name) { return true }
      return false
    }
    switch shape {
    case .model: return session.names.filter(isModel)
    case .expressions: return spec.takesModel ? session.names.filter { !isModel($0) } : session.names
    case .path, .statement: return []
    case .word(_, _, .helpTopic): return HelpText.topics
    case .word(_, _, .metric):
      guard let model, case .model(let m)? = session.value(named: model) else { return [] }
      return m.history.names.filter { !$0.hasPrefix("val_") }
    }
  }

  /// The argument shape at positional `index` (an `.expressions` run covers the rest).
  static func shape(of spec: StatementSpec, at index: Int) -> ArgumentShape? {
    for (slot, shape) in spec.arguments.enumerated() {
      if case .expressions = shape { return shape }
      if slot == index { return shape }
    }
    return nil
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

  /// The values of `option` of `statement`, from the statement table (its option's values, or
  /// the values of a setting inside an option's call, `optimizer=adam(lr=`); on a layer line,
  /// the layer option's words.
  func values(for option: String, statement: String?) -> [String] {
    guard let spec = statement.flatMap(Statements.spec) else {
      return HelpText.layerOptionValues(option)
    }
    if let o = spec.option(option) {
      switch o.values {
      case .nothing: return []
      case .words(let words): return words
      case .names: return session.names
      case .datasets:
        return session.names.filter { if case .dataset? = session.value(named: $0) { return true }; return false }
      }
    }
    return spec.options.lazy.compactMap { $0.settingValues[option] }.first ?? []
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
  /// directory); a statement prefers the file types its table row names (`load` `.csv` and
  /// `.safetensors` files, `save` `.safetensors`, `run` `.dl`), directories always shown.
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
    let wanted = (statement.flatMap(Statements.spec)?.arguments ?? []).flatMap { shape -> [String] in
      switch shape {
      case .path(let extensions): return extensions
      case .expressions(_, _, _, let files): return files
      default: return []
      }
    }
    if !wanted.isEmpty {
      let preferred = entries.filter { e in e.isDirectory || wanted.contains { e.name.hasSuffix($0) } }
      if !preferred.isEmpty { entries = preferred }
    }
    let names = entries.map { dir + $0.name + ($0.isDirectory ? "/" : "") }
    return Completion(replaceFrom: quote + 1, candidates: names.sorted())
  }
}
