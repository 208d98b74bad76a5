import Foundation
@testable import DLang

/// Paths and helpers shared by the DLang tests.
enum TestSupport {
  /// The repository root, found from this file's path.
  static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The text of a file under the repository root ("" when unreadable).
  static func read(_ relativePath: String) -> String {
    (try? String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)) ?? ""
  }

  /// A parse-test script from Tests/DLangTests/Parse.
  static func script(_ name: String) -> String {
    read("Tests/DLangTests/Parse/\(name)")
  }

  /// The diagnostics of `source` as `line:col: message` strings.
  static func messages(_ source: String) -> [String] {
    Parser.parse(source: source).diagnostics.map { "\($0.range.start): \($0.message)" }
  }
}

extension Expr {
  /// A compact rendering for assertions: numbers, names, lists, calls, operators.
  var sketch: String {
    switch kind {
    case .number(let value, let isInteger):
      return isInteger ? String(Int(value)) : String(value)
    case .string(let text): return "\"\(text)\""
    case .bool(let value): return String(value)
    case .shape(let dims): return dims.map(String.init).joined(separator: "x")
    case .identifier(let name): return name
    case .list(let items): return "[" + items.map(\.sketch).joined(separator: ", ") + "]"
    case .member(let base, let name): return base.sketch + "." + name.text
    case .index(let base, let index): return base.sketch + "[" + index.sketch + "]"
    case .call(let name, let args, let options):
      let parts = args.map(\.sketch) + options.map { "\($0.name.text)=\($0.value.sketch)" }
      return name.text + "(" + parts.joined(separator: ", ") + ")"
    case .unary(let op, let operand): return "(" + op.rawValue + operand.sketch + ")"
    case .binary(let op, let a, let b): return "(" + a.sketch + " " + op.rawValue + " " + b.sketch + ")"
    case .apply(let base, let args): return base.sketch + "(" + args.map(\.sketch).joined(separator: ", ") + ")"
    }
  }
}

extension Statement {
  /// A compact one-line rendering for assertions.
  var sketch: String {
    switch kind {
    case .command(let command): return command.sketch
    case .assign(let targets, let value):
      let left = targets.map { target in
        switch target {
        case .name(let name): return name.text
        case .member(let expr): return expr.sketch
        }
      }.joined(separator: ", ")
      switch value {
      case .expr(let expr): return left + " = " + expr.sketch
      case .command(let command): return left + " = " + command.sketch
      }
    case .model(let name, let layers):
      return "model \(name.text) { " + layers.map(\.sketch).joined(separator: "; ") + " }"
    case .time(let inner): return "time " + inner.sketch
    case .loop(let variable, let sequence, let body):
      return "for \(variable.text) in \(sequence.sketch) { " + body.map(\.sketch).joined(separator: "; ") + " }"
    }
  }
}

extension Command {
  var sketch: String {
    ([keyword.text] + args.map(\.sketch) + options.map { "\($0.name.text)=\($0.value.sketch)" })
      .joined(separator: " ")
  }
}

extension LayerDecl {
  var sketch: String {
    ([kind.text] + args.map(\.sketch) + options.map { "\($0.name.text)=\($0.value.sketch)" })
      .joined(separator: " ")
  }
}
