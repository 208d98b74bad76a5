/// Reads a statement's simple options (whole numbers, numbers, booleans) with the type and
/// bounds the statement table declares for them. The checker and the interpreter both validate
/// through here, so a bound is written once (`OptionKind` in the row) and both agree.
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

  /// Every simple option of `c` that breaks its declared type or bounds, each on its own.
  /// The checker reports them all before running; the interpreter throws the first before it
  /// runs the statement, so no statement can skip a bound in either.
  static func errors(_ c: Command, _ args: Arguments) -> [Diagnostic] {
    guard let spec = Statements.spec(c.keyword.text) else { return [] }
    var errors: [Diagnostic] = []
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
    return errors
  }

  /// `errors` into `errors`.
  static func check(_ c: Command, _ args: Arguments, into errors: inout [Diagnostic]) {
    errors += self.errors(c, args)
  }

  /// Throws the first of `errors`.
  static func validate(_ c: Command, _ args: Arguments) throws {
    if let first = errors(c, args).first { throw first }
  }
}
