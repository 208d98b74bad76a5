import NeuralNet
import TermPlot

/// `summary MODEL`: Keras' table (Layer (type), Output Shape, Param #) plus a FLOPs column.
enum SummaryText {
  static func render(_ model: ModelRef, style: RenderStyle) -> String {
    let s = model.network.summary()
    let rows = s.rows.map { r in
      ["\(r.name) (\(r.typeName))", ValueFormat.batchShape(r.outputShape), Format.integer(r.params),
       r.flops == 0 ? "0" : Format.flops(r.flops)]
    }
    var footer = [
      " Total params: \(Format.integer(s.totalParams)) (\(Format.bytes(s.totalBytes)))",
      " Trainable params: \(Format.integer(s.trainableParams)) (\(Format.bytes(s.trainableBytes)))",
      " Non-trainable params: \(Format.integer(s.nonTrainableParams)) (\(Format.bytes(s.nonTrainableBytes)))",
      " Forward FLOPs per sample: \(Format.flops(s.totalFlops))",
    ]
    if s.rows.contains(where: { $0.typeName == "Conv2D" }) {
      let dot = style.unicode ? "·" : "*"
      footer.append(" Conv2D FLOPs per sample: " + ["2", "Ho", "Wo", "kh", "kw", "C", "F"].joined(separator: dot)
                    + " (output Ho, Wo; kernel kh, kw; channels C in, F out)")
    }
    if let c = model.compiled {
      footer.append(" Compiled: loss=\(c.loss) optimizer=\(c.optimizer)"
                    + (c.metrics.isEmpty ? "" : " metrics=[\(c.metrics.joined(separator: ", "))]"))
    }
    let table = Table(title: "Model: \"\(model.name)\"", headers: ["Layer (type)", "Output Shape", "Param #", "FLOPs"],
                      rows: rows, alignments: [.left, .left, .right, .right], minWidths: [31, 22, 13, 9],
                      rowSeparators: style.unicode, footer: footer)
    return table.render(style: style)
  }
}
