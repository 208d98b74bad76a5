import Autograd
import NeuralNet

/// A name the language accepts for something, with its help line.
public struct TableEntry: Sendable {
  public let name: String
  public let summary: String
  public let example: String
}

/// Losses by their Keras names.
public enum LossTable {
  public static let entries: [(TableEntry, Loss)] = [
    (TableEntry(name: "mse", summary: "mean squared error: regression; punishes large errors most",
                example: "compile net loss=mse optimizer=adam"), .mse),
    (TableEntry(name: "mae", summary: "mean absolute error: regression; robust to outliers",
                example: "compile net loss=mae optimizer=adam"), .mae),
    (TableEntry(name: "binary_crossentropy", summary: "two classes: one sigmoid output, targets 0 or 1",
                example: "compile net loss=binary_crossentropy optimizer=adam"), .binaryCrossentropy),
    (TableEntry(name: "categorical_crossentropy", summary: "several classes with one-hot targets; softmax output",
                example: "compile net loss=categorical_crossentropy optimizer=adam"), .categoricalCrossentropy),
    (TableEntry(name: "sparse_categorical_crossentropy",
                summary: "several classes with integer labels 0…C-1; softmax output of C units",
                example: "compile net loss=sparse_categorical_crossentropy optimizer=adam"),
     .sparseCategoricalCrossentropy),
  ]
  public static var names: [String] { entries.map(\.0.name) }
  public static func loss(_ name: String) -> Loss? { entries.first { $0.0.name == name }?.1 }
}

/// Metrics by name.
public enum MetricTable {
  public static let entries: [(TableEntry, Metric)] = [
    (TableEntry(name: "accuracy", summary: "fraction of samples whose predicted class is right",
                example: "metrics=[accuracy]"), .accuracy),
    (TableEntry(name: "mae", summary: "mean absolute error", example: "metrics=[mae]"), .mae),
    (TableEntry(name: "mse", summary: "mean squared error", example: "metrics=[mse]"), .mse),
  ]
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
    let make: @Sendable ([Double]) -> Optimizer
  }

  public static let entries: [Entry] = [
    Entry(info: TableEntry(name: "sgd", summary: "stochastic gradient descent, with optional momentum and Nesterov",
                           example: "optimizer=sgd(lr=0.1, momentum=0.9)"),
          settings: [Setting(name: "lr", defaultValue: 0.01, summary: "learning rate"),
                     Setting(name: "momentum", defaultValue: 0, summary: "velocity kept between steps (0…1)"),
                     Setting(name: "nesterov", defaultValue: 0, summary: "look-ahead momentum (true/false)")],
          make: { SGD(lr: Float($0[0]), momentum: Float($0[1]), nesterov: $0[2] != 0) }),
    Entry(info: TableEntry(name: "adam", summary: "adaptive moments: a per-weight step size; a good default",
                           example: "optimizer=adam(lr=0.001)"),
          settings: [Setting(name: "lr", defaultValue: 0.001, summary: "learning rate"),
                     Setting(name: "beta1", defaultValue: 0.9, summary: "decay of the mean of gradients"),
                     Setting(name: "beta2", defaultValue: 0.999, summary: "decay of the mean of squared gradients"),
                     Setting(name: "eps", defaultValue: 1e-7, summary: "added to the denominator for stability")],
          make: { Adam(lr: Float($0[0]), beta1: Float($0[1]), beta2: Float($0[2]), epsilon: Float($0[3])) }),
    Entry(info: TableEntry(name: "rmsprop", summary: "divides each step by a running RMS of recent gradients",
                           example: "optimizer=rmsprop(lr=0.001)"),
          settings: [Setting(name: "lr", defaultValue: 0.001, summary: "learning rate"),
                     Setting(name: "rho", defaultValue: 0.9, summary: "decay of the mean of squared gradients"),
                     Setting(name: "eps", defaultValue: 1e-7, summary: "added to the denominator for stability")],
          make: { RMSprop(lr: Float($0[0]), rho: Float($0[1]), epsilon: Float($0[2])) }),
  ]
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
    if positional.count > entry.settings.count {
      throw Diagnostic.error("\(chosen) takes at most \(entry.settings.count) settings", at: positional[entry.settings.count].range)
    }
    for (i, p) in positional.enumerated() { values[i] = try setting(p, entry.settings[i], args) }
    for o in options {
      guard let i = entry.settings.firstIndex(where: { $0.name == o.name.text }) else {
        let known = entry.settings.map(\.name)
        throw Diagnostic.unknown("\(chosen) has no setting '\(o.name.text)'", o.name.text, in: known,
                                 at: o.name.range, fallbackHint: "its settings: " + known.joined(separator: ", "))
      }
      values[i] = try setting(o.value, entry.settings[i], args)
    }
    let text = chosen + "(" + zip(entry.settings, values).map {
      "\($0.name)=" + ($0.name == "nesterov" ? ($1 != 0 ? "true" : "false") : ValueFormat.number($1))
    }
      .joined(separator: ", ") + ")"
    return (entry.make(values), text)
  }

  private static func setting(_ e: Expr, _ s: Setting, _ args: Arguments) throws -> Double {
    if s.name == "nesterov" { return try args.bool(e, what: "nesterov") == true ? 1 : 0 }
    switch s.name {
    case "lr": return try args.number(e, what: "the learning rate", lo: 0) ?? s.defaultValue
    case "eps": return try args.number(e, what: "eps", lo: 0) ?? s.defaultValue
    default: return try args.number(e, what: s.name, lo: 0, hi: 1, openHigh: true) ?? s.defaultValue
    }
  }
}
