import Autograd
import NeuralNet

// The `attention` line of the layer table: encoder–decoder attention in a decoder block.

extension LayerTable {
  /// The attention layers, in the order `help` lists them.
  static let attentionSpecs: [LayerSpec] = [
    LayerSpec(name: "attention", synopsis: "attention [kind=dot|additive]",
              summary: "in a decoder block: each target step looks at every source step — it scores the encoder's outputs against the decoder's output, turns the scores into weights (softmax over the source, padding left out), and joins the weighted sum (the context c) to the decoder's output h as tanh([c; h]·Wc)"
                + "\n  kind=dot (Luong, default): score = h · e, the decoder and encoder need the same units; kind=additive (Bahdanau): score = v · tanh(h·Wq + e·Wk)"
                + "\n  needs return_sequences=true on the encoder's last recurrent layer; output (target steps, units)"
                + "\n  show MODEL.attention SAMPLE draws the weights as a source × target heatmap",
              example: "attention kind=additive", options: ["kind"], build: { args in
                args.accepting(["kind", "name"])
                let kind = try args.option("kind").map {
                  AttentionKind(rawValue: try args.choice($0.value, what: "attention kind",
                                                          in: AttentionKind.allCases.map(\.rawValue))) ?? .dot
                } ?? .dot
                try args.finish(maxArgs: "no arguments")
                return Attention(kind: kind)
              }),
  ]
}
