import Autograd
import NeuralNet

// The recurrent layers of the language's layer table: `simple_rnn`, `lstm`, `gru` and
// `bidirectional`, which takes the rest of its line as one of them. Shapes are checked by the
// NeuralNet layers (a flat input is rejected there, suggesting a (timesteps, features) input).

extension LayerTable {
  /// The recurrent layers, in the order `help` lists them.
  static let recurrentSpecs: [LayerSpec] = [
    recurrentSpec("simple_rnn", .simple,
                  "recurrent layer: h(t) = act(x(t)·W + h(t−1)·R + b) over the steps of a (timesteps, features) sequence",
                  taps: "hidden"),
    recurrentSpec("lstm", .lstm,
                  "long short-term memory: input, forget and output gates decide what the cell state keeps, adds and shows at each step",
                  taps: "input_gate, forget_gate, output_gate, cell, hidden"),
    recurrentSpec("gru", .gru,
                  "gated recurrent unit (Keras 3, reset_after): the update gate mixes the old state with a candidate, the reset gate scales the state's part of the candidate",
                  taps: "update_gate, reset_gate, hidden"),
    LayerSpec(name: "bidirectional", synopsis: "bidirectional LAYER-LINE [merge=concat|sum|mul|ave]",
              summary: "runs a recurrent layer line forward and a copy backward over the sequence and merges their outputs (concat by default: 2×UNITS)"
                + "\n  the copies are forward_LAYER and backward_LAYER; weights are named bidirectional_1.forward_lstm.kernel, …"
                + "\n  a mask reaches both directions; with return_sequences=true, padded steps output zeros"
                + "\n  taps: the wrapped layer's, as forward_NAME and backward_NAME (e.g. forward_hidden)",
              example: "bidirectional lstm 32 merge=concat", options: ["merge"] + recurrentOptions,
              build: buildBidirectional),
  ]

  /// The options of a recurrent layer line.
  static let recurrentOptions = ["activation", "return_sequences", "return_state", "dropout",
                                 "recurrent_dropout", "bptt"]

  /// The recurrent layer kinds `bidirectional` wraps.
  static let recurrentKinds: [(name: String, cell: RecurrentCell)] = [
    ("simple_rnn", .simple), ("lstm", .lstm), ("gru", .gru),
  ]

  private static func recurrentSpec(_ name: String, _ cell: RecurrentCell, _ what: String,
                                    taps: String) -> LayerSpec {
    let synopsis = "\(name) UNITS [ACTIVATION] [return_sequences=true] [return_state=true] [dropout=R] [recurrent_dropout=R] [bptt=K]"
    let summary = what
      + "\n  input (timesteps, features), e.g. input 20x1; output (UNITS), or (timesteps, UNITS) with return_sequences=true"
      + "\n  ACTIVATION: tanh (default), relu, sigmoid or linear; the gates use the sigmoid"
      + "\n  return_state=true also outputs the final state\(cell == .lstm ? "s h and c" : " h"); in a model block the next line reads the first output"
      + "\n  dropout / recurrent_dropout: fraction of the inputs / of h(t−1) dropped, one mask per sequence, while training"
      + "\n  bptt=K: truncated backpropagation through time, the state's gradient is cut every K steps (steps 0…K−1, K…2K−1, …)"
      + "\n  a mask (embedding … mask_zero=true) makes padded steps keep the state and repeat the last output"
      + "\n  taps (show): \(taps), each (samples, timesteps, UNITS)"
    return LayerSpec(name: name, synopsis: synopsis, summary: summary,
                     example: name == "lstm" ? "lstm 32 return_sequences=true" : "\(name) 32",
                     options: recurrentOptions, build: { args in try buildRecurrent(&args, name, cell) })
  }
}

extension RecurrentActivation {
  /// Activation names a recurrent layer line accepts.
  static let allNames = RecurrentActivation.allCases.map(\.rawValue)
}

extension MergeMode {
  /// `concat`, `sum`, `mul`, `ave`.
  static let allNames = MergeMode.allCases.map(\.rawValue)
}

private func buildRecurrent(_ args: inout Arguments, _ name: String, _ cell: RecurrentCell) throws -> Recurrent? {
  args.accepting(LayerTable.recurrentOptions + ["name"])
  guard let unitsExpr = args.next() else {
    throw Diagnostic.error("\(name) needs a number of units", at: args.range, hint: "e.g. \(name) 32")
  }
  let units = try args.int(unitsExpr, what: "the number of units", min: 1, max: Recurrent.maxExtent)
  var activation = RecurrentActivation.tanh
  if let e = args.next() ?? args.option("activation")?.value {
    let word = try args.choice(e, what: "recurrent activation", in: RecurrentActivation.allNames)
    activation = RecurrentActivation(rawValue: word) ?? .tanh
  }
  let sequences = try args.option("return_sequences").flatMap { try args.bool($0.value, what: "return_sequences") } ?? false
  let state = try args.option("return_state").flatMap { try args.bool($0.value, what: "return_state") } ?? false
  let dropout = try args.option("dropout").flatMap {
    try args.number($0.value, what: "dropout", lo: 0, hi: 1, openHigh: true)
  } ?? 0
  let recurrentDropout = try args.option("recurrent_dropout").flatMap {
    try args.number($0.value, what: "recurrent_dropout", lo: 0, hi: 1, openHigh: true)
  } ?? 0
  let bptt = try args.option("bptt").flatMap {
    try args.int($0.value, what: "bptt (steps between cuts)", min: 1, max: Recurrent.maxExtent)
  }
  try args.finish(maxArgs: "a number of units and an activation")
  guard let units else { return nil }
  return Recurrent(cell, units: units, activation: activation, returnSequences: sequences,
                   returnState: state, dropout: Float(dropout), recurrentDropout: Float(recurrentDropout),
                   bptt: bptt)
}

@Sendable private func buildBidirectional(_ args: inout Arguments) throws -> Layer? {
  args.accepting(["merge", "name"])
  let kinds = LayerTable.recurrentKinds.map(\.name)
  guard let first = args.next() else {
    throw Diagnostic.error("bidirectional needs a recurrent layer line", at: args.range,
                           hint: "e.g. bidirectional lstm 32")
  }
  guard case .identifier(let kind) = first.kind, let entry = LayerTable.recurrentKinds.first(where: { $0.name == kind }) else {
    if case .identifier(let word) = first.kind {
      throw Diagnostic.unknown("bidirectional wraps a recurrent layer, not '\(word)'", word, in: kinds,
                               at: first.range, fallbackHint: "one of: " + kinds.joined(separator: ", "))
    }
    throw Diagnostic.error("bidirectional wraps a recurrent layer line: " + kinds.joined(separator: ", "),
                           at: first.range, hint: "e.g. bidirectional lstm 32")
  }
  let merge = try args.option("merge").map {
    MergeMode(rawValue: try args.choice($0.value, what: "merge mode", in: MergeMode.allNames)) ?? .concat
  } ?? .concat
  var rest: [Expr] = []
  while let e = args.next() { rest.append(e) }
  var inner = Arguments(owner: kind, args: rest, options: args.options.filter { !["merge", "name"].contains($0.name.text) },
                        range: args.range, evaluate: args.evaluate)
  guard let layer = try buildRecurrent(&inner, kind, entry.cell) else { return nil }
  return Bidirectional(layer, merge: merge)
}
