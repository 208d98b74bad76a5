import Foundation
import Testing
@testable import DLang

/// The grammar in grammar/dl.ebnf, read just well enough to check it against the parser.
struct Grammar {
  /// A rule, whitespace-normalised: `name = body ;`.
  struct Rule {
    var name: String
    var text: String
    var examples: [String] = []
  }

  var rules: [Rule] = []
  /// Every quoted terminal outside comments.
  var terminals: Set<String> = []

  init(_ source: String) {
    var chars = Array(source)[...]
    var pending = ""
    while let c = chars.first {
      if c == "(" && chars.dropFirst().first == "*" {
        let comment = Grammar.takeComment(&chars)
        addExample(from: comment)
      } else if c == "\"" || c == "'" {
        let quoted = Grammar.takeQuoted(&chars)
        terminals.insert(String(quoted.dropFirst().dropLast()))
        pending += quoted
      } else {
        chars = chars.dropFirst()
        if c == ";" {
          addRule(pending + ";")
          pending = ""
        } else {
          pending.append(c)
        }
      }
    }
  }

  static func normalise(_ text: String) -> String {
    text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
  }

  private static func takeComment(_ chars: inout ArraySlice<Character>) -> String {
    chars = chars.dropFirst(2)
    var text = ""
    while let c = chars.first, !(c == "*" && chars.dropFirst().first == ")") {
      text.append(c)
      chars = chars.dropFirst()
    }
    chars = chars.dropFirst(2)
    return text
  }

  private static func takeQuoted(_ chars: inout ArraySlice<Character>) -> String {
    guard let quote = chars.first else { return "" }
    var text = String(quote)
    chars = chars.dropFirst()
    while let c = chars.first {
      text.append(c)
      chars = chars.dropFirst()
      if c == quote { break }
    }
    return text
  }

  private mutating func addRule(_ text: String) {
    let normal = Grammar.normalise(text)
    guard let eq = normal.range(of: " = ") else { return }
    rules.append(Rule(name: String(normal[..<eq.lowerBound]), text: normal))
  }

  private mutating func addExample(from comment: String) {
    let trimmed = comment.trimmingCharacters(in: .whitespacesAndNewlines)
    guard trimmed.hasPrefix("example:"), !rules.isEmpty else { return }
    let example = trimmed.dropFirst("example:".count).trimmingCharacters(in: .whitespaces)
    rules[rules.count - 1].examples.append(example)
  }
}

/// A doc-comment heading that repeats a grammar rule, and whether a parse function follows.
struct RuleHeading {
  var text: String
  var file: String
  var headsParseFunction: Bool
}

@Suite("Grammar: dl.ebnf and the parser agree")
struct GrammarTests {
  let grammar = Grammar(TestSupport.read("grammar/dl.ebnf"))

  /// The folders whose parse functions carry grammar rules as headings.
  static let sourceFolders = ["Sources/DLang/Syntax", "Sources/DLang/Statements"]

  /// `/// name = ... ;` lines in the parser's and the statement table's sources.
  static func headings() -> [RuleHeading] {
    sourceFolders.flatMap(headings(in:))
  }

  static func headings(in folder: String) -> [RuleHeading] {
    let dir = TestSupport.root.appendingPathComponent(folder)
    let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    var result: [RuleHeading] = []
    for file in files.sorted() where file.hasSuffix(".swift") {
      let text = (try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)) ?? ""
      let lines = text.components(separatedBy: "\n")
      for (i, line) in lines.enumerated() {
        guard let content = docContent(line), isRuleHeading(content) else { continue }
        let next = lines[(i + 1)...].first { docContent($0) == nil } ?? ""
        let headsFunction = next.contains("func parse")
        result.append(RuleHeading(text: Grammar.normalise(content), file: file,
                                  headsParseFunction: headsFunction))
      }
    }
    return result
  }

  static func docContent(_ line: String) -> String? {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    guard trimmed.hasPrefix("///") else { return nil }
    return trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces)
  }

  static func isRuleHeading(_ content: String) -> Bool {
    guard content.hasSuffix(";"), let eq = content.range(of: " = ") else { return false }
    let name = content[..<eq.lowerBound]
    return !name.isEmpty && name.allSatisfy { $0 == "_" || ($0.isLetter && $0.isLowercase) }
  }

  @Test func grammarHasRules() {
    #expect(grammar.rules.count >= 30)
    #expect(Set(grammar.rules.map(\.name)).count == grammar.rules.count, "duplicate rule names")
  }

  @Test func everyRuleHasAParseFunctionOrATableRowAndEveryHeadingARule() {
    let headings = GrammarTests.headings()
    let headingTexts = Set(headings.map(\.text))
    let rendered = Set(StatementTable.grammarRules.map(Grammar.normalise))
    let ruleTexts = Set(grammar.rules.map(\.text))
    let missing = grammar.rules.filter { !headingTexts.contains($0.text) && !rendered.contains($0.text) }
      .map(\.text)
    #expect(missing == [], "rules neither heading a parse function nor rendered by the statement table: \(missing)")
    let unwritten = rendered.subtracting(ruleTexts).sorted()
    #expect(unwritten == [], "rules of the statement table missing from dl.ebnf: \(unwritten)")
    #expect(headingTexts.isDisjoint(with: rendered), "a rule both rendered and hand-parsed")
    let extra = headings.filter { !ruleTexts.contains($0.text) }.map { "\($0.file): \($0.text)" }
    #expect(extra == [], "parse-function headings not in the grammar: \(extra)")
    let notFunctions = headings.filter { !$0.headsParseFunction }.map(\.text)
    #expect(notFunctions == [], "headings not followed by a parse function: \(notFunctions)")
    #expect(headings.count == Set(headings.map(\.text)).count, "a rule is repeated")
  }

  @Test func everyTerminalIsInTheLexerTables() {
    let known = Set(Keywords.all + Lexer.operators + Lexer.punctuation)
    let unknown = grammar.terminals.subtracting(known).sorted()
    #expect(unknown == [], "terminals missing from the lexer tables: \(unknown)")
    let unused = Set(Keywords.all).subtracting(grammar.terminals).sorted()
    #expect(unused == [], "keywords that the grammar never uses: \(unused)")
  }

  @Test func everyStatementRuleHasAnExample() {
    let bare = grammar.rules.filter { $0.name.hasSuffix("_stmt") && $0.examples.isEmpty }
    #expect(bare.map(\.name) == [])
  }

  @Test func everyExampleParsesCleanly() {
    let examples = grammar.rules.flatMap(\.examples)
    #expect(examples.count >= 15)
    for example in examples {
      let program = Parser.parse(source: example)
      #expect(program.diagnostics == [], "example: \(example)")
      #expect(program.statements.count == 1, "example: \(example)")
    }
  }

  @Test func everyTableRowHasItsGrammarRule() {
    let names = Set(grammar.rules.map(\.name))
    for row in StatementTable.rows {
      #expect(names.contains(row.spec.rule), "\(row.name): no rule \(row.spec.rule) in dl.ebnf")
      // A generic row's rule is rendered; an irregular row's heads its parse function.
      let headed = GrammarTests.headings().contains { $0.text.hasPrefix(row.spec.rule + " = ") }
      #expect((row.grammarRule != nil) != headed, "\(row.name): rendered xor hand-parsed")
    }
  }

  @Test func renderedRulesOfTheGenericRows() {
    let fit = StatementTable.fit.grammarRule
    #expect(fit == #"fit_stmt = "fit" , identifier , expression , [ expression ] , { option } ;"#)
    #expect(StatementTable.vars.grammarRule == #"vars_stmt = "vars" ;"#)
    #expect(StatementTable.standardize.grammarRule == #"standardize_stmt = "standardize" , expression , { expression } ;"#)
    #expect(StatementTable.help.grammarRule == #"help_stmt = "help" , [ identifier | keyword ] ;"#)
    #expect(StatementTable.print.grammarRule == nil)
  }

  @Test func everyStatementTableExampleParsesCleanly() {
    for spec in Statements.all {
      let program = Parser.parse(source: spec.example)
      #expect(program.diagnostics == [], "\(spec.name): \(spec.example)")
      #expect(program.statements.count == 1, "\(spec.name): \(spec.example)")
    }
  }
}
