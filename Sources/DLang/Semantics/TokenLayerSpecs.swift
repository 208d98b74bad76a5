import Autograd
import NeuralNet

// The token and sequence layers of the language's layer table: `embedding` and the two
// reductions over time, `global_avgpool1d` and `last`. Shapes are checked by the NeuralNet
// layers (an embedding after a (T, F) input needs (T) ids); these builders check the line's
// arguments.

extension LayerTable {
  /// The token and sequence layers, in the order `help` lists them.
  static let tokenSpecs: [LayerSpec] = [
    LayerSpec(name: "embedding",
              synopsis: "embedding VOCAB DIM [mask_zero=true] [init=NAME] [l1=X] [l2=X]",
              summary: "turns each integer token id 0…VOCAB-1 of a (T) input into a learned vector of DIM values: (T) → (T, DIM); with mask_zero=true, id 0 is padding that later layers, the loss and the metrics skip",
              example: "embedding 2000 32 mask_zero=true",
              options: ["mask_zero", "init", "l1", "l2"], build: buildEmbedding),
    sequenceSpec("global_avgpool1d", "the mean of each feature over the time steps: (T, F) → F; padded steps (mask_zero) are left out") {
      GlobalAveragePooling1D()
    },
    sequenceSpec("last", "the last real time step of each sequence: (T, F) → F; with mask_zero, the last step that is not padding") {
      LastStep()
    },
  ]

  private static func sequenceSpec(_ name: String, _ what: String,
                                   _ make: @escaping @Sendable () -> Layer) -> LayerSpec {
    LayerSpec(name: name, synopsis: name, summary: what, example: name, options: [], build: { args in
      args.accepting(["name"])
      try args.finish(maxArgs: "no arguments")
      return make()
    })
  }
}

/// Most ids an embedding's vocabulary may have, and most values per vector (the model's
/// weight budget bounds their product).
enum EmbeddingBounds {
  static let max = 1 << 24
}

@Sendable private func buildEmbedding(_ args: inout Arguments) throws -> Layer? {
  args.accepting(["mask_zero", "init", "l1", "l2", "name"])
  guard let vocabExpr = args.next(), let dimExpr = args.next() else {
    throw Diagnostic.error("embedding needs a vocabulary size and a vector size", at: args.range,
                           hint: "e.g. embedding 2000 32 mask_zero=true")
  }
  let vocabulary = try args.int(vocabExpr, what: "the vocabulary size", min: 1, max: EmbeddingBounds.max)
  let dimension = try args.int(dimExpr, what: "the vector size", min: 1, max: EmbeddingBounds.max)
  let maskZero = try args.option("mask_zero").flatMap { try args.bool($0.value, what: "mask_zero") } ?? false
  var initializer = Initializer.randomUniform  // Keras' "uniform": ±0.05
  if let o = args.option("init") {
    let name = try args.choice(o.value, what: "initializer", in: Initializer.allNames)
    initializer = Initializer.named(name) ?? .randomUniform
  }
  let (l1, l2) = try args.penalties()
  try args.finish(maxArgs: "a vocabulary size and a vector size")
  guard let vocabulary, let dimension else { return nil }
  return Embedding(vocabulary: vocabulary, dimension: dimension, maskZero: maskZero,
                   initializer: initializer, l1: Float(l1), l2: Float(l2))
}
