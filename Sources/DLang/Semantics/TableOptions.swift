/// Reads a statement's simple options (whole numbers, numbers, booleans) with the type and
/// bounds the statement table declares for them. The checker and the interpreter both read
/// through here, so a bound is written once (`OptionKind` in `Statements`) and both agree.
enum TableOptions {
  /// The declared kind of option `name` of `c`'s statement.
  static func kind(_ c: Command, _ name: String) -> OptionKind {
    Statements.spec(c.keyword.text)?.option(name)?.kind ?? .custom
  }

  /// A whole-number option, or nil when absent or not known yet (checking).
  static func int(_ c: Command, _ name: String, _ args: Arguments) throws -> Int? {
    guard let o = c.option(name) else { return nil }
    guard case .int(let lo, let hi) = kind(c, name) else {
      preconditionFailure("\(c.keyword.text) \(name)= is not declared as a whole number")
    }
    return try args.int(o.value, what: name, min: lo, max: hi)
  }

  /// A number option, or nil when absent or not known yet.
  static func number(_ c: Command, _ name: String, _ args: Arguments) throws -> Double? {
    guard let o = c.option(name) else { return nil }
    guard case .number(let lo, let hi, let open) = kind(c, name) else {
      preconditionFailure("\(c.keyword.text) \(name)= is not declared as a number")
    }
    return try args.number(o.value, what: name, lo: lo, hi: hi, openHigh: open)
  }

  /// A boolean option, or nil when absent or not known yet.
  static func bool(_ c: Command, _ name: String, _ args: Arguments) throws -> Bool? {
    guard let o = c.option(name) else { return nil }
    return try args.bool(o.value, what: name)
  }

  /// Checks every simple option of `c` against the table, each on its own; the checker
  /// calls this for every command, so no statement can skip a bound.
  static func check(_ c: Command, _ args: Arguments, into errors: inout [Diagnostic]) {
    guard let spec = Statements.spec(c.keyword.text) else { return }
    for o in spec.options {
      do {
        switch o.kind {
        case .int: _ = try int(c, o.name, args)
        case .number: _ = try number(c, o.name, args)
        case .bool: _ = try bool(c, o.name, args)
        case .custom: break
        }
      } catch let d as Diagnostic { errors.append(d) } catch {}
    }
  }
}
