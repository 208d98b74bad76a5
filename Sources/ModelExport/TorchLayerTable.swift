import Autograd
import NeuralNet

/// One layer's part of the generated `nn.Module`: submodules built in `__init__`, lines of
/// `forward` (reading and assigning `x`, images kept NHWC as in dl), and lines of
/// `load_dl_weights` copying dl's tensors (`w["dense_1.weights"]`) into the submodules.
struct TorchLayerCode {
  var modules: [String] = []
  var forward: [String] = []
  var load: [String] = []
}

/// What a row sees of the layer: its per-sample input and output shapes and whether a mask
/// (`mask`, (N, T) float) flows in.
struct TorchLayerContext {
  let input: [Int]
  let output: [Int]
  let masked: Bool
  /// The Python attribute name of the layer (`self.dense_1`).
  let attribute: String
}

/// One layer kind's PyTorch mapping; the table has one row per kind, as `OnnxLayerTable`.
struct TorchLayerRow: Sendable {
  let typeNames: [String]
  let code: @Sendable (Layer, TorchLayerContext) throws -> TorchLayerCode
}

/// The layer kinds the PyTorch script covers.
enum TorchLayerTable {
  static let rows: [TorchLayerRow] = [
    dense, dropout, activation, flatten, rescaling, conv2d, pooling, globalPooling, batchNorm,
    embedding, globalAveragePooling1D, lastStep, recurrent, bidirectional, multiHeadAttention,
  ]

  static func row(_ typeName: String) -> TorchLayerRow? { rows.first { $0.typeNames.contains(typeName) } }

  /// A Python float literal.
  static func py(_ v: Float) -> String { v.isFinite ? "\(v)" : "float('\(v)')" }

  /// Python code applying `a` to `x` (nil: linear).
  static func activation(_ a: Activation) -> String? {
    switch a {
    case .linear: return nil
    case .relu: return "x = F.relu(x)"
    case .leakyRelu(let alpha): return "x = F.leaky_relu(x, \(py(alpha)))"
    case .sigmoid: return "x = torch.sigmoid(x)"
    case .tanh: return "x = torch.tanh(x)"
    case .softmax: return "x = torch.softmax(x, dim=-1)"
    }
  }

  /// The activation line of a layer (none for linear); the script generator makes the
  /// model's last one conditional (`if not logits:`) when the loss fuses with it.
  static func finalActivation(_ a: Activation) -> [String] { activation(a).map { [$0] } ?? [] }

  static func cast<L>(_ layer: Layer, _: L.Type) throws -> L {
    guard let l = layer as? L else { throw ExportError("\(layer.name): unexpected layer class") }
    return l
  }

  /// TensorFlow's `same` padding as F.pad's (left, right, top, bottom) of an (H, W, C) input.
  static func samePad(_ input: [Int], _ kh: Int, _ kw: Int, _ stride: Int) -> [Int] {
    let (t, b) = Layout.samePads(input: input[0], window: kh, stride: stride)
    let (l, r) = Layout.samePads(input: input[1], window: kw, stride: stride)
    return [l, r, t, b]
  }

  static func list(_ xs: [Int]) -> String { "(" + xs.map(String.init).joined(separator: ", ") + ")" }

  // MARK: rows

  static let dense = TorchLayerRow(typeNames: ["Dense"]) { layer, c in
    let d = try cast(layer, Dense.self)
    let fin = c.input.last ?? 0
    var code = TorchLayerCode()
    code.modules = ["\(c.attribute) = nn.Linear(\(fin), \(d.units))"]
    code.forward = ["x = \(c.attribute)(x)"] + finalActivation(d.activation)
    code.load = ["\(c.attribute).weight.copy_(w[\"\(d.name).weights\"].T)",
                 "\(c.attribute).bias.copy_(w[\"\(d.name).bias\"])"]
    return code
  }

  static let dropout = TorchLayerRow(typeNames: ["Dropout"]) { layer, c in
    let d = try cast(layer, Dropout.self)
    return TorchLayerCode(modules: ["\(c.attribute) = nn.Dropout(\(py(d.rate)))"], forward: ["x = \(c.attribute)(x)"])
  }

  static let activation = TorchLayerRow(typeNames: ["Activation"]) { layer, _ in
    let a = try cast(layer, ActivationLayer.self)
    return TorchLayerCode(forward: finalActivation(a.activation))
  }

  static let flatten = TorchLayerRow(typeNames: ["Flatten"]) { _, _ in
    TorchLayerCode(forward: ["x = x.reshape(x.shape[0], -1)  # NHWC order, as dl flattens"])
  }

  static let rescaling = TorchLayerRow(typeNames: ["Rescaling"]) { layer, _ in
    let r = try cast(layer, Rescaling.self)
    return TorchLayerCode(forward: ["x = x * \(py(r.scale))" + (r.offset != 0 ? " + \(py(r.offset))" : "")])
  }

  static let conv2d = TorchLayerRow(typeNames: ["Conv2D"]) { layer, c in
    let k = try cast(layer, Conv2D.self)
    var code = TorchLayerCode()
    code.modules = ["\(c.attribute) = nn.Conv2d(\(c.input[2]), \(k.filters), \(list([k.kernelHeight, k.kernelWidth])), stride=\(k.stride))"]
    code.forward = ["x = x.permute(0, 3, 1, 2)"]
    if k.padding == .same {
      code.forward.append("x = F.pad(x, \(list(samePad(c.input, k.kernelHeight, k.kernelWidth, k.stride))))  # TensorFlow's same padding")
    }
    code.forward += ["x = \(c.attribute)(x).permute(0, 2, 3, 1)"] + finalActivation(k.activation)
    code.load = ["\(c.attribute).weight.copy_(w[\"\(k.name).kernel\"].permute(3, 2, 0, 1))",
                 "\(c.attribute).bias.copy_(w[\"\(k.name).bias\"])"]
    return code
  }

  static let pooling = TorchLayerRow(typeNames: ["MaxPooling2D", "MinPooling2D", "AveragePooling2D"]) { layer, c in
    let p = try cast(layer, Pooling2D.self)
    let args = "\(p.size), stride=\(p.stride)"
    let pad = p.padding == .same ? list(samePad(c.input, p.size, p.size, p.stride)) : nil
    var f = ["x = x.permute(0, 3, 1, 2)"]
    switch p.kind {
    case .max, .min:
      let sign = p.kind == .min ? "-" : ""
      if let pad { f.append("x = F.pad(\(sign)x, \(pad), value=-math.inf)") } else if p.kind == .min { f.append("x = -x") }
      f.append("x = \(sign)F.max_pool2d(x, \(args))")
    case .average:
      if let pad {  // padded positions are not counted: divide by the real positions' share
        f.append("ones = F.pad(torch.ones_like(x[:, :1]), \(pad))")
        f.append("x = F.avg_pool2d(F.pad(x, \(pad)), \(args)) / F.avg_pool2d(ones, \(args))")
      } else {
        f.append("x = F.avg_pool2d(x, \(args))")
      }
    }
    f.append("x = x.permute(0, 2, 3, 1)")
    return TorchLayerCode(forward: f)
  }

  static let globalPooling = TorchLayerRow(typeNames: ["GlobalAveragePooling2D", "GlobalMaxPooling2D"]) { layer, _ in
    let p = try cast(layer, GlobalPooling2D.self)
    return TorchLayerCode(forward: [p.kind == .max ? "x = x.amax(dim=(1, 2))" : "x = x.mean(dim=(1, 2))"])
  }

  static let batchNorm = TorchLayerRow(typeNames: ["BatchNormalization"]) { layer, c in
    let b = try cast(layer, BatchNormalization.self)
    let f = c.input.last ?? 0
    var code = TorchLayerCode()
    // Keras' momentum weighs the old value; PyTorch's the new one.
    code.modules = ["\(c.attribute) = nn.BatchNorm1d(\(f), eps=\(py(b.epsilon)), momentum=\(py(1 - b.momentum)))"]
    code.forward = c.input.count == 1 ? ["x = \(c.attribute)(x)"]
      : ["x = \(c.attribute)(x.reshape(-1, \(f))).reshape(x.shape)  # per feature (the last axis)"]
    code.load = [("weight", "gamma"), ("bias", "beta"), ("running_mean", "moving_mean"),
                 ("running_var", "moving_variance")].map { t, d in "\(c.attribute).\(t).copy_(w[\"\(b.name).\(d)\"])" }
    return code
  }

  static let embedding = TorchLayerRow(typeNames: ["Embedding"]) { layer, c in
    let e = try cast(layer, Embedding.self)
    var code = TorchLayerCode()
    code.modules = ["\(c.attribute) = nn.Embedding(\(e.vocabulary), \(e.dimension))"]
    code.forward = (e.maskZero ? ["mask = (x != 0).float()  # id 0 is padding"] : ["mask = None"])
      + ["x = \(c.attribute)(x.long())"]
    code.load = ["\(c.attribute).weight.copy_(w[\"\(e.name).embeddings\"])"]
    return code
  }

  static let globalAveragePooling1D = TorchLayerRow(typeNames: ["GlobalAveragePooling1D"]) { _, c in
    TorchLayerCode(forward: c.masked
      ? ["x = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)", "mask = None"]
      : ["x = x.mean(1)"])
  }

  static let lastStep = TorchLayerRow(typeNames: ["LastStep"]) { _, c in
    TorchLayerCode(forward: c.masked
      ? ["pos = mask * torch.arange(1, x.shape[1] + 1, device=x.device)",
         "pick = (pos == pos.amax(1, keepdim=True)) & (pos > 0)",
         "x = (x * pick[:, :, None].float()).sum(1)", "mask = None"]
      : ["x = x[:, -1]"])
  }

  static let recurrent = TorchLayerRow(typeNames: ["SimpleRNN", "LSTM", "GRU"]) { layer, c in
    let r = try cast(layer, Recurrent.self)
    return try TorchRecurrent.code([r], merge: .concat, name: r.name, c)
  }

  static let bidirectional = TorchLayerRow(typeNames: ["Bidirectional"]) { layer, c in
    let b = try cast(layer, Bidirectional.self)
    return try TorchRecurrent.code([b.forwardLayer, b.backwardLayer], merge: b.merge, name: b.name, c)
  }
}
