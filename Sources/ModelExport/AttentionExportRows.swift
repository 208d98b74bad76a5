import Autograd
import NeuralNet

// Multi-head self-attention (`attention heads=H` in a plain model) in both export forms: ONNX
// as MatMul / Reshape / Transpose / Softmax nodes, PyTorch as the same arithmetic on the
// layer's Keras-shaped weights (an nn.ParameterDict), so key_dim ≠ features/heads works too
// and a fully padded sequence gets dl's uniform weights (−1e9 on padded keys, not −inf).

extension OnnxLayerTable {
  /// x (N, T, D) → per head softmax(q·kᵀ/√K [+ −1e9 on padded keys])·v → ·Wo + bo.
  static let multiHeadAttention = OnnxLayerRow(typeNames: ["MultiHeadAttention"]) { layer, g, flow, out in
    let a = try cast(layer, MultiHeadAttention.self)
    guard a.weights.count == 8 else { throw ExportError("\(a.name) is not built: it has no weights yet") }
    let (d, h, k) = (a.weights[0].shape[0], a.weights[0].shape[1], a.weights[0].shape[2])
    let names = MultiHeadAttention.parameterNames
    func w(_ i: Int, _ shape: [Int]) -> String {
      g.weight(a.name + "." + names[i], shape: shape, a.weights[i].value.data)
    }
    // (N, T, D)·(D, H·K) + b → (N, T, H, K)
    func project(_ i: Int) -> String {
      let z = g.op("Add", [g.op("MatMul", [flow.tensor, w(i, [d, h * k])], name: a.name), w(i + 1, [h * k])],
                   name: a.name)
      return g.reshape(z, [0, 0, h, k], name: a.name)
    }
    let q = g.transpose(project(0), [0, 2, 1, 3], name: a.name)   // (N, H, T, K)
    let kt = g.transpose(project(2), [0, 2, 3, 1], name: a.name)  // (N, H, K, T)
    let v = g.transpose(project(4), [0, 2, 1, 3], name: a.name)   // (N, H, T, K)
    var scores = g.op("Mul", [g.op("MatMul", [q, kt], name: a.name),
                              g.scalar(a.name + ".scale", 1 / Float(k).squareRoot())], name: a.name)
    if let m = flow.mask {  // (1 − m)·(−1e9) as (N, 1, 1, T)
      let off = g.op("Mul", [g.op("Sub", [g.scalar(a.name + ".one", 1), m], name: a.name),
                             g.scalar(a.name + ".minus_inf", -1e9)], name: a.name)
      let bias = g.op("Unsqueeze", [off, g.int64s(a.name + "/axes", [1, 2])], name: a.name)
      scores = g.op("Add", [scores, bias], name: a.name)
    }
    let weights = g.op("Softmax", [scores], name: a.name, .int("axis", -1))
    let context = g.transpose(g.op("MatMul", [weights, v], name: a.name), [0, 2, 1, 3], name: a.name)
    let joined = g.reshape(context, [0, 0, h * k], name: a.name)
    let y = g.op("Add", [g.op("MatMul", [joined, w(6, [h * k, d])], name: a.name), w(7, [d])], name: a.name)
    return next(flow, y, out)
  }
}

extension TorchLayerTable {
  static let multiHeadAttention = TorchLayerRow(typeNames: ["MultiHeadAttention"]) { layer, c in
    let a = try cast(layer, MultiHeadAttention.self)
    guard a.weights.count == 8 else { throw ExportError("\(a.name) is not built: it has no weights yet") }
    let shapes = a.weights.map { list($0.shape) }
    let p = c.attribute
    var code = TorchLayerCode()
    let entries = zip(MultiHeadAttention.parameterNames, shapes).map { "\"\($0)\": nn.Parameter(torch.zeros\($1))" }
    code.modules = ["\(p) = nn.ParameterDict({" + entries.joined(separator: ", ") + "})"]
    let k = a.weights[0].shape[2]
    code.forward = [
      "# multi-head self-attention (Keras MultiHeadAttention layout: kernels (D, H, K), output (H, K, D))",
      "q = torch.einsum('ntd,dhk->nhtk', x, \(p)['query_kernel']) + \(p)['query_bias'][None, :, None, :]",
      "k = torch.einsum('ntd,dhk->nhtk', x, \(p)['key_kernel']) + \(p)['key_bias'][None, :, None, :]",
      "v = torch.einsum('ntd,dhk->nhtk', x, \(p)['value_kernel']) + \(p)['value_bias'][None, :, None, :]",
      "scores = q @ k.transpose(-1, -2) / \(TorchLayerTable.py(Float(k).squareRoot()))",
    ] + (c.masked ? ["scores = scores + (1 - mask)[:, None, None, :] * -1e9  # padded keys left out"] : []) + [
      "x = torch.einsum('nhtk,hkd->ntd', torch.softmax(scores, dim=-1) @ v, \(p)['output_kernel']) + \(p)['output_bias']",
    ]
    code.load = MultiHeadAttention.parameterNames.map { "\(p)[\"\($0)\"].copy_(w[\"\(a.name).\($0)\"])" }
    return code
  }
}
