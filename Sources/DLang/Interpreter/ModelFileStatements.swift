import Autograd
import NeuralNet
import TermPlot

/// `save MODEL "FILE.safetensors"` and `NAME = load "FILE.safetensors"`.
///
/// A model file is a safetensors file: one F32 tensor per parameter, named by the path users
/// see (`dense_1.weights`, `dense_1.bias`), and `__metadata__` with the keys of
/// `ModelFiles.Key`: the format version, the model block's source text (so `load` rebuilds the
/// network with the same builder as a script), the compile settings (so the loaded model can
/// `evaluate` at once) and the class names of its training data.
extension Interpreter {
  func saveModel(_ c: Command) throws {
    let model = try modelArg(c)
    guard c.args.count == 2, case .string(let path) = c.args[1].kind else {
      throw Diagnostic.error("save needs a model and a file name in quotes", at: c.range,
                             hint: "e.g. save net \"runs/net.safetensors\"")
    }
    let pathRange = c.args[1].range
    guard ModelFiles.hasModelExtension(path) else {
      throw Diagnostic.error("save writes safetensors files; the name must end in .safetensors", at: pathRange,
                             hint: "e.g. save \(model.name) \"\(ModelFiles.suggestedName(path))\"")
    }
    let bytes: [UInt8]
    do {
      bytes = try ModelFiles.encode(model)
    } catch let e as ModelFileError {
      throw Diagnostic.error(e.message, at: c.args[0].range, hint: e.hint)
    }
    do {
      try AtomicFile.write(bytes, to: session.resolve(path), displayPath: path,
                           protecting: session.inputFiles, createDirectories: true)
    } catch let e as FileError {
      throw Diagnostic.error(e.description, at: pathRange)
    }
    let tensors = model.network.parameters.count
    show("saved \(model.name) to \(path): \(tensors) \(tensors == 1 ? "tensor" : "tensors"), "
         + "\(Format.integer(model.network.parameterCount)) parameters, \(Format.integer(bytes.count)) bytes")
  }

  /// `NAME = load "FILE.safetensors"`: the model, rebuilt, with its weights and compile settings.
  func loadModel(_ c: Command, name: String, path: String, at range: SourceRange) throws -> Value {
    if let o = c.options.first {
      throw Diagnostic.error("a model file takes no options (\(o.name.text)= is for CSV files)", at: o.range)
    }
    let resolved = session.resolve(path)
    let bytes: [UInt8]
    do {
      // The header first: a file that is not a model file is refused before all of it is read.
      if let (first, size) = AtomicFile.prefix(resolved, count: 8) {
        let end = try SafeTensors.headerEnd(first8: first, fileSize: size)
        if let (header, _) = AtomicFile.prefix(resolved, count: end) {
          _ = try SafeTensors.parseHeader(header, fileSize: size)
        }
      }
      bytes = try AtomicFile.read(resolved, displayPath: path)
    } catch var e as FileError {
      if e.message == "no such file" { e.message += Suggest.didYouMean(path, in: siblingFiles(of: path)) }
      throw Diagnostic.error(e.description, at: range)
    } catch let e as SafeTensorsError {
      throw Diagnostic.error("\(path): \(e)", at: range)
    }
    let model: ModelRef, compileText: String?
    do {
      (model, compileText) = try ModelFiles.decode(bytes, name: name)
    } catch let e as SafeTensorsError {
      throw Diagnostic.error("\(path): \(e)", at: range)
    } catch let e as ModelFileError {
      throw Diagnostic.error("\(path): \(e.message)", at: range, hint: e.hint)
    }
    if let settings = compileText {
      let keyword = StatementTable.compile.name
      let program = Parser.parse(source: "\(keyword) \(name) " + settings)
      guard program.diagnostics.isEmpty, program.statements.count == 1,
            case .command(let command) = program.statements[0].kind, command.keyword.text == keyword else {
        throw Diagnostic.error("\(path): its compile settings '\(settings)' do not parse"
                               + (program.diagnostics.first.map { ": " + $0.message } ?? ""), at: range)
      }
      do {
        try compile(model, command)
      } catch let d as Diagnostic {
        throw Diagnostic.error("\(path): its compile settings '\(settings)' are not valid here: \(d.message)",
                               at: range)
      }
    }
    session.noteInput(resolved)
    let network = model.network
    var lines = ["\(name): model from \(path): \(network.layers.count) layers, "
                 + "\(Format.integer(network.parameterCount)) parameters, "
                 + (model.compiled.map { "compiled with " + $0.optionsText } ?? "not compiled")]
    if let classes = model.classNames, !classes.isEmpty {
      lines.append("  classes: " + classes.enumerated().map { "\($0.offset) → \($0.element)" }.joined(separator: ", "))
    }
    if let tokenizer = model.tokenizer { lines.append("  " + Interpreter.describe(tokenizer)) }
    if let pairs = model.pairVocabulary { lines.append("  " + Interpreter.describe(pairs)) }
    show(lines.joined(separator: "\n"))
    return .model(model)
  }

  /// After `fit MODEL DATASET`: the dataset's class names and tokenizer become the model's.
  func noteTrainingClasses(_ c: Command) {
    guard c.args.count >= 2, case .model(let model)? = try? evaluate(c.args[0]),
          case .dataset(let d)? = try? evaluate(c.args[1]) else { return }
    if let names = d.classNames { model.classNames = names }
    if let tokenizer = d.tokenizer { model.tokenizer = tokenizer }
    if let categories = d.categories { model.categories = categories }
    if let imputer = d.imputer { model.imputer = imputer }
  }
}

/// A model that cannot be saved, or a model file whose contents do not make a model.
struct ModelFileError: Error {
  var message: String
  var hint: String?
  init(_ message: String, hint: String? = nil) {
    self.message = message
    self.hint = hint
  }
}

/// The model-file format on top of the safetensors codec.
public enum ModelFiles {
  /// The `__metadata__` keys of a dl model file.
  public enum Key {
    /// The format version: `"1"`.
    public static let version = "dl.version"
    /// The `model NAME { … }` block, self-contained.
    public static let model = "dl.model"
    /// The compile options, e.g. `loss=mse optimizer=adam(lr=0.01) metrics=[mae]`; absent
    /// when the model was not compiled.
    public static let compile = "dl.compile"
    /// The class names (index → name) as a JSON list of strings; absent when unknown.
    public static let classes = "dl.classes"
    /// The tokenizer's settings, `length=40 pad=pre truncate=pre`; absent without one.
    public static let tokenizer = "dl.tokenizer"
    /// The tokenizer's words as a JSON list of strings, the first having id 2.
    public static let vocabulary = "dl.vocab"
    /// The one-hot encoding of categorical columns (`CategoryEncoding.text`); absent without one.
    public static let categories = "dl.categories"
    /// The missing-value fills (`Imputer.text`); absent without them.
    public static let imputer = "dl.imputer"
    /// An encoder–decoder's pair vocabulary settings (`PairVocabulary.settingsText`:
    /// `shared=true source_length=10 target_length=11`); absent without one.
    public static let pairs = "dl.pairs"
    /// Its source tokens (ids from 4) as a JSON list of strings: both sides' when shared.
    public static let sourceTokens = "dl.pairs.source"
    /// Its target tokens, when the sides have vocabularies of their own.
    public static let targetTokens = "dl.pairs.target"
  }

  /// The format version this dl writes and reads.
  public static let version = "1"

  /// Whether `path` ends in `.safetensors` (any case).
  static func hasModelExtension(_ path: String) -> Bool {
    path.lowercased().hasSuffix(".safetensors")
  }

  /// `net.safetensors` for `net.bin`, `net` or `net.safetensors`.
  static func suggestedName(_ path: String) -> String {
    let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
    let base = path[slash...]
    let stem = base.lastIndex(of: ".").map { base[..<$0] } ?? base
    return String(path[..<slash]) + (stem.isEmpty ? "model" : String(stem)) + ".safetensors"
  }

  /// Whether `path` is to be read as a model file: it ends in `.safetensors`, or it starts
  /// like one (a plausible header length, then `{`).
  static func isModelFile(_ path: String) -> Bool {
    if hasModelExtension(path) { return true }
    guard let (prefix, size) = AtomicFile.prefix(path, count: 9) else { return false }
    return SafeTensors.looksLikeSafeTensors(prefix: prefix, fileSize: size)
  }

  /// The header of the model file at `path`, when it can be read (the checker uses it to
  /// know what `load` will give). Nil for a missing or unreadable file.
  static func header(at path: String) -> SafeTensorsHeader? {
    guard let (first, size) = AtomicFile.prefix(path, count: 8),
          let end = try? SafeTensors.headerEnd(first8: first, fileSize: size),
          let (prefix, _) = AtomicFile.prefix(path, count: end) else { return nil }
    return try? SafeTensors.parseHeader(prefix, fileSize: size)
  }

  /// The bytes of `model`'s file. Throws when the model has no source or its source does not
  /// rebuild the same network on its own.
  static func encode(_ model: ModelRef) throws -> [UInt8] {
    guard let source = model.source else {
      throw ModelFileError("model '\(model.name)' was not declared by a model block, so there is no source to save")
    }
    let rebuilt: Model
    do {
      rebuilt = try build(source: source, name: model.name)
    } catch let e as ModelFileError {
      throw ModelFileError("model '\(model.name)' cannot be saved: its block does not build on its own (\(e.message))",
                           hint: "declare the layers with literal sizes and rates, e.g. dense 16 relu")
    }
    if signature(rebuilt) != signature(model.network) {
      throw ModelFileError("model '\(model.name)' cannot be saved: its block, rebuilt on its own, gives a different network",
                           hint: "declare the layers with literal sizes and rates, e.g. dense 16 relu")
    }
    var metadata = [Key.version: version, Key.model: source]
    if let c = model.compiled { metadata[Key.compile] = c.optionsText }
    if let classes = model.classNames { metadata[Key.classes] = JSONStringList.encode(classes) }
    if let t = model.tokenizer {
      metadata[Key.tokenizer] = t.settingsText
      metadata[Key.vocabulary] = JSONStringList.encode(t.words)
    }
    if let e = model.categories { metadata[Key.categories] = e.text }
    if let i = model.imputer { metadata[Key.imputer] = i.text }
    if let v = model.pairVocabulary {
      metadata[Key.pairs] = v.settingsText
      metadata[Key.sourceTokens] = JSONStringList.encode(v.sourceTokens)
      if !v.shared { metadata[Key.targetTokens] = JSONStringList.encode(v.targetTokens) }
    }
    let tensors = model.network.parameters.map {
      (name: $0.layer + "." + $0.parameter.name, tensor: $0.parameter.variable.value)
    }
    do {
      return try SafeTensors.encode(tensors, metadata: metadata)
    } catch let e as SafeTensorsError {
      throw ModelFileError("model '\(model.name)' cannot be saved: \(e)")
    }
  }

  /// The model in a file's bytes, named `name`: rebuilt from its source, its weights set
  /// from the tensors (which must match the parameters exactly); and the file's compile
  /// options, for the caller to apply.
  static func decode(_ bytes: [UInt8], name: String) throws -> (ModelRef, compile: String?) {
    let file = try SafeTensors.decode(bytes)
    let meta = file.metadata
    guard let v = meta[Key.version] else {
      throw ModelFileError("not a dl model file: its metadata has no \(Key.version) key",
                           hint: "dl loads the .safetensors files that `save` writes: they hold the model's layers as well as its tensors")
    }
    guard v == version else {
      throw ModelFileError("model file format \(v) is not one this dl reads (it reads format \(version))")
    }
    guard let source = meta[Key.model] else {
      throw ModelFileError("its metadata has no \(Key.model) key (the model's layers)")
    }
    let (network, graph) = try buildGraph(source: source, name: name)
    var expected = Set<String>()
    for (layer, p) in network.parameters {
      let tensorName = layer + "." + p.name
      expected.insert(tensorName)
      guard let t = file.tensor(named: tensorName) else {
        throw ModelFileError("tensor '\(tensorName)' is missing: the model's \(layer) needs it")
      }
      guard t.shape == p.variable.shape else {
        throw ModelFileError("tensor '\(tensorName)' has shape \(t.shape.kerasShape), but the model's \(tensorName) is \(p.variable.shape.kerasShape)")
      }
      p.variable.value = t
    }
    if let extra = file.tensors.first(where: { !expected.contains($0.name) }) {
      throw ModelFileError("tensor '\(extra.name)' belongs to no parameter of the model")
    }
    let model = ModelRef(name: name, network: network, source: source)
    model.seq2seq = graph
    model.pairVocabulary = try pairVocabulary(meta)
    if let v = model.pairVocabulary, let graph,
       v.sourceLength != graph.sourceLength || v.targetLength != graph.targetLength {
      throw ModelFileError("its vocabulary reads sources of \(v.sourceLength) and targets of \(v.targetLength) ids, "
                           + "but its encoder and decoder read \(graph.sourceLength) and \(graph.targetLength ?? 0)")
    }
    if let text = meta[Key.classes] {
      do { model.classNames = try JSONStringList.decode(text) } catch let e as SafeTensorsError {
        throw ModelFileError("its \(Key.classes) metadata is not a list of strings (\(e))")
      }
    }
    model.tokenizer = try tokenizer(meta)
    if let text = meta[Key.categories] {
      guard let e = CategoryEncoding(text: text) else {
        throw ModelFileError("its \(Key.categories) metadata is not a category encoding")
      }
      model.categories = e
    }
    if let text = meta[Key.imputer] {
      guard let i = Imputer(text: text) else {
        throw ModelFileError("its \(Key.imputer) metadata is not a list of fill values")
      }
      model.imputer = i
    }
    return (model, meta[Key.compile])
  }

  /// The tokenizer of a file's metadata (both keys, or neither).
  static func tokenizer(_ meta: [String: String]) throws -> Tokenizer? {
    switch (meta[Key.tokenizer], meta[Key.vocabulary]) {
    case (nil, nil): return nil
    case (let settings?, let vocabulary?):
      let words: [String]
      do { words = try JSONStringList.decode(vocabulary) } catch let e as SafeTensorsError {
        throw ModelFileError("its \(Key.vocabulary) metadata is not a list of strings (\(e))")
      }
      do { return try Tokenizer(settingsText: settings, words: words) } catch let e as DataError {
        throw ModelFileError("its tokenizer metadata is not valid: \(e.message)")
      }
    default:
      throw ModelFileError("its metadata has only one of \(Key.tokenizer) and \(Key.vocabulary); a tokenizer needs both")
    }
  }

  /// The pair vocabulary of a file's metadata (settings and tokens, or neither).
  static func pairVocabulary(_ meta: [String: String]) throws -> PairVocabulary? {
    guard let settings = meta[Key.pairs] else {
      if meta[Key.sourceTokens] != nil || meta[Key.targetTokens] != nil {
        throw ModelFileError("its metadata has pair tokens but no \(Key.pairs) settings")
      }
      return nil
    }
    func list(_ key: String) throws -> [String] {
      guard let text = meta[key] else { return [] }
      do { return try JSONStringList.decode(text) } catch let e as SafeTensorsError {
        throw ModelFileError("its \(key) metadata is not a list of strings (\(e))")
      }
    }
    guard meta[Key.sourceTokens] != nil else {
      throw ModelFileError("its metadata has \(Key.pairs) but no \(Key.sourceTokens) (the tokens)")
    }
    do {
      return try PairVocabulary(settingsText: settings, sourceTokens: try list(Key.sourceTokens),
                                targetTokens: try list(Key.targetTokens))
    } catch let e as DataError {
      throw ModelFileError("its pair vocabulary is not valid: \(e.message)")
    }
  }

  /// The network of a stored `model` block, built without any session values.
  static func build(source: String, name: String) throws -> Model {
    try buildGraph(source: source, name: name).0
  }

  /// `build`, with the encoder–decoder graph of a block with `encoder { }` and `decoder { }`.
  static func buildGraph(source: String, name: String) throws -> (Model, Seq2SeqGraph?) {
    var rng = SeededRandom(seed: 0)  // the weights are replaced by the file's
    return try buildGraph(source: source, name: name, rng: &rng)
  }

  /// `build`, its initial weights drawn from `rng` (the fresh copies of `crossval`).
  static func build(source: String, name: String, rng: inout SeededRandom) throws -> Model {
    try buildGraph(source: source, name: name, rng: &rng).0
  }

  /// `buildGraph`, its initial weights drawn from `rng`.
  static func buildGraph(source: String, name: String, rng: inout SeededRandom) throws -> (Model, Seq2SeqGraph?) {
    let program = Parser.parse(source: source)
    if let d = program.diagnostics.first(where: { $0.severity == .error }) {
      throw ModelFileError("its model block does not parse: line \(d.range.start): \(d.message)")
    }
    guard program.statements.count == 1, case .model(_, let layers) = program.statements[0].kind else {
      throw ModelFileError("its \(Key.model) metadata is not one model block")
    }
    let blank = Session(output: RecordingOutput())
    let evaluator = Evaluator(session: blank)
    var builder = ModelBuilder(name: name, evaluate: { try evaluator.evaluate($0) })
    do {
      for decl in layers { try builder.add(decl) }
      try builder.finishSeq2Seq(at: program.statements[0].range)
    } catch let d as Diagnostic {
      throw ModelFileError("the model stored in it does not build: line \(d.range.start): \(d.message)")
    }
    guard let network = builder.network else {
      throw ModelFileError("the model stored in it has no input layer")
    }
    do { try network.build(rng: &rng) } catch {
      throw ModelFileError("the model stored in it does not build: \(error)")
    }
    return (network, builder.seq2seq)
  }

  /// What must agree between a network and its rebuilt copy: shapes, layer kinds, parameters.
  static func signature(_ n: Model) -> [String] {
    var parts = ["input \(n.inputShape ?? [])"]
    for (i, layer) in n.layers.enumerated() {
      let output = i < n.layerOutputShapes.count ? n.layerOutputShapes[i] : []
      parts.append("\(layer.name) \(layer.typeName) \(output) \(layer.config.sorted { $0.key < $1.key })")
      for p in layer.parameters { parts.append("\(layer.name).\(p.name) \(p.variable.shape) \(p.trainable)") }
    }
    return parts
  }
}

/// The text of a `model` block as a model file stores it.
enum ModelSource {
  /// The block exactly as written, when it reads no session values; otherwise the block
  /// re-rendered one layer per line (inside its `encoder { }` or `decoder { }`) with each
  /// such value written out (`dense n relu` with
  /// `n = 16` becomes `dense 16 relu`). Names the layer tables know (`relu`, `he_normal`)
  /// are kept as written.
  static func selfContained(name: String, layers: [LayerDecl], range: SourceRange, source: String,
                            session: Session) -> String {
    // `name=hidden` names the layer: the word is never a value, even when a variable has it.
    let exprs = layers.flatMap { $0.args + $0.options.filter { $0.name.text != "name" }.map(\.value) }
    if !exprs.contains(where: { readsSession($0, session) }) {
      return SourceText.slice(source, range)
    }
    var lines = ["model \(name) {"]
    var section: String?
    for decl in layers {
      if decl.section != section {
        if section != nil { lines.append("  }") }
        if let s = decl.section { lines.append("  \(s) {") }
        section = decl.section
      }
      var parts = [decl.kind.text]
      parts += decl.args.map { render($0, source: source, session: session) }
      parts += decl.options.map {
        $0.name.text + "=" + ($0.name.text == "name" ? SourceText.slice(source, $0.value.range)
                                : render($0.value, source: source, session: session))
      }
      lines.append((section == nil ? "  " : "    ") + parts.joined(separator: " "))
    }
    if section != nil { lines.append("  }") }
    lines.append("}")
    return lines.joined(separator: "\n")
  }

  /// Names that layer lines use as words, never as values.
  static var tableWords: Set<String> {
    Set(Activation.allNames + Initializer.allNames + LayerTable.names + LayerTable.optionWords)
  }

  /// Whether `e` reads a value bound in the session.
  static func readsSession(_ e: Expr, _ session: Session) -> Bool {
    switch e.kind {
    case .identifier(let n): return !tableWords.contains(n) && session.value(named: n) != nil
    case .list(let items): return items.contains { readsSession($0, session) }
    case .member(let base, _): return readsSession(base, session)
    case .index(let b, let i): return readsSession(b, session) || readsSession(i, session)
    case .unary(_, let x): return readsSession(x, session)
    case .binary(_, let l, let r): return readsSession(l, session) || readsSession(r, session)
    case .call(_, let args, let options):
      return args.contains { readsSession($0, session) } || options.contains { readsSession($0.value, session) }
    case .apply(let base, let args): return readsSession(base, session) || args.contains { readsSession($0, session) }
    default: return false
    }
  }

  /// `e` as text: as written when it reads no session value, else its number or string.
  static func render(_ e: Expr, source: String, session: Session) -> String {
    let written = SourceText.slice(source, e.range)
    guard readsSession(e, session), let v = try? Evaluator(session: session).evaluate(e) else { return written }
    switch v {
    case .number(let x): return ValueFormat.number(x)
    case .tensor(let t) where t.rank == 0 || t.count == 1: return ValueFormat.number(Double(t.scalar))
    case .string(let s): return quoted(s)
    case .bool(let b): return b ? "true" : "false"
    default: return written
    }
  }

  /// A string literal of the language for `s` (escapes \" \\ \n \t).
  static func quoted(_ s: String) -> String {
    var out = "\""
    for ch in s {
      switch ch {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      default: out.append(ch)
      }
    }
    return out + "\""
  }
}
