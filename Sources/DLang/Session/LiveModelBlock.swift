import Autograd

/// A `model NAME {` block being typed in the REPL: each layer line is checked as soon as it is
/// entered and its output shape echoed; a wrong line is reported and can be retyped while the
/// block stays open. The model itself is built when the block closes, exactly as in a script.
public final class LiveModelBlock {
  /// The model's name.
  public let name: String
  private var builder: ModelBuilder

  /// A block for the header line `model NAME {`, or nil when `line` is not one.
  public init?(header line: String, session: Session) {
    let program = Parser.parse(source: line + "\n}")
    guard program.diagnostics.isEmpty, program.statements.count == 1,
          case .model(let name, let layers) = program.statements[0].kind, layers.isEmpty else { return nil }
    self.name = name.text
    let evaluator = Evaluator(session: session)
    builder = ModelBuilder(name: name.text, evaluate: { try evaluator.evaluate($0) })
  }

  /// Checks one layer line (`lineNumber` within the cell). Returns the echo text for a layer,
  /// nil for a blank or comment line, or the diagnostic for a wrong line (which is forgotten).
  public func add(line: String, lineNumber: Int) -> Result<String?, Diagnostic> {
    let (decl, diagnostics) = Parser.parseLayerLine(line, line: lineNumber)
    if let d = diagnostics.first { return .failure(d) }
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
}
