import Autograd
import NeuralNet

/// The options of `fit`, read in one place for the checker and the interpreter alike, with
/// their bounds: the checker reads what is known before running (a value that is not known
/// yet stays at its default), the interpreter reads everything. Each option is checked on its
/// own, so several wrong options give several diagnostics.
struct FitOptions {
  var epochs = 1
  var batch = 32
  var verbose = 1
  var shuffle = true
  /// A validation fraction; a dataset is read by the interpreter from `validationExpr`.
  var validationFraction: Double?
  var validationExpr: Expr?
  var earlyStopping: EarlyStoppingSettings?
  var classWeight: ClassWeighting?
  var log: (path: String, range: SourceRange)?
  var checkpoint: (path: String, range: SourceRange)?
  var resume: (path: String, range: SourceRange)?
  /// Image augmentation of the training batches (`augment=[flip_h, shift(2)]`).
  var augment: Augmentation?
  /// `health=true`: per-layer gradient norms and dead ReLU units every epoch.
  var health = false

  /// Most epochs (for patience and start_from): the table's bound on `epochs`.
  static var maxEpochs: Int {
    if case .int(_, let hi)? = StatementTable.fit.spec.option("epochs")?.kind { return hi }
    return 1_000_000
  }

  /// `early_stopping=N` or `early_stopping(patience=N, monitor=…, min_delta=…,
  /// restore_best=…, start_from=…)`.
  struct EarlyStoppingSettings {
    var patience = 0
    var monitor: String?
    /// Where `monitor=` was written, for its diagnostics.
    var monitorRange: SourceRange?
    var minDelta = 0.0
    var restoreBest = true
    var startFrom = 0
  }

  /// The early-stopping settings and their meaning, for parsing and help.
  static let earlyStoppingSettings: [(name: String, help: String)] = [
    ("patience", "epochs without improvement before stopping"),
    ("monitor", "the value watched: val_loss (the default with validation), loss, val_accuracy, …"),
    ("min_delta", "the smallest change that counts as an improvement"),
    ("restore_best", "put back the weights of the best epoch at the end (default true)"),
    ("start_from", "epochs to wait before monitoring"),
  ]

  /// Reads `c`'s options; problems go to `errors`.
  static func read(_ c: Command, _ args: Arguments, errors: inout [Diagnostic]) -> FitOptions {
    var o = FitOptions()
    func each(_ name: String, _ body: (Option) throws -> Void) {
      guard let opt = c.option(name) else { return }
      do { try body(opt) } catch let d as Diagnostic { errors.append(d) } catch {
        errors.append(.error("\(error)", at: opt.value.range))
      }
    }
    // The simple options were validated against the table before (by the checker, or by the
    // interpreter before running): here they are only read.
    o.epochs = (try? TableOptions.int(c, "epochs", args)) ?? o.epochs
    o.batch = (try? TableOptions.int(c, "batch", args)) ?? o.batch
    o.verbose = (try? TableOptions.int(c, "verbose", args)) ?? o.verbose
    o.shuffle = (try? TableOptions.bool(c, "shuffle", args)) ?? o.shuffle
    o.health = ((try? TableOptions.bool(c, "health", args)) ?? nil) ?? false
    each("validation") { opt in
      if case .number = opt.value.kind {
        if let f = try args.number(opt.value, what: "the validation fraction", lo: 0, hi: 1, openHigh: true) {
          guard f > 0 else {
            throw Diagnostic.error("the validation fraction must be above 0 (leave validation out for none)",
                                   at: opt.value.range)
          }
          o.validationFraction = f
        }
      } else {
        o.validationExpr = opt.value
      }
    }
    each("early_stopping") { o.earlyStopping = try earlyStopping($0.value, args) }
    each("class_weight") { o.classWeight = try classWeight($0.value, args) }
    each("log") { o.log = try path($0.value, args, "log") }
    each("checkpoint") { o.checkpoint = try path($0.value, args, "checkpoint") }
    each("resume") { o.resume = try path($0.value, args, "resume") }
    each("augment") { o.augment = try AugmentOptions.read($0.value, args) }
    return o
  }

  private static func path(_ e: Expr, _ args: Arguments, _ what: String) throws -> (path: String, range: SourceRange)? {
    guard let v = try args.evaluate(e) else { return nil }
    guard case .string(let s) = v, !s.isEmpty else {
      throw Diagnostic.error("\(what) needs a file or directory name in quotes, e.g. \(what)=\"runs/net\(what == "log" ? ".csv" : ".ckpt")\"",
                             at: e.range)
    }
    return (s, e.range)
  }

  private static func earlyStopping(_ e: Expr, _ args: Arguments) throws -> EarlyStoppingSettings? {
    var s = EarlyStoppingSettings()
    switch e.kind {
    case .call(let name, let positional, let options):
      guard name.text == "early_stopping" || name.text == "patience" else {
        throw Diagnostic.error("early_stopping takes a patience such as 5, or early_stopping(patience=5, monitor=val_loss)",
                               at: e.range)
      }
      if positional.count > 1 {
        throw Diagnostic.error("early_stopping takes one positional setting (the patience)", at: positional[1].range)
      }
      if let p = positional.first { s.patience = try args.int(p, what: "patience", min: 0, max: maxEpochs) ?? 0 }
      for opt in options {
        switch opt.name.text {
        case "patience": s.patience = try args.int(opt.value, what: "patience", min: 0, max: maxEpochs) ?? 0
        case "monitor":
          switch opt.value.kind {
          case .identifier(let m), .string(let m): s.monitor = m; s.monitorRange = opt.value.range
          default: throw Diagnostic.error("monitor is a name such as val_loss", at: opt.value.range)
          }
        case "min_delta": s.minDelta = try args.number(opt.value, what: "min_delta", lo: 0) ?? 0
        case "restore_best": s.restoreBest = try args.bool(opt.value, what: "restore_best") ?? true
        case "start_from": s.startFrom = try args.int(opt.value, what: "start_from", min: 0, max: maxEpochs) ?? 0
        default:
          let known = earlyStoppingSettings.map(\.name)
          throw Diagnostic.unknown("early_stopping has no setting '\(opt.name.text)'", opt.name.text, in: known,
                                   at: opt.name.range, fallbackHint: "its settings: " + known.joined(separator: ", "))
        }
      }
    default:
      guard let p = try args.int(e, what: "the early-stopping patience", min: 0, max: maxEpochs) else { return nil }
      s.patience = p
    }
    return s
  }

  private static func classWeight(_ e: Expr, _ args: Arguments) throws -> ClassWeighting? {
    switch e.kind {
    case .identifier("balanced"), .string("balanced"): return .balanced
    case .list(let items):
      guard !items.isEmpty else { throw Diagnostic.error("class_weight needs one weight per class", at: e.range) }
      var ws: [Double] = []
      for item in items {
        guard let w = try args.number(item, what: "a class weight", lo: 0) else { return nil }
        guard w.isFinite else { throw Diagnostic.error("a class weight must be finite", at: item.range) }
        ws.append(w)
      }
      return .list(ws)
    default:
      throw Diagnostic.error("class_weight is balanced, or a list with one weight per class such as [1, 5]",
                             at: e.range)
    }
  }
}
