import Autograd
import NeuralNet

/// The recurrent layers as ONNX's RNN, LSTM and GRU operators.
///
/// Weights: dl keeps Keras' layout, kernel (F, G·U), recurrent kernel (U, G·U); ONNX wants
/// W (D, G·U, F) and R (D, G·U, U), one slab per direction D, and B (D, 2·G·U) = input bias
/// then recurrent bias. Gates: Keras' LSTM is i, f, c, o and ONNX's i, o, f, c (reordered
/// here); GRU z, r, h in both, Keras' `reset_after` being ONNX's `linear_before_reset = 1`
/// with the bias rows (input, recurrent) as they are.
///
/// Masks: dl's padded steps keep the state, which is the same as running only the real
/// steps. So under a mask the real steps of each sequence are first moved to the front, in
/// order (TopK of mask·(T − position), then GatherElements), and the operator gets
/// `sequence_lens` = the number of real steps: the forward direction ends on the last real
/// step, the backward one starts there. That holds wherever the padding is (`pad=pre` or
/// `post`, or ids 0 inside a sequence). A sequence of padding only is not supported
/// (onnxruntime wants lengths ≥ 1). A masked layer that returns sequences is refused.
enum OnnxRecurrentRows {
  static let rows: [OnnxLayerRow] = [recurrent, bidirectional]

  static let recurrent = OnnxLayerRow(typeNames: ["SimpleRNN", "LSTM", "GRU"]) { layer, g, flow, out in
    let r = try OnnxLayerTable.cast(layer, Recurrent.self)
    return try emit([r], merge: .concat, name: r.name, &g, flow, out)
  }

  static let bidirectional = OnnxLayerRow(typeNames: ["Bidirectional"]) { layer, g, flow, out in
    let b = try OnnxLayerTable.cast(layer, Bidirectional.self)
    return try emit([b.forwardLayer, b.backwardLayer], merge: b.merge, name: b.name, &g, flow, out)
  }

  /// The ONNX operator of a cell.
  static func opName(_ cell: RecurrentCell) -> String {
    switch cell { case .simple: return "RNN"; case .lstm: return "LSTM"; case .gru: return "GRU" }
  }

  /// The ONNX name of a cell activation.
  static func activationName(_ a: RecurrentActivation, _ layer: String) throws -> String {
    switch a {
    case .tanh: return "Tanh"
    case .relu: return "Relu"
    case .sigmoid: return "Sigmoid"
    case .linear:
      throw ExportError("\(layer): a recurrent layer with activation=linear has no ONNX operator",
                        hint: "use tanh, relu or sigmoid")
    }
  }

  /// Keras' gate blocks in ONNX's order (LSTM i, f, c, o → i, o, f, c; the others as they are).
  static func gateOrder(_ cell: RecurrentCell) -> [Int] {
    cell == .lstm ? [0, 3, 1, 2] : Array(0..<cell.gates)
  }

  /// A Keras (rows, G·U) matrix as ONNX's (G·U, rows): gate blocks reordered, transposed.
  static func onnxMatrix(_ m: Tensor, cell: RecurrentCell, units u: Int) -> [Float] {
    let rows = m.shape[0], cols = m.shape[1]
    var reordered = [Float](repeating: 0, count: m.count)
    for (to, from) in gateOrder(cell).enumerated() {
      for r in 0..<rows { for j in 0..<u { reordered[r * cols + to * u + j] = m.data[r * cols + from * u + j] } }
    }
    return Layout.transposed(reordered, rows: rows, cols: cols)
  }

  /// ONNX's B of one direction: the input bias then the recurrent bias (zeros but for a GRU).
  static func onnxBias(_ b: Tensor, cell: RecurrentCell, units u: Int) -> [Float] {
    let g = cell.gates * u
    if cell == .gru { return b.data }  // (2, 3U): input row, recurrent row; z, r, h in both
    var input = [Float](repeating: 0, count: g)
    for (to, from) in gateOrder(cell).enumerated() {
      for j in 0..<u { input[to * u + j] = b.data[from * u + j] }
    }
    return input + [Float](repeating: 0, count: g)
  }

  static func emit(_ directions: [Recurrent], merge: MergeMode, name: String, _ g: inout OnnxGraph,
                   _ flow: OnnxFlow, _ out: [Int]) throws -> OnnxFlow {
    guard let first = directions.first else { throw ExportError("\(name) has no direction") }
    let (cell, u, f, t) = (first.cell, first.units, flow.shape[1], flow.shape[0])
    let d = directions.count
    if flow.mask != nil && first.returnSequences {
      throw ExportError("\(name) returns sequences under a mask (mask_zero): the ONNX export "
                        + "takes masked recurrent layers that return their last output only")
    }
    var x = flow.tensor
    var lengths = ""
    if let m = flow.mask {
      x = compacted(&g, x, mask: m, steps: t, name: name)
      let count = OnnxLayerTable.sum(&g, m, axis: 1, keep: false, name: name)
      lengths = g.op("Cast", [count], name: name + "/lengths", .int("to", OnnxType.int32))
    }
    x = g.transpose(x, [1, 0, 2], name: name)  // (T, N, F): ONNX's default layout
    let ys = try cellNode(directions, name: name, &g, x: x, features: f, lengths: lengths, outputs: 2)

    var result: String
    if first.returnSequences {
      // Y (T, D, N, U) → (N, T, D, U), then the directions merged.
      let y = g.transpose(ys[0], [2, 0, 1, 3], name: name)
      result = merged(&g, y, directions: d, merge: merge, axis: 2, units: u, name: name)
    } else {
      // Y_h (D, N, U) → per direction (N, U).
      result = merged(&g, g.transpose(ys[1], [1, 0, 2], name: name), directions: d, merge: merge,
                      axis: 1, units: u, name: name)
    }
    var next = OnnxLayerTable.next(flow, result, out)
    if !first.returnSequences { next.mask = nil }
    return next
  }

  /// The RNN / LSTM / GRU node of `directions` (one or two, their weights as initialisers)
  /// on `x` (T, N, F), with `sequence_lens` `lengths` ("" for none) and initial states
  /// `initial` ((D, N, U) each: h, and c for an LSTM; none for zeros); returns its first
  /// `outputs` outputs (Y, Y_h, Y_c).
  static func cellNode(_ directions: [Recurrent], name: String, _ g: inout OnnxGraph, x: String, features f: Int,
                       lengths: String, initial: [String] = [], outputs: Int) throws -> [String] {
    guard let first = directions.first else { throw ExportError("\(name) has no direction") }
    let (cell, u, d) = (first.cell, first.units, directions.count)
    var w: [Float] = [], r: [Float] = [], b: [Float] = []
    for layer in directions {
      w += onnxMatrix(try OnnxLayerTable.weight(layer.kernel, name), cell: cell, units: u)
      r += onnxMatrix(try OnnxLayerTable.weight(layer.recurrentKernel, name), cell: cell, units: u)
      b += onnxBias(try OnnxLayerTable.weight(layer.bias, name), cell: cell, units: u)
    }
    let gu = cell.gates * u
    let wn = g.weight(name + ".W", shape: [d, gu, f], w)
    let rn = g.weight(name + ".R", shape: [d, gu, u], r)
    let bn = g.weight(name + ".B", shape: [d, 2 * gu], b)
    let act = try activationName(first.cellActivation, name)
    let perDirection: [String]
    switch cell {
    case .simple: perDirection = [act]
    case .lstm: perDirection = ["Sigmoid", act, act]
    case .gru: perDirection = ["Sigmoid", act]
    }
    var attrs: [Onnx_AttributeProto] = [
      .int("hidden_size", u), .strings("activations", Array(repeating: perDirection, count: d).flatMap { $0 }),
      .string("direction", d == 2 ? "bidirectional" : "forward"),
    ]
    if cell == .gru { attrs.append(.int("linear_before_reset", 1)) }
    return g.node(opName(cell), [x, wn, rn, bn, lengths] + initial, name: name, outputs: outputs, attributes: attrs)
  }

  /// `y` with a direction axis of size `directions` at `axis` (and U last) merged into one
  /// tensor without it: concatenated (a reshape, forward then backward), summed, multiplied
  /// or averaged.
  static func merged(_ g: inout OnnxGraph, _ y: String, directions: Int, merge: MergeMode,
                     axis: Int, units: Int, name: String) -> String {
    let keep = Array(repeating: 0, count: axis)  // Reshape's 0: keep N (and T)
    if directions == 1 || merge == .concat {
      return g.reshape(y, keep + [directions * units], name: name)
    }
    let parts = g.node("Split", [y], name: name, outputs: 2, attributes: [.int("axis", axis)])
    let (a, b) = (g.reshape(parts[0], keep + [units], name: name), g.reshape(parts[1], keep + [units], name: name))
    switch merge {
    case .concat, .sum: return g.op("Add", [a, b], name: name)
    case .mul: return g.op("Mul", [a, b], name: name)
    case .ave: return g.op("Mul", [g.op("Add", [a, b], name: name), g.scalar(name + ".half", 0.5)], name: name)
    }
  }

  /// `x` (N, T, F) with each sequence's real steps moved to the front, in order.
  static func compacted(_ g: inout OnnxGraph, _ x: String, mask: String, steps t: Int, name: String) -> String {
    // Key T − position for a real step (larger for earlier steps), 0 for padding.
    let rank = g.weight(name + ".rank", shape: [t], (0..<t).map { Float(t - $0) })
    let keys = g.op("Mul", [mask, rank], name: name)
    let k = g.int64s(name + ".steps", [t])
    let order = g.node("TopK", [keys, k], name: name, outputs: 2,
                       attributes: [.int("axis", 1), .int("largest", 1), .int("sorted", 1)])[1]
    let index = OnnxLayerTable.unsqueeze(&g, order, axis: 2, name: name)
    let spread = g.op("Expand", [index, g.op("Shape", [x], name: name)], name: name)
    return g.op("GatherElements", [x, spread], name: name, .int("axis", 1))
  }
}
