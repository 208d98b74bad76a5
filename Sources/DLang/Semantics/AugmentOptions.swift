import NeuralNet

/// `augment=[flip_h, shift(2), rotate(10), zoom(0.1), noise(0.05), fill(constant)]`: the
/// steps of an image augmentation (NeuralNet's `Augmentation`), read in one place for the
/// checker, `fit` and `show augment(…)`. Every mistake is located at the step it is about.
enum AugmentOptions {
  /// The step names, with their setting and meaning (help and completion).
  static var names: [String] { Augmentation.table.map(\.name) }

  /// The one-line help of the steps: `flip_h, flip_v, shift(S), …`.
  static var synopsis: String {
    Augmentation.table.map { $0.setting.isEmpty ? $0.name : "\($0.name)(\($0.setting))" }
      .joined(separator: ", ")
  }

  /// The augmentation a list (or a single step) describes; nil when a setting is not known
  /// yet (checking).
  static func read(_ e: Expr, _ args: Arguments) throws -> Augmentation? {
    let items: [Expr]
    if case .list(let xs) = e.kind { items = xs } else { items = [e] }
    guard !items.isEmpty else {
      throw Diagnostic.error("augment needs at least one step, e.g. augment=[flip_h, shift(2)]", at: e.range)
    }
    var aug = Augmentation([])
    var unknown = false
    var fillSeen: SourceRange?
    for item in items {
      let (name, positional, options): (Name, [Expr], [Option])
      switch item.kind {
      case .identifier(let s): (name, positional, options) = (Name(text: s, range: item.range), [], [])
      case .call(let n, let a, let o): (name, positional, options) = (n, a, o)
      default:
        throw Diagnostic.error("an augmentation step is a name such as flip_h or a call such as shift(2)", at: item.range,
                               hint: "steps: " + synopsis)
      }
      guard let entry = Augmentation.table.first(where: { $0.name == name.text }) else {
        throw Diagnostic.unknown("unknown augmentation step '\(name.text)'", name.text, in: names,
                                 at: name.range, fallbackHint: "steps: " + synopsis)
      }
      if let o = options.first {
        throw Diagnostic.error("\(name.text) takes its setting without a name, e.g. \(example(entry.name))", at: o.range)
      }
      if entry.setting.isEmpty {
        if let p = positional.first { throw Diagnostic.error("\(name.text) takes no setting", at: p.range) }
        aug.steps.append(name.text == "flip_h" ? .flipHorizontal : .flipVertical)
        continue
      }
      guard positional.count == 1, let p = positional.first else {
        throw Diagnostic.error("\(name.text) takes one setting, e.g. \(example(entry.name))",
                               at: positional.count > 1 ? positional[1].range : item.range)
      }
      if name.text == "fill" {
        if let earlier = fillSeen {
          throw Diagnostic.error("fill is given twice (first at line \(earlier.start.line))", at: item.range)
        }
        fillSeen = item.range
        let mode = try args.choice(p, what: "fill mode", in: Augmentation.Fill.allCases.map(\.rawValue))
        aug.fill = Augmentation.Fill(rawValue: mode) ?? .reflect
        continue
      }
      guard let v = try setting(name.text, p, args) else { unknown = true; continue }
      switch name.text {
      case "shift": aug.steps.append(.shift(v))
      case "rotate": aug.steps.append(.rotate(v))
      case "zoom": aug.steps.append(.zoom(v))
      default: aug.steps.append(.noise(v))
      }
    }
    if aug.steps.isEmpty && !unknown {
      throw Diagnostic.error("augment needs a step besides fill, e.g. augment=[flip_h, fill(constant)]", at: e.range)
    }
    return unknown ? nil : aug
  }

  /// A step's setting, within its bounds.
  private static func setting(_ name: String, _ e: Expr, _ args: Arguments) throws -> Double? {
    switch name {
    case "shift": return try positive(args.number(e, what: "shift", lo: 0), e)
    case "rotate": return try positive(args.number(e, what: "rotate (degrees)", lo: 0, hi: 180), e)
    case "zoom": return try positive(args.number(e, what: "zoom", lo: 0, hi: 1, openHigh: true), e)
    default: return try positive(args.number(e, what: "noise (a standard deviation)", lo: 0), e)
    }
  }

  private static func positive(_ v: Double?, _ e: Expr) throws -> Double? {
    if let v, v == 0 { throw Diagnostic.error("a setting of 0 does nothing: leave the step out", at: e.range) }
    return v
  }

  private static func example(_ name: String) -> String {
    switch name {
    case "shift": return "shift(2)"
    case "rotate": return "rotate(10)"
    case "zoom": return "zoom(0.1)"
    case "noise": return "noise(0.05)"
    default: return "fill(constant)"
    }
  }

  /// `flip_h, shift(2), rotate(10)`: the steps as written back (for notes and titles).
  static func text(_ a: Augmentation) -> String {
    var parts = a.steps.map { step -> String in
      switch step {
      case .flipHorizontal: return "flip_h"
      case .flipVertical: return "flip_v"
      case .shift(let s): return "shift(\(ValueFormat.number(s)))"
      case .rotate(let d): return "rotate(\(ValueFormat.number(d)))"
      case .zoom(let f): return "zoom(\(ValueFormat.number(f)))"
      case .noise(let s): return "noise(\(ValueFormat.number(s)))"
      }
    }
    parts.append("fill(\(a.fill.rawValue))")
    return parts.joined(separator: ", ")
  }
}
