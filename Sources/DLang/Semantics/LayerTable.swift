import Autograd
import NeuralNet

/// One layer kind of the language: how a layer line becomes a `Layer`, and the text `help`
/// and TAB completion show. The table below is the only place a layer kind is named.
public struct LayerSpec: Sendable {
  /// The word that starts a layer line.
  public let name: String
  /// Usage, e.g. `dense UNITS [ACTIVATION] [init=NAME]`.
  public let synopsis: String
  /// One line of help.
  public let summary: String
  /// A line that works in a model block.
  public let example: String
  /// Option names the line accepts (besides `name=`).
  public let options: [String]
  /// Builds the layer from the line's arguments; nil when an argument is not known yet.
  let build: @Sendable (inout Arguments) throws -> Layer?
}

/// Every layer kind, in the order `help` lists them.
public enum LayerTable {
  public static let all: [LayerSpec] = [
    LayerSpec(name: "input", synopsis: "input SHAPE",
              summary: "declares the shape of one sample: 4 features, or 8x8x1 = height×width×channels",
              example: "input 8x8x1", options: [], build: { _ in nil }),
    LayerSpec(name: "dense", synopsis: "dense UNITS [ACTIVATION] [init=NAME] [l1=X] [l2=X]",
              summary: "fully connected layer: every output is a weighted sum of every input, plus a bias",
              example: "dense 16 relu init=he_normal", options: ["init", "activation", "l1", "l2"],
              build: buildDense),
    LayerSpec(name: "dropout", synopsis: "dropout RATE",
              summary: "while training, zeroes each value with probability RATE and scales the rest by 1/(1-RATE)",
              example: "dropout 0.2", options: [], build: buildDropout),
    LayerSpec(name: "batchnorm", synopsis: "batchnorm [momentum=M] [epsilon=E]",
              summary: "normalises each feature with the batch's mean and variance while training (moving averages at inference), then scales and shifts; on a masked sequence (mask_zero) the statistics leave padded steps out",
              example: "batchnorm momentum=0.99", options: ["momentum", "epsilon"], build: { args in
                args.accepting(["momentum", "epsilon", "name"])
                let m = try args.option("momentum").flatMap {
                  try args.number($0.value, what: "momentum", lo: 0, hi: 1, openHigh: true)
                } ?? 0.99
                let e = try args.option("epsilon").flatMap { try args.number($0.value, what: "epsilon", lo: 1e-12) } ?? 1e-3
                try args.finish(maxArgs: "no arguments")
                return BatchNormalization(momentum: Float(m), epsilon: Float(e))
              }),
    LayerSpec(name: "flatten", synopsis: "flatten",
              summary: "reshapes each sample to one axis, e.g. 8x8x1 → 64, so images can feed dense layers",
              example: "flatten", options: [], build: { args in
                args.accepting(["name"])
                try args.finish(maxArgs: "no arguments")
                return Flatten()
              }),
  ] + imageSpecs + activationSpecs + tokenSpecs + recurrentSpecs + attentionSpecs

  /// The activation layers: `relu`, `leaky_relu [α]`, `sigmoid`, `tanh`, `softmax`, `linear`.
  static let activationSpecs: [LayerSpec] = Activation.table.map { entry in
    let takesAlpha = entry.name == "leaky_relu"
    return LayerSpec(
      name: entry.name, synopsis: entry.name + (takesAlpha ? " [ALPHA]" : ""),
      summary: "activation layer: " + entry.help,
      example: takesAlpha ? "leaky_relu 0.2" : entry.name, options: takesAlpha ? ["alpha"] : [],
      build: { args in
        var activation = entry.value
        if takesAlpha {
          let e = args.next() ?? args.option("alpha")?.value
          if let e {
            guard let a = try args.number(e, what: "alpha", lo: 0) else { return nil }
            activation = .leakyRelu(alpha: Float(a))
          }
        }
        try args.finish(maxArgs: takesAlpha ? "at most one argument (alpha)" : "no arguments")
        return ActivationLayer(activation)
      })
  }

  /// The spec named `name`.
  public static func spec(_ name: String) -> LayerSpec? { all.first { $0.name == name } }

  /// Every layer kind's name.
  public static var names: [String] { all.map(\.name) }
}

@Sendable private func buildDense(_ args: inout Arguments) throws -> Layer? {
  args.accepting(["init", "activation", "l1", "l2", "name"])
  guard let unitsExpr = args.next() else {
    throw Diagnostic.error("dense needs a number of units", at: args.range, hint: "e.g. dense 16 relu")
  }
  let units = try args.int(unitsExpr, what: "the number of units", min: 1, max: 1 << 24)
  let activation = try args.activation()
  let initializer = try args.initializer()
  let (l1, l2) = try args.penalties()
  try args.finish(maxArgs: "a number of units and an activation")
  guard let units else { return nil }
  return Dense(units: units, activation: activation, initializer: initializer,
               l1: Float(l1), l2: Float(l2))
}

@Sendable private func buildDropout(_ args: inout Arguments) throws -> Layer? {
  args.accepting(["rate", "name"])
  guard let e = args.next() ?? args.option("rate")?.value else {
    throw Diagnostic.error("dropout needs a rate between 0 and 1", at: args.range, hint: "e.g. dropout 0.2")
  }
  let rate = try args.number(e, what: "the dropout rate", lo: 0, hi: 1, openHigh: true)
  try args.finish(maxArgs: "one argument (the rate)")
  guard let rate else { return nil }
  return Dropout(rate: Float(rate))
}

extension Arguments {
  /// The activation of a layer with a kernel: the next positional argument or `activation=`;
  /// `linear` when neither is given.
  mutating func activation() throws -> Activation {
    guard let e = next() ?? option("activation")?.value else { return .linear }
    let name = try choice(e, what: "activation", in: Activation.allNames)
    return Activation.named(name) ?? .linear
  }

  /// `init=NAME` of a layer with a kernel; Keras' default glorot_uniform.
  mutating func initializer() throws -> Initializer {
    guard let o = option("init") else { return .glorotUniform }
    let name = try choice(o.value, what: "initializer", in: Initializer.allNames)
    return Initializer.named(name) ?? .glorotUniform
  }

  /// `l1=` and `l2=` weight penalties of a layer with a kernel (0 when absent).
  mutating func penalties() throws -> (l1: Double, l2: Double) {
    let l1 = try option("l1").flatMap { try number($0.value, what: "l1", lo: 0) } ?? 0
    let l2 = try option("l2").flatMap { try number($0.value, what: "l2", lo: 0) } ?? 0
    return (l1, l2)
  }
}
