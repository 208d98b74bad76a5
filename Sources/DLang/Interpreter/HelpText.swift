import NeuralNet
import TermPlot

/// The text of `help`: drawn from the same tables as the parser, the checker and completion,
/// so every statement, layer, loss, optimizer, metric, activation, initialiser and option has
/// a line and an example.
public enum HelpText {
  /// `help` with no topic: every statement, then the other topics.
  public static func overview(style: RenderStyle) -> String {
    let rows = Statements.all.map { [$0.name, $0.summary] }
    var lines = ["Statements:", Table.render(headers: [], rows: rows, style: style), ""]
    lines.append("Layers: " + LayerTable.names.joined(separator: ", "))
    lines.append("Losses: " + LossTable.names.joined(separator: ", "))
    lines.append("Optimizers: " + OptimizerTable.names.joined(separator: ", "))
    lines.append("Metrics: " + MetricTable.names.joined(separator: ", "))
    lines.append("Initializers: " + Initializer.allNames.joined(separator: ", "))
    lines.append("Schedules (lr=…): " + ScheduleTable.names.joined(separator: ", "))
    lines.append("Clipping (optimizer settings): " + clippingNames.joined(separator: ", "))
    lines.append("Functions (in values): " + Functions.all.map(\.name).joined(separator: ", ")
                 + "; operators + - * / and @ (the matrix product)")
    lines.append("Inside a model: net.dense_1(x) (a layer's output), net.dense_1.weights.grad (help grad)")
    lines.append("")
    lines.append("help TOPIC shows the syntax, options and an example, e.g. help fit, help dense, help adam, help epochs")
    return lines.joined(separator: "\n")
  }

  /// Activation names (layer lines, `activation=`).
  public static var activationNames: [String] { Activation.allNames }
  /// Initializer names (`init=`).
  public static var initializerNames: [String] { Initializer.allNames }

  /// The words a layer line's option takes, for completion: NeuralNet's initializers after
  /// `init=`, its activations after `activation=`, `same` and `valid` after `padding=`; none
  /// for a number (`l2=`, `rate=`).
  public static func layerOptionValues(_ option: String) -> [String] {
    switch option {
    case "init": return initializerNames
    case "activation": return activationNames
    case "padding": return LayerTable.optionWords
    default: return []
    }
  }

  /// Learning-rate schedule names (`lr=cosine(…)`), from NeuralNet's table.
  public static var scheduleNames: [String] { ScheduleTable.names }
  /// Gradient-clipping settings every optimizer takes, from NeuralNet's table.
  public static var clippingNames: [String] { Optimizers.clippingSettings.map(\.name) }

  /// Every topic `help TOPIC` knows.
  public static var topics: [String] {
    var t = Statements.all.map(\.name) + LayerTable.names + LossTable.names + OptimizerTable.names
    t += MetricTable.names + Initializer.allNames + ScheduleTable.names + ["schedules"] + clippingNames
    t += ["clipping"]
    t += Statements.all.flatMap { $0.options.map(\.name) }
    var seen = Set<String>()
    return t.filter { seen.insert($0).inserted }
  }

  /// The help text of one topic; a name may be several things (`mae` is a loss and a metric).
  public static func topic(_ name: String) -> String? {
    var parts: [String] = []
    if let s = Statements.spec(name) {
      var text = "\(s.synopsis)\n  \(s.summary)\n  example: \(s.example)"
      if !s.options.isEmpty {
        text += "\n  options:"
        for o in s.options { text += "\n    \(o.name)=\(o.valueHint)  \(o.help)" }
      }
      parts.append(text)
    }
    if let l = LayerTable.spec(name) {
      parts.append("layer \(l.synopsis)\n  \(l.summary)\n  example (in a model block): \(l.example)")
    }
    if let (e, _) = LossTable.entries.first(where: { $0.0.name == name }) {
      parts.append("loss \(e.name)\n  \(e.summary)\n  example: \(e.example)")
    }
    if let o = OptimizerTable.entries.first(where: { $0.info.name == name }) {
      var text = "optimizer \(o.info.name)\n  \(o.info.summary)\n  example: \(o.info.example)\n  settings:"
      for s in o.settings { text += "\n    \(s.name)=\(ValueFormat.number(s.defaultValue))  \(s.summary)" }
      parts.append(text)
    }
    if let (e, _) = MetricTable.entries.first(where: { $0.0.name == name }) {
      parts.append("metric \(e.name)\n  \(e.summary)\n  example: \(e.example)")
    }
    if let i = Initializer.table.first(where: { $0.name == name }) {
      parts.append("initializer \(i.name)\n  \(i.help)\n  example: dense 16 relu init=\(i.name)")
    }
    if let sc = LearningRateSchedule.table.first(where: { $0.name == name }) {
      var text = "schedule \(sc.name)(LR, " + sc.settings.map { "\($0.name)=…" }.joined(separator: ", ")
      text += ") as an optimizer's lr\n  \(sc.help); evaluated at the start of every epoch\n  example: \(sc.example)\n  settings:"
      for st in sc.settings {
        text += "\n    \(st.name)=" + (st.defaultValue.map { ValueFormat.number($0) } ?? "(required)") + "  \(st.help)"
      }
      parts.append(text)
    }
    if name == "schedules" || name == "schedule" {
      var text = "learning-rate schedules: the value of an optimizer's lr, e.g. adam(lr=cosine(0.003, epochs=200))"
      for sc in LearningRateSchedule.table { text += "\n  \(sc.name)  \(sc.help)\n    example: \(sc.example)" }
      text += "\n  plot MODEL lr draws the rate per epoch"
      parts.append(text)
    }
    if let c = Optimizers.clippingSettings.first(where: { $0.name == name }) {
      parts.append("optimizer setting \(c.name)=V (any optimizer; at most one clipping setting)\n  \(c.help)"
        + "\n  example: optimizer=adam(lr=0.001, \(c.name)=1)")
    }
    if let f = Functions.named(name) {
      parts.append("function \(f.synopsis)\n  \(f.summary)\n  example: v = \(f.example)")
    }
    if name == "functions" || name == "function" {
      var text = "functions: the language as a calculator, on numbers and tensors (help NAME for one)"
      for f in Functions.all { text += "\n  \(f.synopsis)  \(f.summary)" }
      text += "\n  x @ w is the matrix product; x * w multiplies element by element (two matrices that"
      text += "\n  would both be broadcast when x @ w fits are an error: write @)"
      parts.append(text)
    }
    if name == Evaluator.gradMember {
      parts.append("MODEL.LAYER.PARAMETER.grad\n  the gradient of the loss for that parameter in the last training step"
        + " (of fit or trace); an error before the model took a step\n  example: print net.dense_1.weights.grad")
    }
    if name == "clipping" {
      var text = "gradient clipping: one of these settings in any optimizer call (Keras' semantics)"
      for c in Optimizers.clippingSettings { text += "\n  \(c.name)=V  \(c.help)" }
      text += "\n  example: optimizer=adam(lr=0.001, clipnorm=1)"
      parts.append(text)
    }
    for s in Statements.all {
      if let o = s.option(name) {
        var text = "option \(o.name)=\(o.valueHint) of \(s.name)\n  \(o.help)\n  example: \(o.example)"
        for line in o.details { text += "\n  " + line }
        parts.append(text)
      }
    }
    return parts.isEmpty ? nil : parts.joined(separator: "\n\n")
  }
}
