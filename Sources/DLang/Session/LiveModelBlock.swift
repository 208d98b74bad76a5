import Autograd

/// A `model NAME {` block being typed in the REPL: each layer line is checked as soon as it is
/// entered and its output shape echoed; a wrong line is reported and can be retyped while the
/// block stays open. An encoder–decoder's `encoder {` and `decoder {` lines open its halves
/// and a `}` closes the half that is open. The model itself is built when the block closes,
/// exactly as in a script.
public final class LiveModelBlock {
  /// The model's name.
  public let name: String
  private var builder: ModelBuilder
  /// The half (`encoder` or `decoder`) being typed, if any.
  public private(set) var section: String?

  /// A block for the header line `model NAME {`, or nil when `line` is not one.
  public init?(header line: String, session: Session) {
    let program = Parser.parse(source: line + "\n}")
    guard program.diagnostics.isEmpty, program.statements.count == 1,
          case .model(let name, let layers) = program.statements[0].kind, layers.isEmpty else { return nil }
    self.name = name.text
    let evaluator = Evaluator(session: session)
    builder = ModelBuilder(name: name.text, evaluate: { try evaluator.evaluate($0) })
  }

  /// Whether `line` belongs to the block rather than closing it: everything but a `}` that
  /// closes the model (a `}` inside `encoder { }` or `decoder { }` closes that half).
  public func takes(_ line: String) -> Bool {
    section != nil || !line.trimmed.hasPrefix("}")
  }

  /// Checks one line (`lineNumber` within the cell). Returns the echo text for a layer (or for
  /// a half that opens), nil for a blank or comment line or a `}` that closes a half, or the
  /// diagnostic for a wrong line (which is forgotten).
  public func add(line: String, lineNumber: Int) -> Result<String?, Diagnostic> {
    let text = line.trimmed
    if section != nil && text.hasPrefix("}") {
      guard text.dropFirst().trimmed.isEmpty || text.dropFirst().trimmed.hasPrefix("#") else {
        return .failure(.error("put the \(section ?? "") block's closing '}' on a line of its own",
                               at: Self.range(of: line, lineNumber)))
      }
      section = nil
      return .success(nil)
    }
    if let opened = Parser.sections.first(where: { Self.opens(text, $0) }) {
      guard section == nil else {
        return .failure(.error("'\(opened)' cannot be inside '\(section ?? "")': close it with '}' first",
                               at: Self.range(of: line, lineNumber)))
      }
      let rest = text.dropFirst(opened.count).trimmed.dropFirst().trimmed
      guard rest.isEmpty || rest.hasPrefix("#") else {
        return .failure(.error("in the REPL, type the \(opened)'s layers one per line after '\(opened) {'",
                               at: Self.range(of: line, lineNumber)))
      }
      section = opened
      return .success(opened + " {")
    }
    var (decl, diagnostics) = Parser.parseLayerLine(line, line: lineNumber)
    if let d = diagnostics.first { return .failure(d) }
    guard decl != nil else { return .success(nil) }
    decl?.section = section
    guard let decl else { return .success(nil) }
    do {
      guard let echo = try builder.add(decl) else { return .success(nil) }
      if echo.name == "input" { return .success("→ " + ValueFormat.batchShape(echo.outputShape)) }
      return .success("\(echo.name) " + ModelEchoText.line(echo))
    } catch let d as Diagnostic {
      return .failure(d)
    } catch {
      return .failure(.error("\(error)", at: decl.range))
    }
  }

  /// The line's text, from its first to its last non-blank character.
  private static func range(of line: String, _ lineNumber: Int) -> SourceRange {
    let lead = line.prefix { $0 == " " || $0 == "\t" }.count
    return SourceRange(start: SourceLocation(line: lineNumber, column: lead + 1),
                       end: SourceLocation(line: lineNumber, column: Swift.max(lead + 1, line.trimmed.count + lead + 1)))
  }

  /// Whether `text` (trimmed) starts the half `word`: the word, then `{`.
  private static func opens(_ text: String, _ word: String) -> Bool {
    guard text.hasPrefix(word) else { return false }
    return text.dropFirst(word.count).trimmed.hasPrefix("{")
  }
}

extension StringProtocol {
  /// The text without leading and trailing spaces and tabs.
  fileprivate var trimmed: String {
    let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
    return String(self[first...last])
  }
}
