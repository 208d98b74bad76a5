import Autograd
import NeuralNet
import TermPlot

// `show MODEL.LAYER SAMPLE` on a multi-head self-attention layer: one heatmap per head of the
// weights each step (row, the query) gives every step (column, the key). Token inputs are
// labelled with their words and their padding left out.

extension Interpreter {
  /// The self-attention layer `e` names (`net.attention_1`), or nil for anything else.
  func selfAttentionTarget(_ e: Expr) -> (ModelRef, String)? {
    guard case .layer(let ref, let layer)? = try? evaluate(e),
          ref.network.nodes.contains(where: { $0.layer.name == layer && $0.layer is MultiHeadAttention })
    else { return nil }
    return (ref, layer)
  }

  /// Draws each head's attention weights for one sample.
  func showSelfAttention(_ c: Command, _ ref: ModelRef, _ layer: String) throws {
    guard c.args.count == 2 else { throw ShowTargets.missingSample(c.args[0], at: c.range) }
    let e = c.args[1]
    guard case .tensor(let x) = try evaluate(e) else { throw ShowTargets.layerAsSample(at: e.range) }
    guard let input = ref.network.inputShape else {
      throw Diagnostic.error("model '\(ref.name)' has no input", at: e.range)
    }
    if let d = ShowTargets.misfit(x.shape, model: ref.name, input: input, at: e.range) { throw d }
    let sample = ShowTargets.reshaped(x.shape, input: input) ? x.reshaped(input) : x
    let recorded: (input: Tensor, taps: [(name: String, value: Tensor)])
    do { recorded = try ref.network.layerTaps(named: layer, for: sample) } catch {
      throw Diagnostic.error("\(error)", at: e.range)
    }
    guard let w = recorded.taps.last(where: { $0.name == "weights" })?.value, w.rank >= 3 else { return }
    let (heads, t) = (w.shape[w.rank - 3], w.shape[w.rank - 1])
    // Rows: the step number, and its word for token ids (padding, id 0, left out); columns:
    // the step numbers (short, so a column stays narrow).
    var steps = Array(0..<t), rows = steps.map(String.init)
    if let tok = ref.tokenizer, sample.rank == 1, sample.count == t {
      let words = Tokenizer.reservedNames + tok.words
      steps = steps.filter { sample.data[$0] != 0 }
      rows = steps.map { i in
        let id = Int(sample.data[i])
        return "\(i) " + (id >= 0 && id < words.count ? words[id] : String(id))
      }
    }
    let name = ShowTargets.text(c.args[0])
    var text = ["\(name) on \(ShowTargets.text(e)): \(heads) head\(heads == 1 ? "" : "s"), \(steps.count) steps"
                + " (each row, a step, spreads its attention over the steps in the columns; rows sum to 1)"]
    for h in 0..<heads {
      let values = steps.map { q in steps.map { k in Double(w.data[(h * t + q) * t + k]) } }
      let map = Heatmap(values: values, rowLabels: rows, columnLabels: steps.map(String.init), rowTitle: "step",
                        columnTitle: "looks at", title: "head \(h + 1)", cellWidth: 3)
      text.append(map.render(style: style))
    }
    show(text.joined(separator: "\n"))
  }
}
