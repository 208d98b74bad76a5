import Autograd
import NeuralNet

extension PyTorchScript {
  /// The training script of an encoder–decoder model: `forward(source, decoder_input)` runs
  /// the encoder (its last recurrent layer's final state starting the decoder's first one),
  /// the decoder with teacher forcing (the data file's targets shifted right behind the start
  /// token, as dl's fit with teacher_forcing=1), attention over the encoder's outputs, and the
  /// loss over the real target steps only (Σ m·ℓ / Σ m, id 0 being padding), as dl's.
  public static func render(_ s2s: Seq2SeqGraph, plan: TorchTrainingPlan) throws -> String {
    let model = s2s.model
    guard let loss = model.loss, let optimizer = model.optimizer else {
      throw ExportError("\(plan.modelName) is not compiled: the script needs its loss and optimizer",
                        hint: "compile it first")
    }
    // dl's fit refuses class_weight= on an encoder–decoder, so no fit has one to reproduce.
    guard plan.classWeights == nil else { throw ExportError("class_weight is not exported for encoder–decoder models") }
    let encoder = OnnxSeq2SeqExport.encoderNodes(model)
    var modules: [String] = [], load: [String] = []
    var forward = ["x, mask = source, None"]
    var names: [TensorSource: String] = [:]  // the Python variables of the encoder's outputs and masks
    var lastActivation = Activation.linear
    var masked = false  // whether `mask` holds the current sequence's real steps
    for (i, node) in model.nodes.enumerated() {
      let layer = node.layer
      let attribute = "self." + identifier(layer.name)
      let input = node.inputShapes.first ?? [], out = node.outputShapes.first ?? []
      if i == encoder.count {
        forward += ["", "# the decoder, fed the previous target tokens", "x, mask = decoder_input, None"]
        masked = false
      }
      var lines: [String]
      switch layer {
      case let r as Seq2SeqRecurrent:
        guard node.inputs.count >= 2, let state = names[node.inputs[1]] else {
          throw ExportError("\(r.name): the encoder's state is not known")
        }
        let code = try TorchRecurrent.code([r.inner], merge: .concat, name: r.name,
                                           TorchLayerContext(input: input, output: out, masked: false, attribute: attribute))
        modules += code.modules
        load += code.load
        lines = ["x, lengths = _compact(x, mask)",
                 "out, _ = \(attribute)(nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False), \(state))",
                 "x = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]",
                 "mask = (torch.arange(x.shape[1], device=x.device)[None] < lengths.to(x.device)[:, None]).float()"]
      case let r as Recurrent:
        let code = try TorchRecurrent.code([r], merge: .concat, name: r.name,  // its modules and weights
                                           TorchLayerContext(input: input, output: out, masked: false, attribute: attribute))
        modules += code.modules
        load += code.load
        let state = "state_\(i)"
        if masked {
          lines = ["x, lengths = _compact(x, mask)  # the real steps first; mask says which outputs are real",
                   "out, \(state) = \(attribute)(nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))",
                   "out = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]",
                   "mask = (torch.arange(x.shape[1], device=x.device)[None] < lengths.to(x.device)[:, None]).float()"]
        } else {
          lines = ["out, \(state) = \(attribute)(x)"]
        }
        let h = r.cell == .lstm ? "\(state)[0]" : state
        lines.append(r.returnSequences ? "x = out" : "x, mask = \(h)[0], None")
        if !r.returnSequences { masked = false }
        if i < encoder.count {
          for k in 0..<r.cell.stateCount { names[.node(i, output: k + 1)] = state }
          names[.node(i, output: 0)] = "values_\(i)"
          lines += ["values_\(i), values_mask_\(i) = x, mask"]
        }
      case let a as Attention:
        guard node.inputs.count >= 2, let values = names[node.inputs[1]] else {
          throw ExportError("\(a.name): the encoder's outputs are not known")
        }
        let sourceMasked = node.inputs.count == 3
        let (code, attentionLines) = try attention(a, attribute: attribute, values: values,
                                                   mask: sourceMasked ? values.replacingOccurrences(of: "values_", with: "values_mask_") : nil)
        modules += code.modules
        load += code.load
        lines = attentionLines
      default:
        guard node.inputs.count == 1, let row = TorchLayerTable.row(layer.typeName) else {
          throw ExportError("\(layer.name): the PyTorch export has no mapping for \(layer.typeName) layers in an encoder–decoder yet")
        }
        let code = try row.code(layer, TorchLayerContext(input: input, output: out, masked: masked, attribute: attribute))
        modules += code.modules
        load += code.load
        lines = code.forward
        if lines.contains(where: { $0.hasPrefix("mask = (x != 0)") }) { masked = true }
        if lines.contains("mask = None") { masked = false }
      }
      if i == model.nodes.count - 1 {
        lastActivation = layer.activation
        conditionalActivation(&lines, lastActivation)
      }
      forward += ["# \(layer.name): \(layer.typeName)"] + lines
    }
    forward.append("return x")
    let fused = lossFuses(loss, lastActivation)
    let lossBody: String
    switch (loss, fused) {
    case (.sparseCategoricalCrossentropy, true):
      lossBody = "F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1).long(), reduction=\"none\")"
    case (.sparseCategoricalCrossentropy, false):
      lossBody = "F.nll_loss(torch.log(out.reshape(-1, out.shape[-1]).clamp(1e-7, 1 - 1e-7)), y.reshape(-1).long(), reduction=\"none\")"
    default:
      throw ExportError("the PyTorch export of an encoder–decoder takes sparse_categorical_crossentropy, not \(loss.name)")
    }
    return Template.script(
      plan: plan, inputShape: [s2s.sourceLength], modules: modules, forward: forward,
      signature: "source, decoder_input",
      inputs: ["if y is None:",
               "    sys.exit(\"an encoder–decoder's outputs need the target tokens (teacher forcing): --predict without a file uses the data file's\")",
               "d = torch.zeros_like(y)  # the targets shifted right behind the start token \(PairVocabulary.startID)",
               "d[:, 1:] = y[:, :-1]", "d[:, 0] = \(PairVocabulary.startID)",
               "return (x, d * (y != 0))  # padded target steps: padding"],
      trainInputs: scheduledSampling(plan.teacherForcing),
      load: load,
      training: try trainingCode(model, optimizer, plan: plan,
                                 loss: "(\(lossBody) * m.reshape(-1)).sum() / m.sum().clamp(min=1e-7)", fused: fused,
                                 target: "m = (y != 0).float()  # the real target steps (the decoder's inputs there are not padding)",
                                 weightedLoss: nil))
  }

  /// The training inputs with dl's scheduled sampling at probability `p` (teacher_forcing=p,
  /// or the last epoch's value of a linear schedule): each real decoder input after the start
  /// token is, with probability 1 − p, the token the model predicts at the step before when
  /// fed the truth (inference mode; a predicted padding id becomes the unknown id), as
  /// `Seq2SeqGraph.scheduledInputs` does once per epoch (here, per batch).
  static func scheduledSampling(_ p: Double) -> [String] {
    guard p < 1 else { return ["return inputs(x, y)  # teacher forcing 1: always the true previous token"] }
    return [
      "source, d = inputs(x, y)",
      "p = \(p)  # teacher forcing: the probability of the true previous token (dl's last epoch)",
      "net.eval()",
      "with torch.no_grad():",
      "    predicted = net(source, d, logits=True).argmax(-1).to(d.dtype)",
      "net.train()",
      "predicted[predicted == 0] = \(PairVocabulary.unknownID)",
      "own = (torch.rand(d[:, 1:].shape, device=d.device) >= p) & (d[:, 1:] != 0)",
      "d = d.clone()",
      "d[:, 1:][own] = predicted[:, :-1][own]  # the model's own previous token",
      "return (source, d)",
    ]
  }

  /// Luong's attention over `values` (N, Ts, Ue): dot or additive scores, padded source steps
  /// −1e9 (`mask`), a softmax, the context, and tanh([context; h]·Wc).
  static func attention(_ a: Attention, attribute: String, values: String, mask: String?) throws
    -> (TorchLayerCode, [String]) {
    var code = TorchLayerCode()
    var params = [("combine_kernel", a.combineKernel)]
    var lines: [String] = []
    if a.kind == .additive {
      params += [("query_kernel", a.queryKernel), ("key_kernel", a.keyKernel), ("score_vector", a.scoreVector)]
      lines.append("scores = torch.tanh((x @ \(attribute)_query_kernel)[:, :, None] + (\(values) @ \(attribute)_key_kernel)[:, None]) @ \(attribute)_score_vector")
    } else {
      lines.append("scores = x @ \(values).transpose(1, 2)")
    }
    for (name, v) in params {
      guard let shape = v?.value.shape else { throw ExportError("\(a.name) is not built") }
      code.modules.append("\(attribute)_\(name) = nn.Parameter(torch.empty(\(shape.map(String.init).joined(separator: ", "))))")
      code.load.append("\(attribute)_\(name).copy_(w[\"\(a.name).\(name)\"])")
    }
    if let mask { lines.append("scores = scores + (\(mask)[:, None, :] - 1) * 1e9  # padded source steps left out") }
    lines += ["weights = torch.softmax(scores, -1)",
              "x = torch.tanh(torch.cat([weights @ \(values), x], -1) @ \(attribute)_combine_kernel)"]
    return (code, lines)
  }
}
