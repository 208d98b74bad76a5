import Autograd
import NeuralNet
import TermPlot

/// `fit`, `evaluate`, `predict`, `plot`.
extension Interpreter {
  func fit(_ c: Command) throws {
    let model = try modelArg(c)
    if let s = try streamArg(c) { return try fitStream(c, model: model, stream: s) }
    if let graph = model.seq2seq { return try fitSeq2Seq(c, model, graph) }
    if let o = c.option("teacher_forcing") {
      throw Diagnostic.error("teacher_forcing= is for encoder–decoder models (encoder { } and decoder { })", at: o.name.range)
    }
    let args = arguments(c)
    let (x, y, _) = try data(c, model: model, needsTarget: true)
    guard let y else { return }
    var errors: [Diagnostic] = []
    let o = FitOptions.read(c, args, errors: &errors)
    if let e = errors.first { throw e }
    var validation = Validation.none
    if let f = o.validationFraction { validation = .fraction(f) }
    if let e = o.validationExpr {
      switch try evaluate(e) {
      case .number(let f):
        guard f > 0 && f < 1 else { throw Diagnostic.error("the validation fraction must be between 0 and 1", at: e.range) }
        validation = .fraction(f)
      case .dataset(let d):
        guard let vy = d.y else { throw Diagnostic.error("the validation dataset has no target", at: e.range) }
        validation = .data(try checkedFeatures(d.x, model, at: e.range), try checkedTargets(vy, model))
      case let v:
        throw Diagnostic.error("validation must be a fraction or a dataset, not \(v.kindName)", at: e.range)
      }
    }
    let hasValidation: Bool = { if case .none = validation { return false }; return true }()
    let observer = FitObserver(output: output, epochs: o.epochs, verbose: o.verbose,
                               interrupt: session.interruptLevel)
    let lastGradients = LastGradients()
    var callbacks: [Callback] = [observer, lastGradients, BatchLossRecorder(model)]
    let health = o.health ? healthMonitor(model, x: x) : nil
    if let health { callbacks.append(health) }
    let early = try addFitCallbacks(c, o, model, hasValidation: hasValidation, to: &callbacks)
    let (initialEpoch, before) = try resumePoint(o, model, early: early)
    let note: (String) -> Void = { [output] in output.progress(.note($0)) }
    let history: History
    do {
      history = try model.network.fit(x: x, y: y, epochs: o.epochs, batchSize: o.batch, validation: validation,
                                       shuffle: o.shuffle, classWeight: o.classWeight, callbacks: callbacks,
                                       initialEpoch: initialEpoch, augment: o.augment, rng: &session.rng,
                                       note: note)
    } catch let d as Diagnostic {
      throw d
    } catch {
      // A class-weight list that does not fit the model is known only now: point at it.
      let text = "\(error)"
      let at = text.hasPrefix("class_weight") || text.hasPrefix("class weights") ? c.option("class_weight")?.value.range
        : o.augment != nil && (text.hasPrefix("flips") || text.hasPrefix("augmentation")) ? c.option("augment")?.value.range : nil
      throw Diagnostic.error(text, at: at ?? c.range)
    }
    let gradients = lastGradients.values
    if !gradients.isEmpty { model.lastGradients = gradients }
    if let a = o.augment { session.lastAugmentation = a }
    model.lastFit = FitRecord(x: x, y: y, batch: o.batch, epochs: o.epochs, shuffle: o.shuffle,
                              classWeight: o.classWeight, validation: validation, earlyStopping: early)
    if let health, !health.epochs.isEmpty {
      model.health += health.epochs
      show(HealthText.summary(health.epochs, model: model.name, thresholds: health.thresholds, style: style))
    }
    finishFit(o, model, history, early: early, before: before, observer: observer)
  }

  /// The callbacks of `fit`'s early_stopping=, log= and checkpoint= options, appended to
  /// `callbacks` (their files checked writable first); returns the early stopping.
  func addFitCallbacks(_ c: Command, _ o: FitOptions, _ model: ModelRef, hasValidation: Bool,
                       to callbacks: inout [Callback]) throws -> EarlyStopping? {
    var early: EarlyStopping?
    if let es = o.earlyStopping {
      let monitor = es.monitor ?? (hasValidation ? "val_loss" : "loss")
      try checkMonitor(monitor, model: model, validation: hasValidation,
                       at: es.monitorRange ?? c.option("early_stopping")?.value.range ?? c.range)
      let cb = EarlyStopping(monitor: monitor, patience: es.patience, minDelta: es.minDelta,
                             restoreBest: es.restoreBest, startFrom: es.startFrom)
      early = cb
      callbacks.append(cb)
    }
    let inputs = session.inputFiles
    if let log = o.log {
      let path = session.resolve(log.path)
      try checkWritable(path, shown: log.path, at: log.range)
      callbacks.append(CSVLogWriter(path: path, protecting: inputs))
    }
    if let cp = o.checkpoint {
      let dir = session.resolve(cp.path)
      try checkWritable(dir + "/" + TrainingCheckpoint.fileName, shown: cp.path, at: cp.range)
      callbacks.append(CheckpointWriter(directory: dir, stateful: early.map { [$0] } ?? [], protecting: inputs))
    }
    return early
  }

  /// Where `fit` starts: after the epochs of the checkpoint of resume=, when it has one (the
  /// model, its optimizer, the session's generator and `early` are put back as they were);
  /// and the model's epochs before this fit.
  func resumePoint(_ o: FitOptions, _ model: ModelRef, early: EarlyStopping?) throws -> (initialEpoch: Int, before: Int) {
    var before = model.history.epochs
    var initialEpoch = 0
    if let r = o.resume {
      do {
        if let cp = try CheckpointWriter.read(directory: session.resolve(r.path)) {
          guard cp.epochs == o.epochs else {
            throw Diagnostic.error("the checkpoint in \(r.path) is of a fit of \(cp.epochs) epochs, not \(o.epochs)", at: r.range)
          }
          let (epoch, generator) = try model.network.restore(cp, callbacks: early.map { [$0] } ?? [])
          session.rng.state = generator
          initialEpoch = epoch
          before = model.history.epochs - epoch
          output.progress(.note("resuming from \(r.path): epoch \(epoch)/\(o.epochs) done"))
        }
      } catch let d as Diagnostic { throw d } catch {
        throw Diagnostic.error("cannot resume from \(r.path): \(error)", at: r.range)
      }
    }
    return (initialEpoch, before)
  }

  /// After `fit`: the best epoch marked (early stopping that restored it), a Ctrl-C noted.
  func finishFit(_ o: FitOptions, _ model: ModelRef, _ history: History, early: EarlyStopping?, before: Int,
                 observer: FitObserver) {
    if let early, early.restoreBest, early.bestEpoch > 0 {
      model.network.markBestEpoch(before + early.bestEpoch)
    }
    if let stop = history.stopped {
      output.progress(.note("stopped by Ctrl-C in epoch \(stop.epoch)/\(o.epochs), batch \(stop.batch)/\(observer.batches); weights kept"
                             + (observer.aborted ? " (second Ctrl-C: validation skipped)" : "")))
    }
  }

  /// An output file of `fit` must be creatable before training starts: its directory is made
  /// (as `save` does) and must accept a new file; it may not be one of the session's inputs.
  func checkWritable(_ path: String, shown: String, at range: SourceRange) throws {
    do {
      try AtomicFile.checkWritable(path, displayPath: shown, protecting: session.inputFiles)
    } catch {
      throw Diagnostic.error("\(error)", at: range)
    }
  }

  /// An early-stopping monitor must be a value the fit will log.
  func checkMonitor(_ m: String, model: ModelRef, validation: Bool, at range: SourceRange) throws {
    let names = ["loss"] + (model.compiled?.metrics ?? [])
    let available = names + (validation ? names.map { "val_" + $0 } : [])
    guard available.contains(m) else {
      throw Diagnostic.unknown("early_stopping cannot monitor '\(m)'", m, in: available, at: range,
                               fallbackHint: "this fit logs: " + available.joined(separator: ", ")
                                 + (m.hasPrefix("val_") && !validation ? " (add validation= to get val_ values)" : ""))
    }
  }

  func evaluate(_ c: Command) throws {
    let model = try modelArg(c)
    if let s = try streamArg(c) { return try evaluateStream(c, model: model, stream: s) }
    if let graph = model.seq2seq { return try evaluateSeq2Seq(c, model, graph) }
    let args = arguments(c)
    let (x, y, _) = try data(c, model: model, needsTarget: true)
    guard let y else { return }
    let batch = try TableOptions.int(c, "batch", args) ?? 32
    let results: [(String, Double)]
    do { results = try model.network.evaluate(x: x, y: y, batchSize: batch) } catch {
      throw Diagnostic.error("\(error)", at: c.range)
    }
    show(results.map { "\($0.0): " + Format.metric($0.1) }.joined(separator: " - "))
  }

  func predict(_ c: Command) throws {
    let model = try modelArg(c)
    if let graph = model.seq2seq { return try predictSeq2Seq(c, model, graph) }
    if let o = c.option("beam") {
      throw Diagnostic.error("beam= is for encoder–decoder models", at: o.name.range)
    }
    if try predictTexts(c, model: model) { return }
    if let s = try streamArg(c) { return try predictStream(c, model: model, stream: s) }
    let args = arguments(c)
    var (x, y, classNames) = try data(c, model: model, needsTarget: false)
    x = try filledForPrediction(x, model: model, at: c.args.count > 1 ? c.args[1].range : c.range)
    let batch = try TableOptions.int(c, "batch", args) ?? 32
    let top = try TableOptions.int(c, "top", args)
    let out: Tensor
    do { out = try model.network.predict(x: x, batchSize: batch) } catch {
      throw Diagnostic.error("\(error)", at: c.range)
    }
    show(PredictionTable.render(out, truth: y, classNames: classNames, top: top,
                                         lossName: model.compiled?.loss, style: style))
  }

  func plot(_ c: Command) throws {
    let model = try modelArg(c)
    let log = try TableOptions.bool(c, "log", arguments(c)) ?? false
    var metric = "loss"
    if c.args.count > 1 {
      let e = c.args[1]
      if case .identifier("gradients") = e.kind { return try plotGradients(model, at: e.range) }
      if case .identifier("batches") = e.kind { return try plotBatches(model, log: log, at: e.range) }
      if case .identifier("lr") = e.kind, model.history["lr"] == nil {
        throw Diagnostic.error("model '\(model.name)' has no learning-rate history", at: e.range,
                               hint: "the rate is recorded when the optimizer has a schedule, e.g. adam(lr=cosine(0.003, epochs=50))")
      }
      guard case .identifier(let m) = e.kind else {
        throw Diagnostic.error("plot takes a metric name such as loss or accuracy", at: e.range)
      }
      let available = model.history.names.filter { !$0.hasPrefix("val_") }
      guard available.contains(m) else {
        throw Diagnostic.error("model '\(model.name)' has no history of '\(m)'", at: e.range,
                               hint: available.isEmpty ? "train it first: fit \(model.name) …"
                                 : "recorded: " + (available + ["gradients", "batches"]).joined(separator: ", "))
      }
      metric = m
    }
    guard model.history.epochs > 0 else {
      throw Diagnostic.error("model '\(model.name)' has not been trained yet", at: c.range,
                             hint: "fit \(model.name) DATA epochs=N, then plot it")
    }
    var series = [LineChart.Series(metric, model.history.series(metric))]
    let val = model.history.series("val_" + metric)
    if !val.isEmpty { series.append(LineChart.Series("val_" + metric, val)) }
    var chart = LineChart(title: "\(model.name): \(metric) per epoch" + (log ? " (log scale)" : ""),
                          series: series, width: 60, height: 15, logY: log)
    if let best = model.history.bestEpoch {
      chart.marker = (best - 1, "best epoch \(best) (weights restored)")
    } else if metric == "loss", let low = HealthText.lowest(model.history.series("val_loss")) {
      chart.marker = (low, "lowest val_loss: epoch \(low + 1)")
    }
    show(chart.render(style: style))
  }

  /// The features, targets and class names that a command's data arguments name.
  func data(_ c: Command, model: ModelRef, needsTarget: Bool) throws -> (Tensor, Tensor?, [String]?) {
    let rest = Array(c.args.dropFirst())
    guard let first = rest.first else { throw Diagnostic.error("'\(c.keyword.text)' needs data", at: c.range) }
    switch try evaluate(first) {
    case .dataset(let d):
      let x = try checkedFeatures(d.x, model, at: first.range)
      guard let y = d.y else {
        if needsTarget { throw Diagnostic.error("this dataset has no target column", at: first.range,
                                                hint: "load it with target=COLUMN") }
        return (x, nil, d.classNames)
      }
      return (x, try checkedTargets(y, model), d.classNames)
    case .tensor(let t):
      let x = try checkedFeatures(t, model, at: first.range)
      guard rest.count > 1 else {
        if needsTarget { throw Diagnostic.error("targets are missing", at: first.range, hint: "e.g. \(c.keyword.text) net x y") }
        return (x, nil, nil)
      }
      guard case .tensor(let yt) = try evaluate(rest[1]) else {
        throw Diagnostic.error("targets must be a tensor", at: rest[1].range)
      }
      guard yt.rank >= 1, yt.shape[0] == x.shape[0] else {
        let n = yt.rank == 0 ? 1 : yt.shape[0]
        throw Diagnostic.error("\(x.shape[0]) \(x.shape[0] == 1 ? "sample" : "samples") but \(n) \(n == 1 ? "target" : "targets")",
                               at: rest[1].range)
      }
      return (x, try checkedTargets(yt, model), nil)
    case let v:
      throw Diagnostic.error("'\(c.keyword.text)' needs a dataset or a tensor, not \(v.kindName)", at: first.range)
    }
  }

  /// Features shaped (N, input…); a flat list is one feature per sample for a 1-input model.
  func checkedFeatures(_ x: Tensor, _ model: ModelRef, at range: SourceRange) throws -> Tensor {
    let want = model.network.inputShape ?? []
    var x = x
    if x.rank == 1 && want == [1] { x = x.reshaped([x.count, 1]) }
    if x.rank >= 2 && Array(x.shape.dropFirst()) != want && x.shape.dropFirst().reduce(1, *) == want.reduce(1, *) {
      x = x.reshaped([x.shape[0]] + want)  // flat rows for an image model, e.g. 64 → 8x8x1
    }
    guard x.rank >= 2, Array(x.shape.dropFirst()) == want else {
      let got = x.rank >= 2 ? ValueFormat.shape(Array(x.shape.dropFirst())) : "a single sample"
      throw Diagnostic.error("model '\(model.name)' takes samples of shape \(ValueFormat.shape(want)), but these are \(got)",
                             at: range, hint: "change the model's input line to match the data")
    }
    return x
  }

  /// Targets shaped for the model's output: (N,) labels stay for sparse CE, else (N, units).
  func checkedTargets(_ y: Tensor, _ model: ModelRef) throws -> Tensor {
    let out = model.network.outputShape ?? []
    if y.rank == 1 && model.compiled?.loss != "sparse_categorical_crossentropy" && out == [1] {
      return y.reshaped([y.count, 1])
    }
    return y
  }
}
