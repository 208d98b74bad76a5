import Autograd
import NeuralNet
import TermPlot

/// `windows` (a series cut into sliding windows) and `generate` (a model's output fed back as
/// its next input).
extension Interpreter {
  /// `NAME = windows DATA size=N [horizon=H] [column=NAME] [stride=S]`.
  func windows(_ c: Command, name: String) throws -> Value {
    let args = arguments(c)
    guard let e = c.args.first, case .dataset(let series) = try evaluate(e) else {
      throw Diagnostic.error("windows cuts a dataset (one row per time step)", at: c.args.first?.range ?? c.range)
    }
    guard let size = try TableOptions.int(c, "size", args) else {
      throw Diagnostic.error("windows needs size=N, the time steps per window", at: c.range)
    }
    let horizon = try TableOptions.int(c, "horizon", args) ?? 1
    let stride = try TableOptions.int(c, "stride", args) ?? 1
    let column = try c.option("column").map { Windows.Column.named(try Interpreter.columnName($0)) } ?? .automatic
    let windows: Dataset
    do {
      windows = try Windows.make(series, size: size, horizon: horizon, column: column, stride: stride)
    } catch let error as DataError {
      let at = error.message.hasPrefix("column") || error.message.contains("column=NAME")
        ? c.option("column")?.value.range ?? e.range : e.range
      throw Diagnostic.error(error.description, at: at)
    }
    let steps = plural(size, "step"), features = plural(series.featureCount, "feature")
    let ahead = horizon == 1 ? "the next step" : "\(horizon) steps ahead"
    show("\(name): \(plural(windows.count, "window")) of \(steps) × \(features), "
         + "target '\(windows.targetName ?? "target")' \(ahead)" + (stride > 1 ? ", stride \(stride)" : ""))
    return .dataset(windows)
  }

  /// `column=value` or `column="value"`.
  static func columnName(_ o: Option) throws -> String {
    switch o.value.kind {
    case .identifier(let s), .string(let s): return s
    default: throw Diagnostic.error("column is a column name, e.g. column=value", at: o.value.range)
    }
  }

  /// `generate MODEL WINDOW steps=N`: predicts the next step from the window, appends it, drops
  /// the window's first step, N times; prints the values and charts them after the window
  /// (and after the true series, when the window is a sample of a `windows` dataset).
  func generate(_ c: Command) throws {
    let model = try modelArg(c)
    let args = arguments(c)
    guard c.args.count >= 2, let steps = try TableOptions.int(c, "steps", args) else {
      throw Diagnostic.error("generate needs a starting window and steps=N", at: c.range,
                             hint: "e.g. generate \(model.name) test[0] steps=50")
    }
    let from = c.args[1]
    guard case .tensor(let window) = try evaluate(from) else {
      throw Diagnostic.error("generate starts from a window of values, e.g. test[0]", at: from.range)
    }
    let plan = try GeneratePlan(model: model, window: window, at: from.range)
    var current = window.data
    var generated: [[Float]] = []
    for _ in 0..<steps {
      let out: Tensor
      do {
        out = try model.network.predict(x: Tensor(shape: [1] + plan.inputShape, data: current), batchSize: 1)
      } catch {
        throw Diagnostic.error("\(error)", at: c.range)
      }
      let next = Array(out.data.prefix(plan.features))
      generated.append(next)
      current = Array(current.dropFirst(plan.features)) + next
    }
    let truth = trueContinuation(from, steps: steps)
    show(GenerateText.render(model: model.name, from: SourceText.slice(source, from.range), window: plan.steps(window),
                             generated: generated, truth: truth, style: style))
  }

  /// The series a window sample (`test[3]`) was cut from, from that window's first step on,
  /// when `e` indexes a dataset made by `windows`.
  func trueContinuation(_ e: Expr, steps: Int) -> [[Float]]? {
    guard case .index(let base, let index) = e.kind, case .dataset(let d)? = try? evaluate(base),
          let source = d.windowSource, case .number(let x)? = try? evaluate(index),
          x == x.rounded(), abs(x) < 1e15 else { return nil }
    let i = Int(x) < 0 ? Int(x) + d.count : Int(x)
    return source.rows(ofWindow: i, after: steps)
  }
}

/// How a window feeds a model in `generate`: the model's input shape, and how many values
/// make one time step (the model's output, fed back).
struct GeneratePlan {
  let inputShape: [Int]
  let features: Int

  init(model: ModelRef, window: Tensor, at range: SourceRange) throws {
    let network = model.network
    guard let input = network.inputShape, let output = network.outputShape else {
      throw Diagnostic.error("model '\(model.name)' has no input layer", at: range)
    }
    let needed = input.reduce(1, *)
    let features = output.reduce(1, *)
    guard window.count == needed else {
      throw Diagnostic.error("model '\(model.name)' takes samples of shape \(ValueFormat.shape(input)) "
        + "(\(plural(needed, "value"))), but this window has shape \(ValueFormat.shape(window.shape))", at: range,
        hint: "start from one sample of the data the model was trained on, e.g. test[0]")
    }
    let stepWidth = window.rank >= 2 ? window.shape.dropFirst().reduce(1, *) : features
    guard features >= 1, stepWidth == features, needed % features == 0, needed / features >= 1 else {
      throw Diagnostic.error("model '\(model.name)' predicts \(plural(features, "value")) per step, but each step "
        + "of this window has \(plural(stepWidth, "feature")): generate feeds the prediction back as the next step, "
        + "so the two must agree", at: range,
        hint: "train the model to predict every feature of the next step, e.g. dense \(stepWidth)")
    }
    inputShape = input
    self.features = features
  }

  /// The window as time steps of `features` values.
  func steps(_ window: Tensor) -> [[Float]] {
    stride(from: 0, to: window.count, by: features).map { Array(window.data[$0..<($0 + features)]) }
  }
}

/// What `generate` prints: the values, the error against the true continuation when it is
/// known, and a chart of the first feature.
enum GenerateText {
  static func render(model: String, from: String, window: [[Float]], generated: [[Float]], truth: [[Float]]?,
                     style: RenderStyle) -> String {
    let features = generated.first?.count ?? 1
    var lines = ["\(model) generated \(plural(generated.count, "step")) after \(from):"]
    if features == 1 {
      let values = generated.map { ValueFormat.element($0[0]) }
      let labels = stride(from: 0, to: values.count, by: 10).map { "\($0 + 1)–\(min(values.count, $0 + 10)):" }
      let width = labels.map(\.count).max() ?? 0
      for (k, label) in labels.enumerated() {
        let row = values[(k * 10)..<min(values.count, k * 10 + 10)]
        lines.append("  " + String(repeating: " ", count: width - label.count) + label + " " + row.joined(separator: " "))
      }
    } else {
      let rows = generated.enumerated().map { i, v in [String(i + 1)] + v.map(ValueFormat.element) }
      lines.append(Table.render(headers: ["step"] + (0..<features).map { "feature \($0 + 1)" }, rows: rows, style: style))
    }
    let size = window.count
    var series: [LineChart.Series] = []
    if let truth, truth.count > size {
      let future = Array(truth[size...].prefix(generated.count))
      var sum = 0.0
      for (g, t) in zip(generated, future) { for (a, b) in zip(g, t) { sum += Double(a - b) * Double(a - b) } }
      let mse = sum / Double(future.count * features)
      lines.append("mse against the true continuation: " + Format.metric(mse)
                   + " (\(plural(future.count, "step")))")
      series.append(LineChart.Series("true series", truth.map { Double($0[0]) }))
    } else {
      series.append(LineChart.Series(truth == nil ? "window" : "true series", window.map { Double($0[0]) }))
    }
    series.append(LineChart.Series("generated", generated.map { Double($0[0]) }, offset: size))
    let title = "\(model): \(plural(generated.count, "step")) after \(from)" + (features > 1 ? " (feature 1)" : "")
    lines.append(LineChart(title: title, series: series, width: 60, height: 15).render(style: style))
    return lines.joined(separator: "\n")
  }
}
