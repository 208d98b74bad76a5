import Autograd
import NeuralNet
import TermPlot

/// `load … source= target=`, and `fit`, `evaluate`, `predict` and `show MODEL.attention` on an
/// encoder–decoder model (a model block with `encoder { }` and `decoder { }`).
extension Interpreter {
  /// `load "PAIRS.csv" source=COLUMN target=COLUMN [shared=false]`.
  func loadPairs(_ c: Command, source: Option, target: TargetSpec, path: String, text: Bool) throws -> (Dataset, LoadReport) {
    if text, let o = c.option("text") {
      throw Diagnostic.error("text= loads one column of texts; source= and target= load pairs of sequences: give one or the other",
                             at: o.name.range)
    }
    let src: String
    switch source.value.kind {
    case .identifier(let s), .string(let s): src = s
    default: throw Diagnostic.error("source is a column name", at: source.value.range)
    }
    guard case .named(let tgt) = target else {
      throw Diagnostic.error("source= needs target=COLUMN, the column of target sequences", at: source.name.range,
                             hint: "e.g. load \"pairs.csv\" source=src target=tgt")
    }
    let shared = try TableOptions.bool(c, "shared", arguments(c)) ?? true
    return try CSVLoader.loadPairs(path: path, source: src, target: tgt, shared: shared)
  }

  /// `pairs: 14 ids (0 <pad>, 1 <unk>, 2 <s>, 3 </s>, 10 tokens, shared), sources of 10, targets of 11 with </s>`.
  static func describe(_ v: PairVocabulary) -> String {
    let ids = v.shared ? "\(plural(v.sourceVocabularySize, "id")) shared by both sides"
      : "\(plural(v.sourceVocabularySize, "source id")), \(plural(v.targetVocabularySize, "target id"))"
    return "pairs: \(ids) (0 <pad>, 1 <unk>, 2 <s>, 3 </s>, then the tokens); sources of \(v.sourceLength) ids, "
      + "targets of \(v.targetLength) (</s> included), padded at the end"
  }

  /// The sources, targets and vocabulary of a command's dataset argument, checked against the
  /// encoder–decoder `graph`.
  func pairData(_ c: Command, _ model: ModelRef, _ graph: Seq2SeqGraph) throws -> (Tensor, Tensor, PairVocabulary) {
    guard let e = c.args.dropFirst().first else { throw Diagnostic.error("'\(c.keyword.text)' needs data", at: c.range) }
    guard case .dataset(let d) = try evaluate(e), let vocab = d.pairVocabulary, let y = d.y else {
      throw Diagnostic.error("\(model.name) is an encoder–decoder: '\(c.keyword.text)' needs a dataset of sequence pairs",
                             at: e.range, hint: "load one with load \"pairs.csv\" source=COLUMN target=COLUMN")
    }
    guard d.x.shape.count == 2, d.x.shape[1] == graph.sourceLength else {
      throw Diagnostic.error("the encoder reads sources of \(graph.sourceLength) tokens but these have \(d.x.shape.last ?? 0)",
                             at: e.range, hint: "start the encoder with input \(d.x.shape.last ?? 0)")
    }
    let tt = graph.targetLength ?? 0
    guard y.shape.count == 2, y.shape[1] == tt else {
      throw Diagnostic.error("the decoder reads targets of \(tt) tokens (the end token included) but these have "
                             + "\(y.shape.last ?? 0)", at: e.range, hint: "start the decoder with input \(y.shape.last ?? 0)")
    }
    if let known = model.pairVocabulary, known != vocab {
      throw Diagnostic.error("these pairs were loaded with another vocabulary than the one \(model.name) was trained on",
                             at: e.range, hint: "split one loaded file into the parts you train and test on")
    }
    return (d.x, y, vocab)
  }

  /// `fit` on an encoder–decoder: the decoder reads the target shifted right behind the start
  /// token. With teacher_forcing below 1, the decoder inputs are remade before every epoch:
  /// each step's input is the true previous token with that probability, else the token the
  /// model (as it is at the start of the epoch, fed the true prefix) predicts there.
  /// early_stopping=, log=, checkpoint= and resume= work as for a plain model.
  func fitSeq2Seq(_ c: Command, _ model: ModelRef, _ graph: Seq2SeqGraph) throws {
    let (x, y, vocab) = try pairData(c, model, graph)
    var errors: [Diagnostic] = []
    let o = FitOptions.read(c, arguments(c), errors: &errors)
    if let e = errors.first { throw e }
    for name in ["class_weight", "augment", "health"] {
      if let opt = c.option(name) {
        throw Diagnostic.error("\(name)= is not available for an encoder–decoder model", at: opt.name.range)
      }
    }
    if let e = o.validationExpr {
      throw Diagnostic.error("an encoder–decoder takes a validation fraction, e.g. validation=0.1", at: e.range)
    }
    let schedule = try TeacherForcing.read(c, arguments(c)) ?? .constant(1)
    let observer = FitObserver(output: output, epochs: o.epochs, verbose: o.verbose, interrupt: session.interruptLevel)
    var callbacks: [Callback] = [observer, BatchLossRecorder(model)]
    let early = try addFitCallbacks(c, o, model, hasValidation: o.validationFraction != nil, to: &callbacks)
    let (initialEpoch, before) = try resumePoint(o, model, early: early)
    model.pairVocabulary = vocab  // a new vocabulary replaces the old one (fit on other pairs)
    let note: (String) -> Void = { [output] in output.progress(.note($0)) }
    let truth = PairVocabulary.decoderInput(y)
    model.lastFit = FitRecord(x: x, y: y, batch: o.batch, epochs: o.epochs, shuffle: o.shuffle,
                              validation: o.validationFraction.map { .fraction($0) } ?? .none,
                              teacherForcing: schedule.probability(epoch: o.epochs - 1, of: o.epochs),
                              earlyStopping: early)
    var remake: NamedEpochInputs?
    if schedule != .constant(1) {
      let epochs = o.epochs
      remake = { epoch, rng in
        let p = schedule.probability(epoch: epoch, of: epochs)
        return [Seq2SeqGraph.decoderInput: try graph.scheduledInputs(x, truth, probability: p, rng: &rng)]
      }
    }
    let history: History
    do {
      history = try model.network.fit(inputs: [Seq2SeqGraph.sourceInput: x, Seq2SeqGraph.decoderInput: truth], y: y,
                                      epochs: o.epochs, batchSize: o.batch, validationFraction: o.validationFraction,
                                      shuffle: o.shuffle, callbacks: callbacks, initialEpoch: initialEpoch,
                                      rng: &session.rng, epochInputs: remake, note: note)
    } catch let d as Diagnostic { throw d } catch {
      throw Diagnostic.error("\(error)", at: c.range)
    }
    finishFit(o, model, history, early: early, before: before, observer: observer)
  }

  /// `evaluate` on an encoder–decoder: the loss and per-token metrics with the true previous
  /// tokens (teacher forcing), then `exact`, the fraction of samples decoded greedily to
  /// exactly their target.
  func evaluateSeq2Seq(_ c: Command, _ model: ModelRef, _ graph: Seq2SeqGraph) throws {
    let (x, y, _) = try pairData(c, model, graph)
    let batch = try TableOptions.int(c, "batch", arguments(c)) ?? 32
    var results: [(String, Double)]
    let decoded: [[Int]]
    do {
      results = try model.network.evaluate(inputs: [Seq2SeqGraph.sourceInput: x,
                                                    Seq2SeqGraph.decoderInput: PairVocabulary.decoderInput(y)],
                                           y: y, batchSize: batch)
      decoded = try graph.greedy(x, batchSize: Swift.max(batch, 64))
      results.append(("exact", Seq2SeqGraph.exactMatch(decoded, targets: y)))
    } catch let d as Diagnostic { throw d } catch {
      throw Diagnostic.error("\(error)", at: c.range)
    }
    show(results.map { "\($0.0): " + Format.metric($0.1) }.joined(separator: " - "))
    show(Interpreter.exactByLength(decoded, x, y))
  }

  /// `exact by source length: 4 tokens 1.000 (52) · 5 tokens …`: where whole-sequence
  /// accuracy is lost.
  static func exactByLength(_ decoded: [[Int]], _ x: Tensor, _ y: Tensor) -> String {
    let n = y.shape[0], ts = x.count / Swift.max(n, 1), tt = y.count / Swift.max(n, 1)
    var byLength: [Int: (hits: Int, count: Int)] = [:]
    for i in 0..<n {
      let length = (0..<ts).filter { x.data[i * ts + $0] != 0 }.count
      let truth = PairVocabulary.content((0..<tt).map { Int(y.data[i * tt + $0]) })
      let hit = PairVocabulary.content(decoded[i]) == truth ? 1 : 0
      let old = byLength[length] ?? (0, 0)
      byLength[length] = (old.hits + hit, old.count + 1)
    }
    let parts = byLength.keys.sorted().map { k -> String in
      let v = byLength[k] ?? (0, 1)
      return "\(k): " + Format.metric(Double(v.hits) / Double(v.count)) + " (\(v.count))"
    }
    return "exact by source length: " + parts.joined(separator: ", ")
  }

  /// `predict` on an encoder–decoder: decodes greedily (or with `beam=K`) and shows source,
  /// prediction and target side by side; raw strings are read with the model's vocabulary.
  func predictSeq2Seq(_ c: Command, _ model: ModelRef, _ graph: Seq2SeqGraph) throws {
    guard let e = c.args.dropFirst().first else { throw Diagnostic.error("predict needs data", at: c.range) }
    let args = arguments(c)
    let beam = try TableOptions.int(c, "beam", args) ?? 1
    let limit = try TableOptions.int(c, "top", args)
    var x: Tensor, y: Tensor?, vocab: PairVocabulary
    if let texts = try stringList(e) {
      guard let v = model.pairVocabulary else {
        throw Diagnostic.error("model '\(model.name)' has no vocabulary yet, so it cannot read texts", at: e.range,
                               hint: "train it on pairs loaded with load \"pairs.csv\" source=COLUMN target=COLUMN")
      }
      vocab = v
      x = v.encodeSources(texts)
      guard v.sourceLength == graph.sourceLength else {
        throw Diagnostic.error("the vocabulary's sources have \(v.sourceLength) ids but the encoder reads \(graph.sourceLength)",
                               at: e.range)
      }
    } else {
      (x, y, vocab) = try pairData(c, model, graph)
    }
    let n = Swift.min(x.shape[0], limit ?? 20)
    let ts = graph.sourceLength
    x = Tensor(shape: [n, ts], data: Array(x.data.prefix(n * ts)))
    let decoded: [[Int]]
    do { decoded = try graph.beam(x, width: beam).map(\.tokens) } catch {
      throw Diagnostic.error("\(error)", at: c.range)
    }
    var rows: [[String]] = []
    var hits = 0
    for i in 0..<n {
      let src = vocab.sourceText((0..<ts).map { Int(x.data[i * ts + $0]) })
      let pred = vocab.targetText(decoded[i])
      var row = [src, pred]
      if let y {
        let tt = y.count / y.shape[0]
        let ids = (0..<tt).map { Int(y.data[i * tt + $0]) }
        let ok = PairVocabulary.content(decoded[i]) == PairVocabulary.content(ids)
        if ok { hits += 1 }
        row += [vocab.targetText(ids), ok ? "✓" : "✗"]
      }
      rows.append(row)
    }
    let headers = ["source", beam > 1 ? "prediction (beam \(beam))" : "prediction"] + (y != nil ? ["target", ""] : [])
    let footer = y != nil ? ["\(hits) of \(n) exact"] : []
    show(Table(headers: headers, rows: rows, footer: footer).render(style: style))
  }

  /// The strings of a string or a list of strings; nil for anything else.
  private func stringList(_ e: Expr) throws -> [String]? {
    switch try evaluate(e) {
    case .string(let s): return [s]
    case .list(let items):
      var out: [String] = []
      for item in items {
        guard case .string(let s) = item else { return nil }
        out.append(s)
      }
      return out
    default: return nil
    }
  }

  /// `show MODEL.attention SAMPLE`: the sample is decoded greedily; the attention weights of
  /// each predicted token over the source tokens, as a source × target heatmap.
  func showAttention(_ c: Command, _ model: ModelRef, _ graph: Seq2SeqGraph) throws {
    guard c.args.count == 2 else {
      throw Diagnostic.error("show \(model.name).attention needs one sample, e.g. show \(model.name).attention test[0]",
                             at: c.range)
    }
    guard graph.attentionLayer != nil else {
      throw Diagnostic.error("model '\(model.name)' has no attention layer", at: c.args[0].range)
    }
    let e = c.args[1]
    var source: Tensor
    switch try evaluate(e) {
    case .tensor(let t): source = t
    case .string(let s):
      guard let v = model.pairVocabulary else {
        throw Diagnostic.error("model '\(model.name)' has no vocabulary yet, so it cannot read texts", at: e.range)
      }
      source = v.encodeSources([s])
    case let v: throw Diagnostic.error("show \(model.name).attention needs a sample (a row such as test[0]) or a string, not \(v.kindName)", at: e.range)
    }
    let ts = graph.sourceLength
    guard source.count == ts else {
      throw Diagnostic.error("a source has \(ts) token ids, this sample has \(source.count)", at: e.range)
    }
    source = source.reshaped([1, ts])
    guard let vocab = model.pairVocabulary else {
      throw Diagnostic.error("model '\(model.name)' has not been trained on pairs yet", at: c.args[0].range)
    }
    let tokens: [Int]
    do {
      try graph.checkSource(source)
      tokens = try graph.greedy(source)[0]
    } catch {
      throw Diagnostic.error("\(error)", at: e.range)
    }
    let tt = graph.targetLength ?? 0
    var dec = Tensor.zeros([tt])
    dec.data[0] = Float(PairVocabulary.startID)
    for (j, t) in tokens.enumerated() where j + 1 < tt { dec.data[j + 1] = Float(t) }
    guard let w = graph.attentionWeights(source: source, decoderInput: dec) else { return }
    let positions = (0..<ts).filter { source.data[$0] != 0 }  // the real (unpadded) source steps
    let srcIDs = positions.map { Int(source.data[$0]) }
    let steps = tokens.count
    // Rows: source tokens; columns: the predicted tokens (</s> included).
    let values = positions.map { s in (0..<steps).map { t in Double(w.data[t * ts + s]) } }
    let map = Heatmap(values: values, rowLabels: srcIDs.map(vocab.sourceToken),
                      columnLabels: tokens.map(vocab.targetToken), rowTitle: "source", columnTitle: "prediction",
                      title: "\(model.name).\(graph.attentionLayer ?? "attention") on \(vocab.sourceText(srcIDs)) → "
                        + vocab.targetText(tokens), cellWidth: 3)
    show(map.render(style: style))
  }
}

/// `teacher_forcing=P` or `teacher_forcing=linear(FROM, TO)`: the probability that the decoder
/// is fed the true previous token (rather than its own prediction) during an epoch.
enum TeacherForcing: Equatable {
  case constant(Double)
  /// From `from` at the first epoch to `to` at the last, in a straight line.
  case linear(Double, Double)

  /// The probability in epoch `epoch` (0-based) of `epochs`.
  func probability(epoch: Int, of epochs: Int) -> Double {
    switch self {
    case .constant(let p): return p
    case .linear(let a, let b):
      return epochs <= 1 ? a : a + (b - a) * Double(epoch) / Double(epochs - 1)
    }
  }

  /// The option's value; nil when absent or not known yet.
  static func read(_ c: Command, _ args: Arguments) throws -> TeacherForcing? {
    guard let o = c.option("teacher_forcing") else { return nil }
    let e = o.value
    if case .call(let name, let positional, let options) = e.kind {
      guard name.text == "linear", positional.count == 2, options.isEmpty else {
        throw Diagnostic.error("teacher_forcing takes a probability such as 0.5, or linear(FROM, TO)", at: e.range,
                               hint: "e.g. teacher_forcing=linear(1.0, 0.2)")
      }
      guard let a = try args.number(positional[0], what: "the first teacher-forcing probability", lo: 0, hi: 1),
            let b = try args.number(positional[1], what: "the last teacher-forcing probability", lo: 0, hi: 1) else { return nil }
      return .linear(a, b)
    }
    guard let p = try args.number(e, what: "the teacher-forcing probability", lo: 0, hi: 1) else { return nil }
    return .constant(p)
  }
}
