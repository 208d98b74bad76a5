import Autograd
import NeuralNet

/// A name the language accepts for something, with its help line.
public struct TableEntry: Sendable {
  public let name: String
  public let summary: String
  public let example: String
}

/// Losses by their Keras names (NeuralNet's table, with an example line each).
public enum LossTable {
  public static let entries: [(TableEntry, Loss)] = Loss.table.map {
    (TableEntry(name: $0.name, summary: $0.help, example: "compile net loss=\($0.name) optimizer=adam"), $0.value)
  }
  public static var names: [String] { entries.map(\.0.name) }
  public static func loss(_ name: String) -> Loss? { entries.first { $0.0.name == name }?.1 }
}

/// Metrics by name.
public enum MetricTable {
  public static let entries: [(TableEntry, Metric)] = Metric.table.map {
    (TableEntry(name: $0.name, summary: $0.help, example: "metrics=[\($0.name)]"), $0.value)
  }
  public static var names: [String] { entries.map(\.0.name) }

  /// `metrics=[accuracy, mae]` (or a single name).
  static func parse(_ e: Expr, args: Arguments) throws -> [(String, Metric)] {
    let items: [Expr]
    if case .list(let xs) = e.kind { items = xs } else { items = [e] }
    return try items.map { item in
      let name = try args.choice(item, what: "metric", in: names)
      guard let m = entries.first(where: { $0.0.name == name })?.1 else {
        throw Diagnostic.error("unknown metric '\(name)'", at: item.range)
      }
      return (name, m)
    }
  }
}

/// Optimizers by name, with their settings (Keras' defaults).
public enum OptimizerTable {
  /// A setting of an optimizer.
  public struct Setting: Sendable {
    public let name: String
    public let defaultValue: Double
    public let summary: String
  }

  /// One optimizer.
  public struct Entry: Sendable {
    public let info: TableEntry
    public let settings: [Setting]
  }

  /// NeuralNet's optimizer table, with an example line each.
  public static let entries: [Entry] = Optimizers.table.map { o in
    Entry(info: TableEntry(name: o.name, summary: o.help, example: "optimizer=\(o.name)(lr=\(ValueFormat.number(o.parameters.first?.defaultValue ?? 0.01)))"),
          settings: o.parameters.map { Setting(name: $0.name, defaultValue: $0.defaultValue, summary: $0.help) })
  }
  public static var names: [String] { entries.map(\.info.name) }

  /// `adam`, `adam(lr=0.05)`, `sgd(0.1, momentum=0.9)` → an optimizer and its description.
  static func build(_ e: Expr, args: Arguments) throws -> (Optimizer, String) {
    let name: Name, positional: [Expr], options: [Option]
    switch e.kind {
    case .identifier(let s): name = Name(text: s, range: e.range); positional = []; options = []
    case .call(let n, let a, let o): name = n; positional = a; options = o
    default:
      throw Diagnostic.error("optimizer must be a name such as adam, or adam(lr=0.01)", at: e.range)
    }
    let chosen = try args.choice(Expr(kind: .identifier(name.text), range: name.range), what: "optimizer", in: names)
    guard let entry = entries.first(where: { $0.info.name == chosen }) else {
      throw Diagnostic.error("unknown optimizer '\(chosen)'", at: name.range)
    }
    var values = entry.settings.map(\.defaultValue)
    var schedule: (LearningRateSchedule, String)?
    var clipping = GradientClipping()
    if positional.count > entry.settings.count {
      throw Diagnostic.error("\(chosen) takes at most \(entry.settings.count) settings", at: positional[entry.settings.count].range)
    }
    for (i, p) in positional.enumerated() {
      if entry.settings[i].name == "lr", let s = try ScheduleTable.build(p, args: args) { schedule = s; continue }
      values[i] = try setting(p, entry.settings[i], args)
    }
    for o in options {
      if let clip = Optimizers.clippingSettings.first(where: { $0.name == o.name.text }) {
        let v = try args.number(o.value, what: clip.name, lo: 0) ?? 1
        guard v > 0, v.isFinite else { throw Diagnostic.error("\(clip.name) must be above 0", at: o.value.range) }
        switch clip.name {
        case "clipnorm": clipping.clipnorm = Float(v)
        case "clipvalue": clipping.clipvalue = Float(v)
        default: clipping.globalClipnorm = Float(v)
        }
        do { try clipping.validate() } catch { throw Diagnostic.error("\(error)", at: o.range) }
        continue
      }
      guard let i = entry.settings.firstIndex(where: { $0.name == o.name.text }) else {
        let known = entry.settings.map(\.name) + Optimizers.clippingSettings.map(\.name)
        throw Diagnostic.unknown("\(chosen) has no setting '\(o.name.text)'", o.name.text, in: known,
                                 at: o.name.range, fallbackHint: "its settings: " + known.joined(separator: ", "))
      }
      if o.name.text == "lr", let s = try ScheduleTable.build(o.value, args: args) { schedule = s; continue }
      values[i] = try setting(o.value, entry.settings[i], args)
    }
    if let (sch, _) = schedule, let i = entry.settings.firstIndex(where: { $0.name == "lr" }) {
      values[i] = sch.rate(epoch: 0)
    }
    // The learning rate, and every setting that differs from its default.
    let shown = zip(entry.settings, values).filter { $0.0.name == "lr" || $0.1 != $0.0.defaultValue }
    var parts = shown.map {
      "\($0.0.name)=" + ($0.0.name == "lr" && schedule != nil ? schedule?.1 ?? ""
        : $0.0.name == "nesterov" ? ($0.1 != 0 ? "true" : "false") : ValueFormat.number($0.1))
    }
    parts += clipping.settings.map { "\($0.0)=" + ValueFormat.number(Double($0.1)) }
    let text = chosen + "(" + parts.joined(separator: ", ") + ")"
    let arguments = Dictionary(uniqueKeysWithValues: zip(entry.settings.map(\.name), values))
    do {
      let optimizer = try Optimizers.make(chosen, arguments: arguments)
      optimizer.clipping = clipping
      optimizer.schedule = schedule?.0
      return (optimizer, text)
    } catch {
      throw Diagnostic.error("\(error)", at: e.range)
    }
  }

  private static func setting(_ e: Expr, _ s: Setting, _ args: Arguments) throws -> Double {
    if s.name == "nesterov" { return try args.bool(e, what: "nesterov") == true ? 1 : 0 }
    switch s.name {
    case "lr":
      let lr = try args.number(e, what: "the learning rate", lo: 0) ?? s.defaultValue
      if lr == 0 { throw Diagnostic.error("the learning rate must be above 0", at: e.range) }
      return lr
    case "eps": return try args.number(e, what: "eps", lo: 0) ?? s.defaultValue
    default: return try args.number(e, what: s.name, lo: 0, hi: 1, openHigh: true) ?? s.defaultValue
    }
  }
}

/// Learning-rate schedules by name (NeuralNet's table), as the value of an optimizer's `lr`:
/// `cosine(0.003, epochs=200)`.
public enum ScheduleTable {
  public static var names: [String] { LearningRateSchedule.table.map(\.name) }

  /// The schedule `e` describes and its text, or nil when `e` is not a schedule call.
  static func build(_ e: Expr, args: Arguments) throws -> (LearningRateSchedule, String)? {
    guard case .call(let name, let positional, let options) = e.kind else { return nil }
    guard let info = LearningRateSchedule.table.first(where: { $0.name == name.text }) else {
      throw Diagnostic.unknown("unknown learning-rate schedule '\(name.text)'", name.text, in: names,
                               at: name.range, fallbackHint: "schedules: " + names.joined(separator: ", "))
    }
    guard let first = positional.first else {
      throw Diagnostic.error("\(info.name) needs the starting learning rate first", at: e.range,
                             hint: info.example)
    }
    if positional.count > 1 {
      throw Diagnostic.error("\(info.name) takes the learning rate, then named settings", at: positional[1].range,
                             hint: info.example)
    }
    guard let lr = try args.number(first, what: "the learning rate", lo: 0) else { return nil }
    if lr == 0 { throw Diagnostic.error("the learning rate must be above 0", at: first.range) }
    var settings: [String: Double] = [:]
    for o in options {
      guard info.settings.contains(where: { $0.name == o.name.text }) else {
        let known = info.settings.map(\.name)
        throw Diagnostic.unknown("\(info.name) has no setting '\(o.name.text)'", o.name.text, in: known,
                                 at: o.name.range, fallbackHint: "its settings: " + known.joined(separator: ", "))
      }
      guard let v = try args.number(o.value, what: o.name.text) else { return nil }
      settings[o.name.text] = v
    }
    do {
      let s = try LearningRateSchedule.make(info.name, lr: lr, settings: settings)
      let text = info.name + "(" + ([ValueFormat.number(lr)] + options.map {
        "\($0.name.text)=" + ValueFormat.number(settings[$0.name.text] ?? 0)
      }).joined(separator: ", ") + ")"
      return (s, text)
    } catch {
      throw Diagnostic.error("\(error)", at: e.range, hint: info.example)
    }
  }
}
