import NeuralNet
import TermPlot

// The row of the statement table for `gradients`: how much of the loss's gradient reaches
// each time step of a sequence model's input (vanishing and exploding gradients made
// visible), with its check and run functions and the text it prints. The computation is
// NeuralNet's `Model.inputGradientNorms` (Model/InputGradients.swift).

extension StatementTable {
  static let gradients = StatementRow(
    "gradients", synopsis: "gradients MODEL DATA|X Y [samples=N] [batch=N]",
    summary: "Chart the gradient of a compiled sequence model's loss that reaches each time step of its input, ‖∂loss/∂x_t‖ averaged over the samples, on a log axis, with the first, middle and last step's values: a SimpleRNN's vanishes toward the early steps, an LSTM's holds.",
    example: "gradients rnn seq samples=100",
    arguments: [.model, .expressions(1...2, what: "labelled sequences", suchAs: "train")],
    options: [
      OptionSpec("samples", "N", "average over the first N samples (every sample by default)",
                 example: "samples=200", kind: .int(min: 1, max: 1 << 24)),
      OptionSpec("batch", "N", "samples per forward and backward pass", example: "batch=64",
                 kind: .int(min: 1, max: 1 << 24)),
    ],
    role: .command(check: { checker, c in checker.checkGradients(c) },
                   run: { try $0.gradients($1) }))
}

/// The messages both the checker and the interpreter give.
enum GradientMessages {
  static func notCompiled(_ model: String, at range: SourceRange) -> Diagnostic {
    .error("gradients needs the loss: model '\(model)' is not compiled yet", at: range,
           hint: "add: compile \(model) loss=… optimizer=adam")
  }

  static func notSequence(_ model: String, input: [Int], at range: SourceRange) -> Diagnostic {
    .error("gradients charts one value per time step, but model '\(model)' takes \(ValueFormat.batchShape(input)), "
           + "not sequences (timesteps, features)", at: range,
           hint: "use a model whose input line is a sequence, e.g. input 50x1")
  }
}

extension Checker {
  /// `gradients M DATA`: a compiled model whose input is a sequence, and labelled data. Each
  /// mistake is reported.
  mutating func checkGradients(_ c: Command) {
    let k = c.keyword.text
    do {
      let m = try model(c.args.first, for: k, at: c.range)
      if let e = c.args.first {
        let name = exprText(e)
        if case .model(false, _) = m, !brokenCompile(of: name, before: c.range.start.line) {
          throw GradientMessages.notCompiled(name, at: e.range)
        }
        if let input = networks[name]?.inputShape, input.count < 2 {
          throw GradientMessages.notSequence(name, input: input, at: e.range)
        }
      }
    } catch { record(error) }
    do { try data(c.args.dropFirst(), for: k, at: c.range, needsTarget: true) } catch { record(error) }
  }
}

extension Interpreter {
  /// `gradients MODEL DATA [samples=N] [batch=N]`.
  func gradients(_ c: Command) throws {
    let model = try modelArg(c)
    let modelRange = c.args.first?.range ?? c.range
    guard model.compiled != nil, model.network.isCompiled else {
      throw GradientMessages.notCompiled(model.name, at: modelRange)
    }
    if let input = model.network.inputShape, input.count < 2 {
      throw GradientMessages.notSequence(model.name, input: input, at: modelRange)
    }
    let (x, y, _) = try data(c, model: model, needsTarget: true)
    guard let y else { return }
    let args = arguments(c)
    let samples = try TableOptions.int(c, "samples", args)
    let batch = try TableOptions.int(c, "batch", args) ?? 32
    let dataRange = c.args.dropFirst().reduce(c.args.count > 1 ? c.args[1].range : c.range) { $0.union($1.range) }
    let norms: InputGradientNorms
    do {
      norms = try model.network.inputGradientNorms(x: x, y: y, samples: samples, batchSize: batch)
    } catch {
      throw Diagnostic.error("\(error)", at: dataRange)
    }
    let data = c.args.dropFirst().map { SourceText.slice(source, $0.range) }.joined(separator: " ")
    show(GradientsText.render(norms, model: model.name, data: data, style: style))
  }
}

/// What `gradients` prints: a line of figures (the first, middle and last step, and the
/// ratio last/first), a note when some gradient is not finite, and the chart over the steps
/// on a log axis.
enum GradientsText {
  static func render(_ g: InputGradientNorms, model: String, data: String, style: RenderStyle) -> String {
    let symbol = style.unicode ? "‖∂loss/∂x_t‖" : "|dloss/dx_t|"
    var lines = ["\(model): gradient of the loss reaching each input step, \(symbol), "
                 + "mean over \(plural(g.samples, "sample")) of \(data)"]
    let t = g.steps.count
    var picks: [Int] = []
    for i in [0, (t - 1) / 2, t - 1] where i >= 0 && !picks.contains(i) { picks.append(i) }
    var figures = picks.map { "step \($0 + 1): " + number(g.steps[$0]) }
    if t > 1, let ratio = g.lastOverFirst {
      figures.append("last/first: " + number(ratio))
    }
    lines.append("  " + figures.joined(separator: "   "))
    let bad = g.steps.filter { !$0.isFinite }.count
    if bad > 0 {
      lines.append("  \(plural(bad, "step")) got a gradient that is not finite (NaN or ±∞): the gradient exploded")
    }
    let chart = LineChart(title: "\(model): \(symbol) per step t (log scale)",
                          series: [LineChart.Series("gradient norm", g.steps)],
                          width: 60, height: 12, logY: true)
    lines.append(chart.render(style: style))
    return lines.joined(separator: "\n")
  }

  /// A norm or a ratio in three significant digits: `1.23e-05`.
  static func number(_ x: Double) -> String { Format.scientific(x, decimals: 2) }
}
