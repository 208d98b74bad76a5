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
  /// The fit's class weights, one per class (class_weight resolved on its training samples),
  /// or nil: the training loss weighs each sample's loss by its class's weight.
  public var classWeights: [Double]?
  /// The fit's validation data.
  public var validation: TorchValidation
  /// The epochs dl trained the model for: the learning-rate schedule continues from there.
  public var initialEpoch: Int
  /// An encoder–decoder's teacher forcing: the probability that the decoder is fed the true
  /// previous token (the value of the fit's last epoch; 1: always).
  public var teacherForcing: Double = 1
  /// dl's optimizer state (safetensors, `SLOT:PATH` tensors in dl's layouts and the iteration
  /// count), relative to the script's directory: the script's optimizer starts from it.
  public var optimizerFile = ""
  /// A learning rate that replaces the optimizer's (and its schedule), as a `search`'s best
  /// setting does for the copies it trains; nil: the model's own.
  public var learningRate: Double?
  /// The fit's early stopping, or nil.
  public var earlyStopping: TorchEarlyStopping?
  /// What the data file holds, for the script's docstring.
  public var dataNote = "the tensors x and y that dl trained on, after loading, splitting and scaling"

  /// A plan.
  public init(weightsFile: String, dataFile: String, batchSize: Int, epochs: Int, shuffle: Bool,
              modelName: String, scriptFile: String, classWeights: [Double]? = nil,
              validation: TorchValidation = .none, initialEpoch: Int = 0) {
    self.scriptFile = scriptFile
    self.weightsFile = weightsFile
    self.dataFile = dataFile
    self.batchSize = batchSize
    self.epochs = epochs
    self.shuffle = shuffle
    self.modelName = modelName
    self.classWeights = classWeights
    self.validation = validation
    self.initialEpoch = initialEpoch
  }
}

/// Where the generated script's validation data comes from, as in the fit.
public enum TorchValidation: Sendable, Equatable {
  /// No validation.
  case none
  /// The last `fraction` of the data file's samples (the first ⌈N·(1 − fraction)⌉ train).
  case fraction(Double)
  /// The data file's tensors `val_x` and `val_y`.
  case tensors
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
        conditionalActivation(&lines, lastActivation)
      }
      forward += ["# \(layer.name): \(layer.typeName)"] + lines
      load += code.load
      if lines.contains(where: { $0.hasPrefix("mask = (x") }) { masked = true }
      if lines.contains("mask = None") { masked = false }
      if masked, let first = node.inputShapes.first?.first, out.first != first { masked = false }
    }
    let forwardBody = ["mask = None"] + forward + ["return x"]
    guard let loss = model.loss, let optimizer = model.optimizer else {
      // Never compiled: the module and dl's weights, for --predict; training is refused.
      return Template.script(plan: plan, inputShape: input.shape, modules: modules, forward: forwardBody,
                             load: load, training: nil)
    }
    let fused = lossFuses(loss, lastActivation)
    var weighted: String?
    if let w = plan.classWeights {
      guard let code = weightedLossCode(loss, fused: fused) else {
        throw ExportError("class_weight needs a classification loss, not \(loss.name)")
      }
      weighted = "CLASS_WEIGHTS = torch.tensor([\(w.map { "\($0)" }.joined(separator: ", "))])\n\n\n"
        + "def train_loss_fn(out, y):\n"
        + "    \"\"\"The training loss: each sample's loss times its class's weight (fit's class_weight), Σ w·ℓ / N.\"\"\"\n"
        + "    \(targetCode(loss))\n    \(code)"
    }
    let training = try trainingCode(model, optimizer, plan: plan, loss: lossCode(loss, fused: fused), fused: fused,
                                    target: targetCode(loss), weightedLoss: weighted)
    return Template.script(plan: plan, inputShape: input.shape, modules: modules, forward: forwardBody, load: load,
                           training: training)
  }

  /// The training parts of a compiled model's script: `loss` and `target` (Python), the
  /// optimizer (at the plan's rate when it sets one, without a schedule then), clipping,
  /// schedule, weight penalties and early stopping.
  static func trainingCode(_ model: Model, _ optimizer: Optimizer, plan: TorchTrainingPlan, loss: String, fused: Bool,
                           target: String, weightedLoss: String?) throws -> TrainingCode {
    let (code, helper) = try optimizerCode(optimizer, rate: plan.learningRate)
    return TrainingCode(loss: loss, fused: fused, optimizer: code, optimizerClass: helper,
                        clipping: clippingCode(optimizer.clipping),
                        schedule: plan.learningRate == nil ? scheduleCode(optimizer.schedule) : "return None  # the search's rate, constant",
                        target: target, penalty: try penaltyCode(model), weightedLoss: weightedLoss,
                        earlyStopping: try TorchTraining.earlyStoppingCode(plan.earlyStopping))
  }

  /// `def penalty(net)`'s body: the weight penalties dl adds to the loss (Keras'
  /// `kernel_regularizer`: l1·Σ|w| + l2·Σw² for each layer that sets l1= or l2=).
  static func penaltyCode(_ model: Model) throws -> [String] {
    var terms: [String] = []
    for node in model.nodes where node.layer.isRegularized {
      let layer = node.layer
      let factors: (Float, Float)
      switch layer {
      case let d as Dense: factors = (d.l1, d.l2)
      case let c as Conv2D: factors = (c.l1, c.l2)
      case let e as Embedding: factors = (e.l1, e.l2)
      default: throw ExportError("\(layer.name): the PyTorch export has no weight penalty for \(layer.typeName) layers")
      }
      let w = "net.\(identifier(layer.name)).weight"  // the kernel, whatever its layout: the sums are the same
      if factors.0 != 0 { terms.append("\(TorchLayerTable.py(factors.0)) * \(w).abs().sum()") }
      if factors.1 != 0 { terms.append("\(TorchLayerTable.py(factors.1)) * \(w).square().sum()") }
    }
    guard !terms.isEmpty else { return ["return 0.0  # no layer sets l1= or l2="] }
    return ["return (" + terms.joined(separator: "\n        + ") + ")"]
  }

  /// `return …` of the class-weighted training loss: Σ w[class]·ℓ / N over the batch (dl's
  /// class_weight); nil for a loss without classes.
  /// The output layer's activation line made conditional (`if not logits:`), so the loss can
  /// read the logits when it fuses with the activation, as dl's fused head does.
  static func conditionalActivation(_ lines: inout [String], _ activation: Activation) {
    guard let a = TorchLayerTable.activation(activation), lines.last == a else { return }
    lines[lines.count - 1] = "if not logits:"
    lines.append("    " + a)
  }

  static func weightedLossCode(_ loss: Loss, fused: Bool) -> String? {
    let clamp = "clamp(1e-7, 1 - 1e-7)"
    switch (loss, fused) {
    case (.sparseCategoricalCrossentropy, true):
      return "return (CLASS_WEIGHTS[y.long()] * F.cross_entropy(out, y.long(), reduction=\"none\")).mean()"
    case (.sparseCategoricalCrossentropy, false):
      return "return (CLASS_WEIGHTS[y.long()] * F.nll_loss(torch.log(out.\(clamp)), y.long(), reduction=\"none\")).mean()"
    case (.categoricalCrossentropy, true):
      return "return (CLASS_WEIGHTS[y.argmax(-1)] * F.cross_entropy(out, y, reduction=\"none\")).mean()"
    case (.categoricalCrossentropy, false):
      return "return (CLASS_WEIGHTS[y.argmax(-1)] * -(y * torch.log((out / out.sum(-1, keepdim=True)).\(clamp))).sum(-1)).mean()"
    case (.binaryCrossentropy, true):
      return "return (CLASS_WEIGHTS[(y >= 0.5).long()] * F.binary_cross_entropy_with_logits(out, y, reduction=\"none\")).mean()"
    case (.binaryCrossentropy, false):
      return "return (CLASS_WEIGHTS[(y >= 0.5).long()] * F.binary_cross_entropy(out.\(clamp), y, reduction=\"none\")).mean()"
    default: return nil
    }
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

  /// The optimizer's construction and, for Adam and RMSprop, the class that follows dl's rule
  /// (Keras' ε placement, which PyTorch's built-ins do not share).
  static func optimizerCode(_ o: Optimizer, rate override: Double? = nil) throws -> (String, String?) {
    // With a schedule, the rate dl's optimizer holds is the last epoch's: start from the
    // schedule's (the scheduler multiplies it), or from the plateau's current rate.
    var rate = o.learningRate
    if let s = o.schedule { rate = Float(s.kind.isPlateau ? s.plateauRate : s.initial) }
    if let override { rate = Float(override) }
    let lr = TorchLayerTable.py(rate)
    switch o {
    case let s as SGD:
      return ("torch.optim.SGD(params, lr=\(lr), momentum=\(TorchLayerTable.py(s.momentum)), nesterov=\(s.nesterov ? "True" : "False"))", nil)
    case let a as Adam:
      return ("KerasAdam(params, lr=\(lr), betas=(\(TorchLayerTable.py(a.beta1)), \(TorchLayerTable.py(a.beta2))), eps=\(TorchLayerTable.py(a.epsilon)))",
              TorchTraining.adamClass)
    case let r as RMSprop:
      return ("KerasRMSprop(params, lr=\(lr), rho=\(TorchLayerTable.py(r.rho)), eps=\(TorchLayerTable.py(r.epsilon)))",
              TorchTraining.rmspropClass)
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

  /// `def make_scheduler(optimizer)`'s body: dl's schedule as a `torch.optim.lr_scheduler`,
  /// stepped once per epoch. The closed-form schedules are `LambdaLR` of dl's formula over
  /// epochs counted on from `start` (dl's epochs so far); plateau is `ReduceLROnPlateau` on the
  /// same monitored loss, its state (best value, epochs without improvement) carried over.
  /// Keras reduces when `wait >= patience` and PyTorch when `bad_epochs > patience`, so
  /// PyTorch's patience is dl's − 1 (dl's 0 and 1 both reduce at each epoch that does not improve).
  static func scheduleCode(_ s: LearningRateSchedule?) -> String {
    guard let s else { return "return None  # a constant rate" }
    let lambda = "torch.optim.lr_scheduler.LambdaLR(optimizer, lambda e: "
    switch s.kind {
    case .step(let every, let f):
      return "# dl: \(s.description)\n    return \(lambda)\(f) ** ((start + e) // \(every)))"
    case .exponential(let r):
      return "# dl: \(s.description)\n    return \(lambda)\(r) ** (start + e))"
    case .cosine(let epochs, let warmup):
      return "# dl: \(s.description)\n    def factor(e):\n        e += start\n        "
        + "if e < \(warmup):\n            return (e + 1) / \(warmup)\n        "
        + "if e >= \(epochs):\n            return 0.0\n        "
        + "return 0.5 * (1 + math.cos(math.pi * (e - \(warmup)) / \(epochs - warmup)))\n    "
        + "return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)"
    case .plateau(let patience, let f, let d):
      let best = s.best.isFinite ? "\(s.best)" : "math.inf"
      return "# dl: \(s.description), min_delta=\(d): Keras' ReduceLROnPlateau\n    "
        + "scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(\n        optimizer, mode=\"min\", "
        + "factor=\(f), patience=\(Swift.max(patience - 1, 0)), threshold=\(d), threshold_mode=\"abs\", cooldown=0, eps=0)\n    "
        + "if start > 0:  # dl's state after its epochs\n        "
        + "scheduler.best, scheduler.num_bad_epochs = \(best), \(s.wait)\n    return scheduler"
    }
  }
}

extension LearningRateSchedule.Kind {
  /// Whether it is `plateau`.
  var isPlateau: Bool { if case .plateau = self { return true }; return false }
}
