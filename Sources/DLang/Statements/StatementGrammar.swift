// The grammar rules the statement table implies. A row parsed by the generic rule has its
// EBNF rule rendered from its arguments; `statement`, `command_stmt` and `assign_value` list the
// rows. Tests/DLangTests/GrammarTests.swift checks that grammar/dl.ebnf holds exactly these
// (the irregular rows' rules head their parse functions instead).

extension ArgumentShape {
  /// The EBNF of the argument, e.g. `expression , [ expression ]`.
  var ebnf: String {
    switch self {
    case .model: return "identifier"
    case .expressions(let count, _, _, _):
      var parts = Array(repeating: "expression", count: count.lowerBound)
      // A long run of optional arguments is written as a repetition (the bound is the checker's).
      if count.upperBound - count.lowerBound > 4 {
        parts.append("{ expression }")
      } else {
        parts += Array(repeating: "[ expression ]", count: count.upperBound - count.lowerBound)
      }
      return parts.joined(separator: " , ")
    case .path: return "string"
    case .word(_, _, .metric): return "[ identifier | \"gradients\" ]"
    case .word(_, _, .helpTopic): return "[ identifier | keyword ]"
    case .statement: return "statement"
    }
  }
}

extension StatementRow {
  /// The row's grammar rule, e.g. `fit_stmt = "fit" , identifier , expression , [ expression ]
  /// , { option } ;`, when the generic rule parses it; nil when it has a parse function.
  var grammarRule: String? {
    guard case .arguments = syntax else { return nil }
    var parts = ["\"\(name)\""] + spec.arguments.map(\.ebnf)
    if !spec.options.isEmpty { parts.append("{ option }") }
    return "\(spec.rule) = " + parts.joined(separator: " , ") + " ;"
  }
}

extension StatementTable {
  /// Every rule the table implies, each on one line.
  static var grammarRules: [String] {
    var structures: [String] = [], commands: [String] = [], values: [String] = []
    for row in rows {
      switch row.role {
      case .structure: structures.append(row.spec.rule)
      case .command: commands.append(row.spec.rule)
      case .value: values.append(row.spec.rule)
      }
    }
    var rules = ["statement = " + (structures + ["command_stmt", "assignment"]).joined(separator: " | ") + " ;",
                 "command_stmt = " + commands.joined(separator: " | ") + " ;",
                 "assign_value = " + (values + ["expression"]).joined(separator: " | ") + " ;"]
    rules += rows.compactMap(\.grammarRule)
    return rules
  }
}
