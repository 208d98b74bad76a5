import Autograd
import NeuralNet

// The `attention` line of the layer table: encoder–decoder attention in a decoder block, and
// multi-head self-attention in a plain model block.

extension LayerTable {
  /// The attention layers, in the order `help` lists them.
  static let attentionSpecs: [LayerSpec] = [
    LayerSpec(name: "attention", synopsis: "attention [kind=dot|additive] | attention [heads=H] [key_dim=K]",
              summary: "in a decoder block: each target step looks at every source step — it scores the encoder's outputs against the decoder's output, turns the scores into weights (softmax over the source, padding left out), and joins the weighted sum (the context c) to the decoder's output h as tanh([c; h]·Wc)"
                + "\n  kind=dot (Luong, default): score = h · e, the decoder and encoder need the same units; kind=additive (Bahdanau): score = v · tanh(h·Wq + e·Wk)"
                + "\n  needs return_sequences=true on the encoder's last recurrent layer; output (target steps, units)"
                + "\n  show MODEL.attention SAMPLE draws the weights as a source × target heatmap"
                + "\n  in a plain model, after a sequence (return_sequences=true, or an embedding): multi-head self-attention (Keras MultiHeadAttention, PyTorch nn.MultiheadAttention) — every step looks at every step; per head softmax(q·kᵀ/√K)·v with q, k, v projections of the input, the heads joined by an output projection; heads=H (1 by default), key_dim=K (features / H by default); output (steps, features); padded steps are left out as keys"
                + "\n  show MODEL.LAYER SAMPLE draws each head's weights as a step × step heatmap",
              example: "attention heads=4", options: ["kind", "heads", "key_dim"], build: { args in
                args.accepting(["kind", "heads", "key_dim", "name"])
                let kindOption = args.option("kind")
                let heads = try args.option("heads").map { try args.int($0.value, what: "heads", min: 1, max: 4096) }
                let keyDim = try args.option("key_dim").map { try args.int($0.value, what: "key_dim", min: 1, max: 1 << 20) }
                if let kindOption, heads != nil || keyDim != nil {
                  throw Diagnostic.error("kind= is for encoder–decoder attention, heads= and key_dim= for self-attention: not both",
                                         at: kindOption.name.range,
                                         hint: "in a decoder block: attention kind=additive; in a plain model: attention heads=4")
                }
                let kind = try kindOption.map {
                  AttentionKind(rawValue: try args.choice($0.value, what: "attention kind",
                                                          in: AttentionKind.allCases.map(\.rawValue))) ?? .dot
                } ?? .dot
                try args.finish(maxArgs: "no arguments")
                if heads != nil || keyDim != nil {
                  // Each is nil when not given, .some(nil) when not known before running.
                  var h = 1, k: Int?
                  if let heads { guard let v = heads else { return nil }; h = v }
                  if let keyDim { guard let v = keyDim else { return nil }; k = v }
                  return MultiHeadAttention(heads: h, keyDim: k)
                }
                return Attention(kind: kind)
              }),
  ]
}
