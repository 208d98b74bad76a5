// Rows of the statement table: the statements that look inside a trained model — show (a
// sample, a layer's output for a sample, a layer's kernel, as heatmaps) and confusion (the
// confusion matrix and scikit-learn's classification report). Their run functions are in
// Interpreter/ShowStatement.swift and Interpreter/ConfusionStatement.swift; the shapes and
// messages both the checker and the interpreter use are in Semantics/ShowTargets.swift.

import NeuralNet

extension StatementTable {
  static let show = StatementRow(
    "show", synopsis: "show SAMPLE  or  show MODEL.LAYER SAMPLE  or  show MODEL.LAYER.kernel  or several, separated by ',', before one SAMPLE  or  show augment(SAMPLE, N[, [STEP, ...]]) [scale=per_map|shared] [units=N]",
    summary: "Draw a sample as a heatmap, a layer's output for a sample (a grid of feature maps, a strip for a dense layer, or for a recurrent layer its input, gates and states as heat strips over the time steps) or a layer's kernel (its filters); several side by side; augment(SAMPLE, N) draws an image and N augmented copies (the steps given, else those of the last fit augment=).",
    example: "show net.dense_1 test[0]",
    arguments: [.expressions(1...Int.max, what: "a sample, a layer or a kernel", suchAs: "test[0]")],
    options: [
      OptionSpec("scale", "per_map|shared",
                 "shade each map from its own minimum to its maximum (per_map, the default), or all maps on one scale",
                 values: .words(ShowTargets.scaleNames), example: "scale=shared"),
      OptionSpec("units", "N",
                 "for a recurrent layer: how many units of each gate and state to draw (the first N; 8 by default)",
                 example: "units=16", kind: .int(min: 1, max: 4096)),
    ],
    syntax: .command { (p: inout Parser) throws(ParseAbort) in try p.parseShowStatement() },
    role: .command(check: { checker, c in try checker.checkShow(c) },
                   run: { try $0.showPictures($1) }))

  static let confusion = StatementRow(
    "confusion", synopsis: "confusion MODEL DATA|X Y [batch=N]",
    summary: "Print the confusion matrix of a classifier's predictions (the diagonal marked) and per-class precision, recall, F1 and support with macro and weighted averages.",
    example: "confusion net test",
    arguments: [.model, .expressions(1...2, what: "labelled data")],
    options: [
      OptionSpec("batch", "N", "samples per forward pass", example: "batch=64",
                 kind: .int(min: 1, max: 1 << 24)),
    ],
    role: .command(check: { checker, c in try checker.checkConfusion(c) },
                   run: { try $0.confusion($1) }))
}

extension Parser {
  /// show_stmt = "show" , expression , { "," , expression } , [ expression ] , { option } ;
  mutating func parseShowStatement() throws(ParseAbort) -> Command {
    let keyword = name(advance())
    let example = "example: show test[0], show cnn.conv2d_1 test[0] or show cnn.conv2d_1.kernel"
    guard startsExpression(peek) && !atOption else {
      throw failAt(peek, "expected a sample, a layer or a kernel after 'show'", hint: example)
    }
    var args = [try parseExpression()]
    while match(",") {
      guard startsExpression(peek) && !atOption else {
        throw failAt(peek, "expected a layer, a kernel or a sample after ','", hint: example)
      }
      args.append(try parseExpression())
    }
    // The sample the layers before it are run on, written last without a comma.
    if startsExpression(peek) && !atOption { args.append(try parseExpression()) }
    let options = try parseOptions(keyword, spec: Statements.spec(keyword.text))
    if startsExpression(peek) {
      throw failAt(peek, "separate the layers to show with ',' and write the one sample last",
                   hint: "example: show a.maxpool_1, b.avgpool_1 img")
    }
    return command(keyword, args, options)
  }
}

extension Checker {
  /// `show …`: every value a sample, a layer of a known model or one of its parameters; a
  /// layer needs the sample after it, of the shape its model takes (when both are known).
  mutating func checkShow(_ c: Command) throws {
    if let first = c.args.first, let call = try AugmentCall.parse(first) { return try checkShowAugment(c, call) }
    var layers: [(model: String, network: Model?)] = []
    for (i, e) in c.args.enumerated() {
      let isSample = i == c.args.count - 1 && !layers.isEmpty
      switch try showTarget(e) {
      case .layer(let model, let network):
        if isSample { throw ShowTargets.layerAsSample(at: e.range) }
        layers.append((model, network))
      case .parameter:
        if isSample { throw ShowTargets.layerAsSample(at: e.range) }
      case .sample(let shape):
        guard isSample, let shape else { break }
        for layer in layers {
          guard let input = layer.network?.inputShape else { continue }
          if let d = ShowTargets.misfit(shape, model: layer.model, input: input, at: e.range) { throw d }
        }
      }
    }
    if !layers.isEmpty && c.args.count < 2 {
      throw ShowTargets.missingSample(c.args[0], at: c.range)
    }
    if let o = c.option("scale") { _ = try arguments(c).choice(o.value, what: "scale", in: ShowTargets.scaleNames) }
  }

  /// What a value of `show` is, as far as it can be told before running.
  enum ShowTarget {
    case layer(model: String, Model?)
    case parameter
    /// A sample, with its shape when known.
    case sample([Int]?)
  }

  func showTarget(_ e: Expr) throws -> ShowTarget {
    try requireNames(e)
    if case .member(let base, let parameter) = e.kind, case .member(let m, let layer) = base.kind,
       case .identifier(let model) = m.kind, kinds[model]?.isModel == true {
      if let net = networks[model] {
        try ShowTargets.requireLayer(layer, of: model, in: net.layers.map(\.name))
        let names = net.nodes.first { $0.layer.name == layer.text }?.parameterSpecs.map(\.name) ?? []
        try ShowTargets.requireParameter(parameter, of: layer.text, model: model, in: names)
      }
      return .parameter
    }
    if case .member(let m, let layer) = e.kind, case .identifier(let model) = m.kind,
       kinds[model]?.isModel == true, layer.text != "history" {
      if let net = networks[model] { try ShowTargets.requireLayer(layer, of: model, in: net.layers.map(\.name)) }
      return .layer(model: model, networks[model])
    }
    let k = try kind(of: e)
    switch k {
    case .model:
      throw ShowTargets.wholeModel(exprText(e), layers: networks[exprText(e)]?.layers.map(\.name), at: e.range)
    case .dataset: throw ShowTargets.wholeDataset(e, at: e.range)
    case .number, .string, .bool, .list, .layer:
      throw ShowTargets.notDrawable(k.description, at: e.range)
    default: break
    }
    let shape = try showSampleShape(e)
    if let shape, let d = ShowTargets.undrawable(shape, at: e.range) { throw d }
    return .sample(shape)
  }

  /// The shape of a sample written as a name, a literal, or one row of a tensor or dataset.
  func showSampleShape(_ e: Expr) throws -> [Int]? {
    switch e.kind {
    case .identifier, .list:
      if case .tensor(let shape) = try kind(of: e) { return shape }
    case .index(let base, _):
      switch try kind(of: base) {
      case .tensor(let shape?) where !shape.isEmpty: return Array(shape.dropFirst())
      case .dataset(let shape?): return shape
      default: break
      }
    default: break
    }
    return nil
  }

  /// `confusion M DATA`: a model (not one compiled for regression) and labelled data.
  mutating func checkConfusion(_ c: Command) throws {
    let k = c.keyword.text
    do {
      _ = try model(c.args.first, for: k, at: c.range)
      if let e = c.args.first, let loss = losses[exprText(e)], ShowTargets.regressionLosses.contains(loss) {
        throw ShowTargets.regression(exprText(e), loss: loss, at: e.range)
      }
    } catch { record(error) }
    do { try data(c.args.dropFirst(), for: k, at: c.range, needsTarget: true) } catch { record(error) }
  }
}
