#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NeuralNet
import TermPlot

// Rows of the statement table for choosing how to train: `lrfind` (the learning-rate range
// test) and `compare` (several models' curves in one chart), with their check and run
// functions and the text they print. The range test itself is NeuralNet's
// `Model.learningRateRange` (Model/LRFinder.swift).

extension StatementTable {
  static let lrfind = StatementRow(
    "lrfind", synopsis: "lrfind MODEL DATA|X Y [start=LR] [end=LR] [steps=N] [batch=N]",
    summary: "The learning-rate range test: train on mini-batches while the rate grows exponentially from start to end, stop when the smoothed loss diverges (above 4x its lowest), chart the loss (a centred mean over a 25th of the steps each way, without lag) against the rate on a log axis and suggest a rate (where it falls fastest, after a warm-up of the first tenth of the steps); the model's weights and optimizer state are put back afterwards.",
    example: "lrfind net train steps=50",
    arguments: [.model, .expressions(1...2, what: "training data", suchAs: "train")],
    options: [
      OptionSpec("start", "LR", "the first learning rate (1e-7 by default)", example: "start=1e-5",
                 kind: .number(lo: 1e-12, hi: 1e3, openHigh: false)),
      OptionSpec("end", "LR", "the last learning rate (10 by default)", example: "end=1",
                 kind: .number(lo: 1e-12, hi: 1e3, openHigh: false)),
      OptionSpec("steps", "N", "mini-batches (one learning rate each; 100 by default)", example: "steps=200",
                 kind: .int(min: 2, max: 100_000)),
      OptionSpec("batch", "N", "samples per step (32 by default)", example: "batch=64",
                 kind: .int(min: 1, max: 1 << 24)),
    ],
    role: .command(check: { checker, c in
      checker.checkTraining(c)
      try checker.checkRateRange(c)
    }, run: { try $0.lrfind($1) }))

  static let compare = StatementRow(
    "compare", synopsis: "compare MODEL MODEL ... [metric=NAME] [log=B]",
    summary: "Draw several trained models' histories of one value (loss by default, or metric=accuracy, val_loss, …) in one chart, one line per model.",
    example: "compare net net2 metric=accuracy",
    arguments: [.expressions(1...64, what: "models", suchAs: "sgd adam")],
    options: [
      OptionSpec("metric", "NAME", "the value drawn: loss (the default), a metric, or a val_ value",
                 values: .words(["loss", "val_loss", "accuracy", "val_accuracy"]), example: "metric=val_loss"),
      OptionSpec("log", "true|false", "a logarithmic y axis", example: "log=true", kind: .bool),
    ],
    role: .command(check: { checker, c in try checker.checkCompare(c) },
                   run: { try $0.compare($1) }))
}

/// The messages both the checker and the interpreter give.
enum HealthMessages {
  static func rangeOrder(start: Double, end: Double, at range: SourceRange) -> Diagnostic {
    .error("lrfind needs start below end, not start=\(ValueFormat.number(start)) and end=\(ValueFormat.number(end))",
           at: range, hint: "e.g. lrfind net train start=1e-6 end=1")
  }

  static func metricName(at range: SourceRange) -> Diagnostic {
    .error("metric is a name such as loss, accuracy or val_loss", at: range)
  }
}

extension Checker {
  /// `lrfind`: start below end (when both are known).
  func checkRateRange(_ c: Command) throws {
    let args = arguments(c)
    let start = (try? TableOptions.number(c, "start", args)) ?? nil
    let end = (try? TableOptions.number(c, "end", args)) ?? nil
    if start != nil || end != nil {
      let (a, b) = (start ?? 1e-7, end ?? 10)
      if a >= b { throw HealthMessages.rangeOrder(start: a, end: b, at: c.option("end")?.value.range ?? c.range) }
    }
  }

  /// `compare M …`: every argument a model; `metric=` a name.
  mutating func checkCompare(_ c: Command) throws {
    for e in c.args {
      do { _ = try model(e, for: c.keyword.text, at: c.range) } catch { record(error) }
    }
    if let o = c.option("metric") {
      switch o.value.kind {
      case .identifier, .string: break
      default: throw HealthMessages.metricName(at: o.value.range)
      }
    }
  }
}

extension Interpreter {
  /// `lrfind MODEL DATA [start=] [end=] [steps=] [batch=]`.
  func lrfind(_ c: Command) throws {
    let model = try modelArg(c)
    guard model.compiled != nil, model.network.isCompiled else {
      throw Diagnostic.error("model '\(model.name)' is not compiled yet", at: c.args.first?.range ?? c.range,
                             hint: "add: compile \(model.name) loss=… optimizer=adam")
    }
    let (x, y, _) = try data(c, model: model, needsTarget: true)
    guard let y else { return }
    let args = arguments(c)
    let start = try TableOptions.number(c, "start", args) ?? 1e-7
    let end = try TableOptions.number(c, "end", args) ?? 10
    guard start < end else {
      throw HealthMessages.rangeOrder(start: start, end: end, at: c.option("end")?.value.range ?? c.option("start")?.value.range ?? c.range)
    }
    let steps = try TableOptions.int(c, "steps", args) ?? 100
    let batch = try TableOptions.int(c, "batch", args) ?? 32
    // A copy of the session's generator: the test leaves the session's randomness as it was.
    var rng = session.rng
    let result: LRRangeTest
    do {
      result = try model.network.learningRateRange(x: x, y: y, start: start, end: end, steps: steps,
                                                   batchSize: batch, rng: &rng)
    } catch {
      throw Diagnostic.error("\(error)", at: c.range)
    }
    show(LRFindText.render(result, model: model.name, batch: min(batch, x.shape[0]), style: style))
  }

  /// `compare M … [metric=NAME] [log=B]`.
  func compare(_ c: Command) throws {
    let args = arguments(c)
    let log = try TableOptions.bool(c, "log", args) ?? false
    var metric = "loss"
    if let o = c.option("metric") {
      switch o.value.kind {
      case .identifier(let m), .string(let m): metric = m
      default: throw HealthMessages.metricName(at: o.value.range)
      }
    }
    var series: [LineChart.Series] = []
    for e in c.args {
      guard case .model(let m) = try evaluate(e) else {
        throw Diagnostic.error("'compare' needs models", at: e.range)
      }
      guard m.history.epochs > 0 else {
        throw Diagnostic.error("model '\(m.name)' has not been trained yet", at: e.range,
                               hint: "fit \(m.name) DATA epochs=N, then compare it")
      }
      guard let values = m.history[metric] else {
        throw Diagnostic.error("model '\(m.name)' has no history of '\(metric)'", at: c.option("metric")?.value.range ?? e.range,
                               hint: "recorded: " + m.history.names.joined(separator: ", "))
      }
      series.append(LineChart.Series(m.name, values))
    }
    let chart = LineChart(title: "\(metric) per epoch" + (log ? " (log scale)" : ""),
                          series: series, width: 60, height: 15, logY: log)
    show(chart.render(style: style))
  }
}

/// What `lrfind` prints: the sweep, where it stopped and why, the lowest loss and the
/// suggested rate, then the loss (centred mean) against the rate (log axis, decade ticks).
enum LRFindText {
  static func render(_ r: LRRangeTest, model: String, batch: Int, style: RenderStyle) -> String {
    guard let first = r.rates.first, let last = r.rates.last else {
      return "\(model): the range test stopped at its first step: " + (r.stopReason ?? "no loss")
    }
    var lines = ["\(model): learning-rate range test, \(r.rates.count) of \(r.plannedSteps) steps of batch \(batch), "
                 + "lr \(rate(first)) to \(rate(last)); weights and optimizer state restored"]
    if let why = r.stopReason { lines.append("  stopped early: " + why) }
    let curve = r.curve
    let smoothing = r.curveWindow > 0 ? "mean of \(2 * r.curveWindow + 1) batches around each step" : "not smoothed"
    if let low = r.minimum {
      lines.append("  lowest smoothed loss \(Format.metric(curve[low])) at lr \(rate(r.rates[low]))"
                   + (r.minimumOverTen.map { "; a tenth of that rate: \(rate($0))" } ?? ""))
    }
    if let s = r.suggestion {
      lines.append("  suggested lr: \(rate(s)) (steepest descent of the loss)")
    } else {
      lines.append("  no suggestion: the loss never fell; try a larger end= or more steps=")
    }
    var chart = LineChart(title: "\(model): loss vs learning rate (log scale)",
                          series: [LineChart.Series("loss (\(smoothing))", curve)], width: 60, height: 12)
    chart.xTicks = decades(r.rates)
    if let s = r.steepest { chart.marker = (s, "suggested lr \(rate(r.rates[s]))") }
    lines.append(chart.render(style: style))
    return lines.joined(separator: "\n")
  }

  /// The powers of ten between the first and last rate, at their (fractional) step index.
  static func decades(_ rates: [Double]) -> [(index: Double, label: String)] {
    guard let a = rates.first, let b = rates.last, rates.count > 1, b > a else { return [] }
    let (la, lb) = (log10(a), log10(b))
    var ticks: [(index: Double, label: String)] = []
    var k = Int(la.rounded(.up))
    while Double(k) <= lb + 1e-9 && ticks.count < 40 {
      let label = k == 0 ? "1" : k == 1 ? "10" : "1e\(k)"
      ticks.append((Double(rates.count - 1) * (Double(k) - la) / (lb - la), label))
      k += 1
    }
    return ticks
  }

  /// A rate in three significant digits: `0.00316`, `1e-05`.
  static func rate(_ x: Double) -> String { Format.axisTick(x) }
}
