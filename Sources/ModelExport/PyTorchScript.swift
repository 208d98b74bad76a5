import Autograd
import NeuralNet

/// What the generated script trains on and how: the files written beside it and the fit's
/// settings.
public struct TorchTrainingPlan: Sendable {
  /// The model file (dl's `save` format) the script loads its starting weights from, a name
  /// relative to the script's directory.
  public var weightsFile: String
  /// The data file (safetensors with tensors `x` and `y`, as dl had them after load, split
  /// and scaling), relative to the script's directory.
  public var dataFile: String
  /// The fit's batch size.
  public var batchSize: Int
  /// The fit's epochs.
  public var epochs: Int
  /// Whether the fit shuffled.
  public var shuffle: Bool
  /// The model's name in dl.
  public var modelName: String
  /// The script's own file name (for its usage text).
  public var scriptFile: String

  /// A plan.
  public init(weightsFile: String, dataFile: String, batchSize: Int, epochs: Int, shuffle: Bool,
              modelName: String, scriptFile: String) {
    self.scriptFile = scriptFile
    self.weightsFile = weightsFile
    self.dataFile = dataFile
    self.batchSize = batchSize
    self.epochs = epochs
    self.shuffle = shuffle
    self.modelName = modelName
  }
}

/// A readable PyTorch training script for a compiled dl model: an `nn.Module` equal to the
/// model block (each layer from its row of `TorchLayerTable`), dl's weights loaded from the
/// model file, the same loss, optimizer, clipping and learning-rate schedule, a DataLoader
/// over the exported data with a `DistributedSampler`, and `DistributedDataParallel` training
/// under `torchrun --nproc_per_node=N` (gloo on CPU, nccl on GPU; plain `python` runs one
/// process).
public enum PyTorchScript {
  /// The script's text; throws `ExportError` for a model that is not a compiled chain or has
  /// a layer or setting without a PyTorch equivalent.
  public static func render(_ model: Model, plan: TorchTrainingPlan) throws -> String {
    guard model.isChain, let input = model.inputs.first else {
      throw ExportError("\(model.name) is not a chain of layers with one input and one output")
    }
    guard let loss = model.loss, let optimizer = model.optimizer else {
      throw ExportError("\(plan.modelName) is not compiled: the script needs its loss and optimizer",
                        hint: "compile it first")
    }
    var modules: [String] = [], forward: [String] = [], load: [String] = []
    var masked = false
    var lastActivation = Activation.linear
    for (i, node) in model.nodes.enumerated() {
      let layer = node.layer
      guard let row = TorchLayerTable.row(layer.typeName) else {
        throw ExportError("\(layer.name): the PyTorch export has no mapping for \(layer.typeName) layers yet")
      }
      let out = node.outputShapes.first ?? []
      let attribute = "self." + identifier(layer.name)
      let code = try row.code(layer, TorchLayerContext(input: node.inputShapes.first ?? [], output: out,
                                                       masked: masked, attribute: attribute))
      modules += code.modules
      var lines = code.forward
      if i == model.nodes.count - 1 {
        lastActivation = layer.activation
        if let a = TorchLayerTable.activation(lastActivation), lines.last == a {
          lines[lines.count - 1] = "if not logits:"
          lines.append("    " + a)
        }
      }
      forward += ["# \(layer.name): \(layer.typeName)"] + lines
      load += code.load
      if lines.contains(where: { $0.hasPrefix("mask = (x") }) { masked = true }
      if lines.contains("mask = None") { masked = false }
      if masked, let first = node.inputShapes.first?.first, out.first != first { masked = false }
    }
    let fused = lossFuses(loss, lastActivation)
    return Template.script(
      plan: plan, inputShape: input.shape, modules: modules, forward: forward, load: load,
      loss: lossCode(loss, fused: fused), fused: fused, optimizer: try optimizerCode(optimizer),
      clipping: clippingCode(optimizer.clipping), schedule: scheduleCode(optimizer.schedule),
      target: targetCode(loss), hasMask: forward.contains { $0.contains("mask = (x") })
  }

  /// A Python identifier for a layer name.
  static func identifier(_ name: String) -> String {
    let s = String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
    return s.first?.isNumber == true ? "l_" + s : s
  }

  static func lossFuses(_ loss: Loss, _ a: Activation) -> Bool {
    switch (loss, a) {
    case (.categoricalCrossentropy, .softmax), (.sparseCategoricalCrossentropy, .softmax),
         (.binaryCrossentropy, .sigmoid): return true
    default: return false
    }
  }

  /// `def loss_fn(out, y)`'s body: the same loss as dl's (mean over the batch; from logits
  /// when dl fuses it with the final activation, on clipped probabilities otherwise).
  static func lossCode(_ loss: Loss, fused: Bool) -> String {
    switch (loss, fused) {
    case (.mse, _): return "F.mse_loss(out, y)"
    case (.mae, _): return "F.l1_loss(out, y)"
    case (.binaryCrossentropy, true): return "F.binary_cross_entropy_with_logits(out, y)"
    case (.binaryCrossentropy, false): return "F.binary_cross_entropy(out.clamp(1e-7, 1 - 1e-7), y)"
    case (.sparseCategoricalCrossentropy, true): return "F.cross_entropy(out, y.long())"
    case (.sparseCategoricalCrossentropy, false):
      return "F.nll_loss(torch.log(out.clamp(1e-7, 1 - 1e-7)), y.long())"
    case (.categoricalCrossentropy, true): return "F.cross_entropy(out, y)"
    case (.categoricalCrossentropy, false):
      return "-(y * torch.log((out / out.sum(-1, keepdim=True)).clamp(1e-7, 1 - 1e-7))).sum(-1).mean()"
    }
  }

  /// How the targets are shaped for the loss.
  static func targetCode(_ loss: Loss) -> String {
    switch loss {
    case .sparseCategoricalCrossentropy: return "y = y.reshape(-1)"
    default: return "y = y.reshape(out.shape)"
    }
  }

  static func optimizerCode(_ o: Optimizer) throws -> String {
    let lr = TorchLayerTable.py(o.learningRate)
    switch o {
    case let s as SGD:
      return "torch.optim.SGD(params, lr=\(lr), momentum=\(TorchLayerTable.py(s.momentum)), nesterov=\(s.nesterov ? "True" : "False"))"
    case let a as Adam:
      return "torch.optim.Adam(params, lr=\(lr), betas=(\(TorchLayerTable.py(a.beta1)), \(TorchLayerTable.py(a.beta2))), eps=\(TorchLayerTable.py(a.epsilon)))"
    case let r as RMSprop:
      return "torch.optim.RMSprop(params, lr=\(lr), alpha=\(TorchLayerTable.py(r.rho)), eps=\(TorchLayerTable.py(r.epsilon)))"
    default:
      throw ExportError("the PyTorch export has no mapping for the optimizer \(o.name)")
    }
  }

  /// Lines run after backward, before the step (Keras' clipnorm is per tensor).
  static func clippingCode(_ c: GradientClipping) -> [String] {
    var lines: [String] = []
    if let v = c.clipvalue { lines.append("torch.nn.utils.clip_grad_value_(model.parameters(), \(TorchLayerTable.py(v)))") }
    if let n = c.clipnorm {
      lines.append("for p in model.parameters(): torch.nn.utils.clip_grad_norm_([p], \(TorchLayerTable.py(n)))")
    }
    if let g = c.globalClipnorm { lines.append("torch.nn.utils.clip_grad_norm_(model.parameters(), \(TorchLayerTable.py(g)))") }
    return lines
  }

  /// `def learning_rate(epoch)`'s body (epochs from 0), dl's schedule.
  static func scheduleCode(_ s: LearningRateSchedule?) -> String {
    guard let s else { return "return None  # a constant rate" }
    let lr = "\(s.initial)"
    switch s.kind {
    case .step(let every, let f): return "return \(lr) * \(f) ** (epoch // \(every))"
    case .exponential(let r): return "return \(lr) * \(r) ** epoch"
    case .cosine(let epochs, let warmup):
      return "if epoch < \(warmup):\n        return \(lr) * (epoch + 1) / \(warmup)\n    "
        + "if epoch >= \(epochs):\n        return 0.0\n    "
        + "return \(lr) * 0.5 * (1 + math.cos(math.pi * (epoch - \(warmup)) / \(epochs - warmup)))"
    case .plateau: return "return None  # dl's plateau schedule is not reproduced: the rate stays constant"
    }
  }
}
