import Autograd
import NeuralNet
import TermPlot

// Training health: `fit … health=true` (per-layer gradient norms and dead ReLU units each
// epoch), `plot M gradients` and `plot M batches`. The measuring is NeuralNet's
// `HealthMonitor` (Model/TrainingHealth.swift); this file reports and draws.

/// Records the loss of every training batch of a fit into the model (`plot M batches`).
final class BatchLossRecorder: Callback {
  let model: ModelRef
  /// Most losses kept per model (later batches are dropped, with a note in the chart).
  static let limit = 1 << 20
  init(_ model: ModelRef) { self.model = model }
  func batchEnded(_ c: TrainingContext) {
    if model.batchLosses.count < BatchLossRecorder.limit { model.batchLosses.append(c.batchLoss) }
  }
}

extension Interpreter {
  /// The monitor of `fit … health=true`: each epoch's figures go out as a progress note.
  func healthMonitor(_ model: ModelRef, x: Tensor) -> HealthMonitor {
    HealthMonitor(data: x) { [output, style] h in
      output.progress(.note(HealthText.epochLine(h, model: model.name, style: style)))
    }
  }

  /// `plot M gradients`: each layer's gradient norm per epoch, log axis.
  func plotGradients(_ model: ModelRef, at range: SourceRange) throws {
    guard let first = model.health.first?.epoch, let last = model.health.last?.epoch else {
      throw Diagnostic.error("model '\(model.name)' has no gradient history", at: range,
                             hint: "fit it with health=true: fit \(model.name) DATA epochs=N health=true")
    }
    var layers: [String] = []
    for h in model.health { for (l, _) in h.norms where !layers.contains(l) { layers.append(l) } }
    let span = max(0, last - first) + 1
    let series = layers.map { layer in
      var values = [Double](repeating: .nan, count: span)
      for h in model.health {
        let i = h.epoch - first
        if i >= 0, i < span, let n = h.norms.first(where: { $0.layer == layer })?.norm { values[i] = n }
      }
      return LineChart.Series(layer, values)
    }
    let symbol = style.unicode ? "‖∂loss/∂W‖" : "|dloss/dW|"
    let chart = LineChart(title: "\(model.name): \(symbol) per layer (log scale)",
                          series: series, width: 60, height: 15, logY: true, firstX: first)
    show(chart.render(style: style))
  }

  /// `plot M batches`: the loss of every training batch, over the iterations.
  func plotBatches(_ model: ModelRef, log: Bool, at range: SourceRange) throws {
    let losses = model.batchLosses
    guard !losses.isEmpty else {
      throw Diagnostic.error("model '\(model.name)' has not been trained yet", at: range,
                             hint: "fit \(model.name) DATA epochs=N, then plot it")
    }
    let capped = losses.count >= BatchLossRecorder.limit ? " (the first \(losses.count))" : ""
    let count = "\(losses.count) batch" + (losses.count == 1 ? "" : "es")
    let chart = LineChart(title: "\(model.name): loss of each of \(count)\(capped)"
                            + (log ? " (log scale)" : ""),
                          series: [LineChart.Series("batch loss", losses)], width: 60, height: 15, logY: log)
    show(chart.render(style: style))
  }
}

/// The text of training health.
enum HealthText {
  /// `health epoch 3: ‖∂loss/∂W‖ dense_1 2.10e-09 … | vanishing (< 1e-06): dense_1 | dead ReLU units 0/56`.
  static func epochLine(_ h: EpochHealth, model: String, style: RenderStyle) -> String {
    let symbol = style.unicode ? "‖∂loss/∂W‖" : "|dloss/dW|"
    var parts = ["\(model) health, epoch \(h.epoch): \(symbol) "
                 + h.norms.map { "\($0.layer) \(number($0.norm))" }.joined(separator: " ")]
    if !h.vanishing.isEmpty {
      parts.append("vanishing (< \(number(HealthThresholds().vanishing))): " + h.vanishing.joined(separator: ", "))
    }
    if !h.exploding.isEmpty {
      parts.append("exploding (> \(number(HealthThresholds().exploding))): " + h.exploding.joined(separator: ", "))
    }
    if let d = h.deadShare { parts.append("dead ReLU units \(d.dead)/\(d.units)") }
    return parts.joined(separator: " | ")
  }

  /// What `fit … health=true` prints when it ends: per layer its norm in the first and last
  /// epoch and how many epochs it vanished or exploded in; the dead ReLU units at the end.
  static func summary(_ epochs: [EpochHealth], model: String, thresholds: HealthThresholds,
                      style: RenderStyle) -> String {
    guard let first = epochs.first, let last = epochs.last else { return "" }
    let symbol = style.unicode ? "‖∂loss/∂W‖" : "|dloss/dW|"
    var lines = ["\(model): training health, epochs \(first.epoch)–\(last.epoch): gradient norm \(symbol) per layer "
                 + "(mean over each epoch's batches; vanishing < \(number(thresholds.vanishing)), exploding > \(number(thresholds.exploding)))"]
    let names = last.norms.map(\.layer)
    let width = names.map(\.count).max() ?? 0
    for name in names {
      let a = first.norms.first { $0.layer == name }?.norm ?? .nan
      let b = last.norms.first { $0.layer == name }?.norm ?? .nan
      var line = "  " + name.padding(toLength: width, withPad: " ", startingAt: 0)
        + "  epoch \(first.epoch): \(number(a))  epoch \(last.epoch): \(number(b))"
      let vanished = epochs.filter { $0.vanishing.contains(name) }.count
      let exploded = epochs.filter { $0.exploding.contains(name) }.count
      if vanished > 0 { line += "  vanishing in \(vanished)/\(epochs.count) epochs" }
      if exploded > 0 { line += "  exploding in \(exploded)/\(epochs.count) epochs" }
      lines.append(line)
    }
    if let d = last.deadShare {
      let share = d.units > 0 ? Format.fixed(100 * Double(d.dead) / Double(d.units), decimals: 1) : "0"
      lines.append("  dead ReLU units (never above 0 on the first \(HealthMonitor.probeLimit) samples) after epoch \(last.epoch): "
                   + "\(d.dead)/\(d.units) (\(share)%)"
                   + (last.dead.count > 1 ? ": " + last.dead.map { "\($0.layer) \($0.dead)/\($0.units)" }.joined(separator: ", ") : ""))
    }
    return lines.joined(separator: "\n")
  }

  /// The index of the lowest finite value, or nil.
  static func lowest(_ values: [Double]) -> Int? {
    values.indices.filter { values[$0].isFinite }.min { values[$0] < values[$1] }
  }

  /// A norm in three significant digits: `1.23e-05`.
  static func number(_ x: Double) -> String { Format.scientific(x, decimals: 2) }
}
