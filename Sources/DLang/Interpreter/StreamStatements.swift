import Autograd
import NeuralNet
import TermPlot

/// The statements on streamed datasets (`load … stream=true`): load, split, standardize, fit,
/// evaluate and predict read the file in blocks on every pass, never whole.
extension Interpreter {
  /// `load "FILE" stream=true [target=…] [header=…] [labels=…] [buffer=ROWS]`.
  func loadStream(_ c: Command, path: String, at range: SourceRange, name: String) throws -> Value {
    let args = arguments(c)
    for option in ["text", "shape", "x", "categorical"] {
      if let o = c.option(option) {
        throw Diagnostic.error("\(option)= cannot be combined with stream=true", at: o.name.range,
                               hint: "a streamed file is read as it is: numeric features, one target column")
      }
    }
    let missing = c.option("missing") == nil ? nil : try PreparationOptions.read(c)
    let target = try loadTarget(c)
    let header = try TableOptions.bool(c, "header", args) ?? true
    var labels: String?
    if let o = c.option("labels") {
      guard case .string(let l) = o.value.kind else { throw Diagnostic.error("labels= is a file name in quotes", at: o.value.range) }
      labels = session.resolve(l)
    }
    let resolved = session.resolve(path)
    var stream: StreamDataset
    do {
      stream = try StreamDataset.open(path: resolved, name: path, target: target, header: header, labels: labels,
                                      missing: missing)
    } catch let error as DataError where error.row == nil && error.message.contains("missing=") {
      throw Diagnostic.error(error.message, at: c.option("missing")?.value.range ?? range)
    } catch {
      throw Diagnostic.error("\(error)", at: range)
    }
    if let rows = try TableOptions.int(c, "buffer", args) { stream.bufferRows = rows }
    show("\(name): \(stream.describe); shuffle buffer \(plural(stream.bufferRows, "row"))")
    if let report = stream.loadReport { show(streamMissingLines(report).joined(separator: "\n")) }
    return .stream(stream)
  }

  /// What a streamed load with missing= did: the missing cells per column, the rows dropped,
  /// the fills (each pass fills or skips the same cells as it reads).
  func streamMissingLines(_ report: LoadReport) -> [String] {
    guard !report.missingCounts.isEmpty else { return ["  missing: none"] }
    let total = report.missingCounts.reduce(0) { $0 + $1.count }
    var lines = ["  missing: \(plural(total, "cell")) — "
      + report.missingCounts.map { "\($0.column) \($0.count)" }.joined(separator: ", ")]
    if report.rowsDropped > 0 {
      lines.append("  dropped \(plural(report.rowsDropped, "row")) with missing values (on every pass)")
    }
    for fill in report.missingFilled {
      let value = fill.value == fill.value.rounded() && abs(fill.value) < 1e7
        ? String(Int(fill.value)) : Format.decimal(Double(fill.value), places: 4)
      lines.append("  filled \(fill.column): \(plural(fill.count, "cell")) with \(value) as rows are read")
    }
    return lines
  }

  /// The streamed dataset a fit / evaluate / predict names, or nil for data in memory.
  func streamArg(_ c: Command) throws -> StreamDataset? {
    guard c.args.count >= 2, case .stream(let s) = try evaluate(c.args[1]) else { return nil }
    return s
  }

  /// A stream's samples must have the model's input shape (or as many values).
  func checkStream(_ s: StreamDataset, _ model: ModelRef, at range: SourceRange, needsTarget: Bool) throws -> StreamDataset {
    let want = model.network.inputShape ?? []
    var s = s
    if s.featureShape != want && s.featureCount == want.reduce(1, *) { s.featureShape = want }
    guard s.featureShape == want else {
      throw Diagnostic.error("model '\(model.name)' takes samples of shape \(ValueFormat.shape(want)), but these are \(ValueFormat.shape(s.featureShape))",
                             at: range, hint: "change the model's input line to match the data")
    }
    if needsTarget && !s.hasTarget {
      throw Diagnostic.error("this dataset has no target column", at: range, hint: "load it with target=COLUMN")
    }
    return s
  }

  func fitStream(_ c: Command, model: ModelRef, stream: StreamDataset) throws {
    let args = arguments(c)
    let s = try checkStream(stream, model, at: c.args[1].range, needsTarget: true)
    var errors: [Diagnostic] = []
    let o = FitOptions.read(c, args, errors: &errors)
    if let e = errors.first { throw e }
    for option in ["class_weight", "checkpoint", "resume"] {
      if let opt = c.option(option) {
        throw Diagnostic.error("\(option)= is not available when training on a streamed dataset", at: opt.name.range)
      }
    }
    var validation: StreamDataset?
    if let e = o.validationExpr {
      guard case .stream(let v) = try evaluate(e) else {
        throw Diagnostic.error("a streamed fit validates on a streamed dataset", at: e.range,
                               hint: "e.g. train, val = split big 0.9, then fit net train validation=val")
      }
      validation = try checkStream(v, model, at: e.range, needsTarget: true)
    } else if o.validationFraction != nil, let opt = c.option("validation") {
      throw Diagnostic.error("a streamed dataset cannot hold out a fraction", at: opt.value.range,
                             hint: "split it first: train, val = split big 0.9, then validation=val")
    }
    let observer = FitObserver(output: output, epochs: o.epochs, verbose: o.verbose,
                               interrupt: session.interruptLevel)
    var callbacks: [Callback] = [observer]
    var early: EarlyStopping?
    if let es = o.earlyStopping {
      let monitor = es.monitor ?? (validation != nil ? "val_loss" : "loss")
      try checkMonitor(monitor, model: model, validation: validation != nil,
                       at: es.monitorRange ?? c.option("early_stopping")?.value.range ?? c.range)
      let cb = EarlyStopping(monitor: monitor, patience: es.patience, minDelta: es.minDelta,
                             restoreBest: es.restoreBest, startFrom: es.startFrom)
      early = cb
      callbacks.append(cb)
    }
    if let log = o.log {
      let path = session.resolve(log.path)
      try checkWritable(path, shown: log.path, at: log.range)
      callbacks.append(CSVLogWriter(path: path, protecting: session.inputFiles))
    }
    let note: (String) -> Void = { [output] in output.progress(.note($0)) }
    do {
      let history = try model.network.fit(stream: s, epochs: o.epochs, batchSize: o.batch, validation: validation,
                                          shuffle: o.shuffle, bufferRows: s.bufferRows, callbacks: callbacks,
                                          rng: &session.rng, note: note)
      if let stop = history.stopped {
        output.progress(.note("stopped by Ctrl-C in epoch \(stop.epoch)/\(o.epochs), batch \(stop.batch)/\(observer.batches); weights kept"))
      }
    } catch {
      throw Diagnostic.error("\(error)", at: c.range)
    }
    model.classNames = s.classNames ?? model.classNames
    model.lastFit = nil
    model.lastStreamFit = StreamFitRecord(train: s, validation: validation, batch: o.batch, epochs: o.epochs,
                                          shuffle: o.shuffle, earlyStopping: early)
  }

  func evaluateStream(_ c: Command, model: ModelRef, stream: StreamDataset) throws {
    let s = try checkStream(stream, model, at: c.args[1].range, needsTarget: true)
    let batch = try TableOptions.int(c, "batch", arguments(c)) ?? 32
    let results: [(String, Double)]
    do { results = try model.network.evaluate(stream: s, batchSize: batch) } catch {
      throw Diagnostic.error("\(error)", at: c.range)
    }
    show(results.map { "\($0.0): " + Format.metric($0.1) }.joined(separator: " - ")
         + " (\(plural(s.count, "row")) streamed)")
  }

  /// `predict net big`: the first rows of the stream (`limit=`, default 10), in file order.
  func predictStream(_ c: Command, model: ModelRef, stream: StreamDataset) throws {
    let args = arguments(c)
    let s = try checkStream(stream, model, at: c.args[1].range, needsTarget: false)
    let batch = try TableOptions.int(c, "batch", args) ?? 32
    let top = try TableOptions.int(c, "top", args)
    let limit = try TableOptions.int(c, "limit", args) ?? 10
    let (out, truth): (Tensor, Tensor?)
    do { (out, truth) = try model.network.predict(stream: s, limit: limit, batchSize: batch) } catch {
      throw Diagnostic.error("\(error)", at: c.range)
    }
    show("the first \(plural(out.shape.first ?? 0, "row")) of \(plural(s.count, "streamed row")):\n"
         + PredictionTable.render(out, truth: truth, classNames: s.classNames, top: top,
                                  lossName: model.compiled?.loss, style: style))
  }

  /// `A, B = split STREAM FRACTION…`: rows go to the parts by a seeded hash of their number.
  func splitStream(_ c: Command, _ s: StreamDataset, names: [String]) throws -> [Value] {
    let args = arguments(c)
    if let o = c.option("stratify"), try TableOptions.bool(c, "stratify", args) == true {
      throw Diagnostic.error("a streamed dataset cannot be split by class", at: o.name.range,
                             hint: "its rows are assigned by a hash of their row number")
    }
    let fractions = try c.args.dropFirst().map { try args.number($0, what: "a split fraction", lo: 0, hi: 1, openHigh: true) ?? 0 }
    let parts: [StreamDataset]
    do { parts = try s.split(fractions: fractions, seed: session.rng.next()) } catch {
      throw Diagnostic.error("\(error)", at: c.range)
    }
    show(zip(names, parts).map { "\($0): \(plural($1.count, "row"))" }.joined(separator: ", ")
         + " (streamed, by row-number hash)")
    return parts.map { .stream($0) }
  }

  /// `standardize` when its first dataset is streamed: one pass for the mean and std, then
  /// every dataset named (streamed or in memory) is scaled with them. False when the first
  /// dataset is in memory (the ordinary path applies).
  func scaleStreams(_ c: Command, minMax: Bool) throws -> Bool {
    guard let first = c.args.first, case .identifier(let firstName) = first.kind else { return false }
    guard case .stream(let s) = try evaluate(first) else {
      for e in c.args.dropFirst() where (try? evaluate(e)).map({ if case .stream = $0 { return true }; return false }) == true {
        throw Diagnostic.error("\(c.keyword.text) fits on the first dataset; a streamed dataset must come first", at: e.range)
      }
      return false
    }
    if minMax {
      throw Diagnostic.error("normalize does not take a streamed dataset", at: first.range, hint: "use standardize")
    }
    let stats: (means: [Float], stds: [Float])
    do { stats = try s.statistics() } catch { throw Diagnostic.error("\(error)", at: first.range) }
    let scale = stats.stds.map { $0 > 0 ? $0 : 1 }
    for e in c.args {
      guard case .identifier(let n) = e.kind else {
        throw Diagnostic.error("\(c.keyword.text) works on datasets by name", at: e.range)
      }
      switch try evaluate(e) {
      case .stream(var t):
        guard t.featureCount == stats.means.count else {
          throw Diagnostic.error("\(n) has \(plural(t.featureCount, "feature")), \(firstName) \(plural(stats.means.count, "feature"))", at: e.range)
        }
        t.compose(offset: stats.means, scale: scale)
        session.bind(n, .stream(t))
      case .dataset(let d):
        guard d.featureCount == stats.means.count else {
          throw Diagnostic.error("\(n) has \(plural(d.featureCount, "feature")), \(firstName) \(plural(stats.means.count, "feature"))", at: e.range)
        }
        var x = d.x
        let w = stats.means.count
        x.data.withUnsafeMutableBufferPointer { p in
          for i in 0..<p.count { p[i] = (p[i] - stats.means[i % w]) / scale[i % w] }
        }
        var out = d
        out.x = x
        out.windowSource = nil
        session.bind(n, .dataset(out))
      default:
        throw Diagnostic.error("\(c.keyword.text) works on datasets by name", at: e.range)
      }
    }
    let rows = s.featureNames.indices.map { i in
      [s.featureNames[i], Format.fixed(Double(stats.means[i]), decimals: 4), Format.fixed(Double(stats.stds[i]), decimals: 4)]
    }
    let shown = rows.count > 12 ? Array(rows.prefix(6)) + [["…", "…", "…"]] + Array(rows.suffix(3)) : rows
    let names = c.args.compactMap { e -> String? in if case .identifier(let n) = e.kind { return n }; return nil }
    show("standardized \(names.joined(separator: ", ")) with the mean and std of \(firstName) (one streaming pass over \(plural(s.count, "row"))):\n"
         + Table.render(headers: ["feature", "mean", "std"], rows: shown, style: style))
    return true
  }
}
