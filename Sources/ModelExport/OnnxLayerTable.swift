import Autograd
import NeuralNet

/// What flows from one layer to the next while a chain is exported: the tensor's name, its
/// per-sample shape (dl's, batch axis excluded; images NHWC as in dl) and the mask of real
/// time steps when a layer made one (a float (N, T) tensor, 1 = real step).
struct OnnxFlow {
  /// The tensor.
  var tensor: String
  /// Its per-sample shape.
  var shape: [Int]
  /// The mask (N, T), or nil.
  var mask: String?
  /// The mask's T (a layer whose output no longer starts with T drops the mask, as dl's
  /// model does).
  var maskSteps: Int = 0
}

/// One layer kind's ONNX mapping: the dl type names it covers and how it adds its nodes.
/// Every layer kind is one row; a new kind (attention, …) is one more row.
struct OnnxLayerRow: Sendable {
  /// The `typeName`s of the layers the row exports.
  let typeNames: [String]
  /// Adds the layer's nodes reading `flow`; returns what flows out. `outShape` is the
  /// layer's per-sample output shape in the model.
  let emit: @Sendable (Layer, inout OnnxGraph, OnnxFlow, _ outShape: [Int]) throws -> OnnxFlow
}

/// The table of layer kinds the ONNX export covers.
enum OnnxLayerTable {
  static let rows: [OnnxLayerRow] = [
    dense, dropout, activation, flatten, rescaling, conv2d, pooling, globalPooling, batchNorm,
    embedding, globalAveragePooling1D, lastStep, multiHeadAttention,
  ] + OnnxRecurrentRows.rows

  private static let byType: [String: OnnxLayerRow] = {
    var d: [String: OnnxLayerRow] = [:]
    for row in rows { for t in row.typeNames { d[t] = row } }
    return d
  }()

  /// The row exporting layers of type `typeName`, if any.
  static func row(_ typeName: String) -> OnnxLayerRow? { byType[typeName] }

  /// Every covered type name, sorted.
  static var typeNames: [String] { rows.flatMap(\.typeNames).sorted() }

  static func cast<L>(_ layer: Layer, _: L.Type) throws -> L {
    guard let l = layer as? L else { throw ExportError("\(layer.name): unexpected layer class") }
    return l
  }

  static func weight(_ v: Variable?, _ layer: String) throws -> Tensor {
    guard let v else { throw ExportError("\(layer) is not built: it has no weights yet") }
    return v.value
  }

  /// `flow` with a new tensor and shape, the mask kept.
  static func next(_ flow: OnnxFlow, _ tensor: String, _ shape: [Int]) -> OnnxFlow {
    var f = flow
    f.tensor = tensor
    f.shape = shape
    return f
  }

  // MARK: rows

  static let dense = OnnxLayerRow(typeNames: ["Dense"]) { layer, g, flow, out in
    let d = try cast(layer, Dense.self)
    let w = try weight(d.weights, d.name), b = try weight(d.bias, d.name)
    let wn = g.weight(d.name + ".weights", shape: w.shape, w.data)
    let bn = g.weight(d.name + ".bias", shape: b.shape, b.data)
    let z: String
    if flow.shape.count == 1 {
      z = g.op("Gemm", [flow.tensor, wn, bn], name: d.name)
    } else {  // a sequence (N, T, in): the same weights at every step
      z = g.op("Add", [g.op("MatMul", [flow.tensor, wn], name: d.name), bn], name: d.name)
    }
    return next(flow, g.activation(d.activation, z, name: d.name), out)
  }

  static let dropout = OnnxLayerRow(typeNames: ["Dropout"]) { _, _, flow, out in
    next(flow, flow.tensor, out)  // the identity at inference
  }

  static let activation = OnnxLayerRow(typeNames: ["Activation"]) { layer, g, flow, out in
    let a = try cast(layer, ActivationLayer.self)
    return next(flow, g.activation(a.activation, flow.tensor, name: a.name), out)
  }

  static let flatten = OnnxLayerRow(typeNames: ["Flatten"]) { layer, g, flow, out in
    // dl flattens NHWC row-major, and the flowing tensor is NHWC.
    next(flow, g.op("Flatten", [flow.tensor], name: layer.name, .int("axis", 1)), out)
  }

  static let rescaling = OnnxLayerRow(typeNames: ["Rescaling"]) { layer, g, flow, out in
    let r = try cast(layer, Rescaling.self)
    var y = g.op("Mul", [flow.tensor, g.scalar(r.name + ".scale", r.scale)], name: r.name)
    if r.offset != 0 { y = g.op("Add", [y, g.scalar(r.name + ".offset", r.offset)], name: r.name) }
    return next(flow, y, out)
  }

  /// ONNX's `pads` (top, left, bottom, right) of a window on an (H, W, C) input.
  static func pads(_ input: [Int], window: (Int, Int), stride: Int, _ p: Padding) -> [Int] {
    guard p == .same else { return [0, 0, 0, 0] }
    let (t, b) = Layout.samePads(input: input[0], window: window.0, stride: stride)
    let (l, r) = Layout.samePads(input: input[1], window: window.1, stride: stride)
    return [t, l, b, r]
  }

  static let conv2d = OnnxLayerRow(typeNames: ["Conv2D"]) { layer, g, flow, out in
    let c = try cast(layer, Conv2D.self)
    let k = try weight(c.kernel, c.name), b = try weight(c.bias, c.name)
    let kn = g.weight(c.name + ".kernel", shape: [k.shape[3], k.shape[2], k.shape[0], k.shape[1]],
                      Layout.convKernel(k))
    let bn = g.weight(c.name + ".bias", shape: b.shape, b.data)
    let nchw = g.transpose(flow.tensor, [0, 3, 1, 2], name: c.name)
    let z = g.op("Conv", [nchw, kn, bn], name: c.name,
                 .ints("kernel_shape", [c.kernelHeight, c.kernelWidth]),
                 .ints("strides", [c.stride, c.stride]),
                 .ints("pads", pads(flow.shape, window: (c.kernelHeight, c.kernelWidth),
                                    stride: c.stride, c.padding)))
    let nhwc = g.transpose(z, [0, 2, 3, 1], name: c.name)
    return next(flow, g.activation(c.activation, nhwc, name: c.name), out)
  }

  static let pooling = OnnxLayerRow(typeNames: ["MaxPooling2D", "MinPooling2D", "AveragePooling2D"]) {
    layer, g, flow, out in
    let p = try cast(layer, Pooling2D.self)
    var x = g.transpose(flow.tensor, [0, 3, 1, 2], name: p.name)
    var attrs: [Onnx_AttributeProto] = [
      .ints("kernel_shape", [p.size, p.size]), .ints("strides", [p.stride, p.stride]),
      .ints("pads", pads(flow.shape, window: (p.size, p.size), stride: p.stride, p.padding)),
    ]
    let op: String
    switch p.kind {
    case .max: op = "MaxPool"
    case .min:  // the smallest value of a window is minus the largest of −x
      op = "MaxPool"
      x = g.op("Neg", [x], name: p.name)
    case .average:
      op = "AveragePool"
      attrs.append(.int("count_include_pad", 0))  // padded positions are not counted
    }
    var y = g.node(op, [x], name: p.name, attributes: attrs)[0]
    if p.kind == .min { y = g.op("Neg", [y], name: p.name) }
    return next(flow, g.transpose(y, [0, 2, 3, 1], name: p.name), out)
  }

  static let globalPooling = OnnxLayerRow(typeNames: ["GlobalAveragePooling2D", "GlobalMaxPooling2D"]) {
    layer, g, flow, out in
    let p = try cast(layer, GlobalPooling2D.self)
    let op = p.kind == .max ? "ReduceMax" : "ReduceMean"  // opset 17: axes is an attribute
    return next(flow, g.op(op, [flow.tensor], name: p.name, .ints("axes", [1, 2]), .int("keepdims", 0)), out)
  }

  static let batchNorm = OnnxLayerRow(typeNames: ["BatchNormalization"]) { layer, g, flow, out in
    let bn = try cast(layer, BatchNormalization.self)
    let names = try [("gamma", bn.gamma), ("beta", bn.beta), ("moving_mean", bn.movingMean),
                     ("moving_variance", bn.movingVariance)].map { n, v in
      let t = try weight(v, bn.name)
      return g.weight(bn.name + "." + n, shape: t.shape, t.data)
    }
    // ONNX normalises axis 1: move the feature axis (dl's last) there and back.
    let rank = flow.shape.count + 1
    let toFront = rank == 2 ? nil : [0, rank - 1] + Array(1..<(rank - 1))
    let toBack = rank == 2 ? nil : [0] + Array(2..<rank) + [1]
    var x = flow.tensor
    if let toFront { x = g.transpose(x, toFront, name: bn.name) }
    x = g.op("BatchNormalization", [x] + names, name: bn.name, .float("epsilon", bn.epsilon))
    if let toBack { x = g.transpose(x, toBack, name: bn.name) }
    return next(flow, x, out)
  }

  static let embedding = OnnxLayerRow(typeNames: ["Embedding"]) { layer, g, flow, out in
    let e = try cast(layer, Embedding.self)
    let table = try weight(e.embeddings, e.name)
    let tn = g.weight(e.name + ".embeddings", shape: table.shape, table.data)
    // dl keeps token ids as float32; Gather takes integers.
    let ids = g.op("Cast", [flow.tensor], name: e.name, .int("to", OnnxType.int64))
    var f = next(flow, g.op("Gather", [tn, ids], name: e.name, .int("axis", 0)), out)
    f.mask = nil
    if e.maskZero {
      let zero = g.scalar(e.name + ".zero", 0)
      let real = g.op("Not", [g.op("Equal", [flow.tensor, zero], name: e.name)], name: e.name)
      f.mask = g.op("Cast", [real], name: e.name + "/mask", .int("to", OnnxType.float))
      f.maskSteps = flow.shape[0]
    }
    return f
  }

  /// Σ over axis 1 of `x` (opset 13+: the axes are an input).
  static func sum(_ g: inout OnnxGraph, _ x: String, axis: Int, keep: Bool, name: String) -> String {
    g.op("ReduceSum", [x, g.int64s(name + "/axes", [axis])], name: name, .int("keepdims", keep ? 1 : 0))
  }

  /// `x` with a new axis of size 1 at `axis`.
  static func unsqueeze(_ g: inout OnnxGraph, _ x: String, axis: Int, name: String) -> String {
    g.op("Unsqueeze", [x, g.int64s(name + "/axes", [axis])], name: name)
  }

  static let globalAveragePooling1D = OnnxLayerRow(typeNames: ["GlobalAveragePooling1D"]) {
    layer, g, flow, out in
    var f: OnnxFlow
    if let m = flow.mask {  // the mean of the real steps: Σ m·x / max(Σ m, 1)
      let weighted = g.op("Mul", [flow.tensor, unsqueeze(&g, m, axis: 2, name: layer.name)], name: layer.name)
      let total = sum(&g, weighted, axis: 1, keep: false, name: layer.name)
      let count = g.op("Max", [sum(&g, m, axis: 1, keep: true, name: layer.name),
                               g.scalar(layer.name + ".one", 1)], name: layer.name)
      f = next(flow, g.op("Div", [total, count], name: layer.name), out)
    } else {
      f = next(flow, g.op("ReduceMean", [flow.tensor], name: layer.name, .ints("axes", [1]),
                          .int("keepdims", 0)), out)
    }
    f.mask = nil
    return f
  }

  static let lastStep = OnnxLayerRow(typeNames: ["LastStep"]) { layer, g, flow, out in
    let t = flow.shape[0]
    var f: OnnxFlow
    if let m = flow.mask {
      // Step positions 1…T; the largest one whose mask is 1 picks the step (0: none, output 0).
      let positions = g.weight(layer.name + ".positions", shape: [t], (1...t).map(Float.init))
      let last = g.op("ReduceMax", [g.op("Mul", [m, positions], name: layer.name)], name: layer.name,
                      .ints("axes", [1]), .int("keepdims", 1))
      let pick = g.op("Cast", [g.op("Equal", [positions, last], name: layer.name)], name: layer.name,
                      .int("to", OnnxType.float))
      let picked = g.op("Mul", [flow.tensor, unsqueeze(&g, pick, axis: 2, name: layer.name)], name: layer.name)
      f = next(flow, sum(&g, picked, axis: 1, keep: false, name: layer.name), out)
    } else {
      let index = g.int64s(layer.name + ".index", shape: [], [t - 1])
      f = next(flow, g.op("Gather", [flow.tensor, index], name: layer.name, .int("axis", 1)), out)
    }
    f.mask = nil
    return f
  }
}

/// ONNX element types (`TensorProto.DataType`) used as `Cast`'s `to`.
enum OnnxType {
  static let float = Onnx_TensorProto.DataType.float.rawValue
  static let int32 = Onnx_TensorProto.DataType.int32.rawValue
  static let int64 = Onnx_TensorProto.DataType.int64.rawValue
}
