import NeuralNet
import TermPlot

/// `summary MODEL`: Keras' table (Layer (type), Output Shape, Param #) plus a FLOPs column.
enum SummaryText {
  static func render(_ model: ModelRef, style: RenderStyle) -> String {
    let net = model.network
    var rows: [[String]] = []
    var shape = net.inputShape
    var flops = 0
    for layer in net.layers {
      let f = layer.flops(inputShape: shape)
      flops += f
      shape = net.outputShape(of: layer) ?? shape
      rows.append(["\(layer.name) (\(layer.typeName))", ValueFormat.batchShape(shape),
                   Format.integer(layer.parameterCount), f == 0 ? "0" : Format.flops(f)])
    }
    let total = net.parameterCount
    let trainable = net.trainableParameterCount
    var footer = [
      " Total params: \(Format.integer(total)) (\(Format.bytes(total * 4)))",
      " Trainable params: \(Format.integer(trainable)) (\(Format.bytes(trainable * 4)))",
      " Non-trainable params: \(Format.integer(total - trainable)) (\(Format.bytes((total - trainable) * 4)))",
      " FLOPs per sample (forward): \(Format.flops(flops))",
    ]
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
