import Autograd

/// Typed access to a statement's or layer line's positional arguments and options, with every
/// error located at the argument it is about. Each argument and option must be consumed;
/// `finish()` reports leftovers ("dense takes at most 2 arguments", unknown options).
struct Arguments {
  /// What the arguments belong to ("dense", "fit"), for messages.
  let owner: String
  let args: [Expr]
  let options: [Option]
  /// Range of the whole line, for "missing argument" errors.
  let range: SourceRange
  /// Evaluates an argument expression (names, arithmetic); nil when not known yet (checking).
  let evaluate: (Expr) throws -> Value?
  private(set) var usedArgs = 0
  private(set) var usedOptions: Set<String> = []

  init(owner: String, args: [Expr], options: [Option], range: SourceRange,
       evaluate: @escaping (Expr) throws -> Value?) {
    self.owner = owner
    self.args = args
    self.options = options
    self.range = range
    self.evaluate = evaluate
  }

  /// The option named `name`, marking it used.
  mutating func option(_ name: String) -> Option? {
    guard let o = options.first(where: { $0.name.text == name }) else { return nil }
    usedOptions.insert(name)
    return o
  }

  /// The next positional argument, if any.
  mutating func next() -> Expr? {
    guard usedArgs < args.count else { return nil }
    usedArgs += 1
    return args[usedArgs - 1]
  }

  /// The next positional argument if it is a bare identifier accepted by `accept`.
  mutating func nextIdentifier(where accept: (String) -> Bool) -> Name? {
    guard usedArgs < args.count, case .identifier(let s) = args[usedArgs].kind, accept(s) else { return nil }
    usedArgs += 1
    return Name(text: s, range: args[usedArgs - 1].range)
  }

  /// An integer from an expression, within `range`.
  func int(_ e: Expr, what: String, min: Int = 1, max: Int = Int.max) throws -> Int? {
    guard let v = try evaluate(e) else { return nil }
    guard case .number(let x) = v, x == x.rounded() else {
      throw Diagnostic.error("\(what) must be a whole number, not \(describe(v))", at: e.range)
    }
    let largest = Swift.min(max, Arguments.largestWhole)
    guard abs(x) < 1e15 else {
      throw Diagnostic.error("\(what) is out of range: it must be between \(min) and \(largest), not \(describe(v))",
                             at: e.range)
    }
    let i = Int(x)
    if i < min || i > max {
      let bound = max == Int.max ? "at least \(min)" : "between \(min) and \(max)"
      throw Diagnostic.error("\(what) must be \(bound), not \(i)", at: e.range)
    }
    return i
  }

  /// The largest whole number an argument may be (numbers are doubles; beyond this they lose
  /// their last digits).
  static let largestWhole = 999_999_999_999_999

  /// A real number from an expression, within [lo, hi] (or lo ≤ x < hi when `openHigh`).
  func number(_ e: Expr, what: String, lo: Double = -.infinity, hi: Double = .infinity,
              openHigh: Bool = false) throws -> Double? {
    guard let v = try evaluate(e) else { return nil }
    guard case .number(let x) = v, x.isFinite else {
      throw Diagnostic.error("\(what) must be a number, not \(describe(v))", at: e.range)
    }
    if x < lo || x > hi || (openHigh && x == hi) {
      let hiText = openHigh ? "below \(ValueFormat.number(hi))" : "at most \(ValueFormat.number(hi))"
      let msg = hi.isInfinite ? "at least \(ValueFormat.number(lo))" : "at least \(ValueFormat.number(lo)) and \(hiText)"
      throw Diagnostic.error("\(what) must be \(msg), not \(ValueFormat.number(x))", at: e.range)
    }
    return x
  }

  /// A boolean (`true`/`false`, or 0/1).
  func bool(_ e: Expr, what: String) throws -> Bool? {
    switch e.kind {
    case .bool(let b): return b
    case .number(let x, _) where x == 0 || x == 1: return x == 1
    default:
      throw Diagnostic.error("\(what) must be true or false", at: e.range)
    }
  }

  /// A bare identifier naming one of `choices` (with a suggestion otherwise).
  func choice(_ e: Expr, what: String, in choices: [String]) throws -> String {
    let text: String
    switch e.kind {
    case .identifier(let s): text = s
    case .string(let s): text = s
    default:
      throw Diagnostic.error("\(what) must be one of: \(choices.joined(separator: ", "))", at: e.range)
    }
    if choices.contains(text) { return text }
    throw Diagnostic.unknown("unknown \(what) '\(text)'", text, in: choices, at: e.range,
                             fallbackHint: "choose one of: " + choices.joined(separator: ", "))
  }

  /// Reports arguments or options nobody consumed.
  func finish(maxArgs: String) throws {
    if usedArgs < args.count {
      throw Diagnostic.error("unexpected argument: \(owner) takes \(maxArgs)", at: args[usedArgs].range)
    }
    for o in options where !usedOptions.contains(o.name.text) {
      let known = acceptedOptions
      throw Diagnostic.unknown("unknown option '\(o.name.text)' for \(owner)", o.name.text, in: known,
                               at: o.name.range,
                               fallbackHint: known.isEmpty ? "\(owner) takes no options" : "options: " + known.joined(separator: ", "))
    }
  }

  /// Option names the owner accepts (filled by callers through `accepting`).
  var acceptedOptions: [String] = []

  /// Declares the options the owner accepts, for suggestions.
  mutating func accepting(_ names: [String]) { acceptedOptions = names }

  private func describe(_ v: Value) -> String {
    switch v {
    case .number(let x): return ValueFormat.number(x)
    case .string(let s): return "\"\(s)\""
    default: return v.kindName
    }
  }
}
