import Autograd
import NeuralNet
import Testing
@testable import ModelExport

/// The generated PyTorch script, read as text: modules, weight loading, loss, optimizer,
/// schedule and the distributed loop.
@Suite("PyTorch script export")
struct PyTorchScriptTests {
  static let plan = TorchTrainingPlan(weightsFile: "train_m.safetensors", dataFile: "train_m.data.safetensors",
                                      batchSize: 16, epochs: 7, shuffle: true, modelName: "m",
                                      scriptFile: "train_m.py")

  static func compiled(_ input: [Int], _ layers: [Layer], loss: Loss, optimizer: Optimizer) throws -> Model {
    let m = try OnnxExportTests.model(input, layers)
    try m.compile(loss: loss, optimizer: optimizer)
    return m
  }

  @Test("a classifier: Linear modules, transposed weights, fused cross-entropy, Adam, DDP")
  func classifier() throws {
    let m = try Self.compiled([4], [Dense(units: 8, activation: .relu), Dropout(rate: 0.1),
                                    Dense(units: 3, activation: .softmax)],
                              loss: .sparseCategoricalCrossentropy, optimizer: Adam(lr: 0.01))
    let s = try PyTorchScript.render(m, plan: Self.plan)
    for part in ["self.dense = nn.Linear(4, 8)", "self.dense_1 = nn.Linear(8, 3)", "self.dropout = nn.Dropout(0.1)",
                 "self.dense.weight.copy_(w[\"dense.weights\"].T)", "return F.cross_entropy(out, y.long())",
                 "KerasAdam(params, lr=0.01, betas=(0.9, 0.999), eps=1e-07)", "class KerasAdam(torch.optim.Optimizer):",
                 "p.addcdiv_(s[\"exp_avg\"], s[\"exp_avg_sq\"].sqrt().add_(eps), value=-lr_t)",
                 "DistributedDataParallel(net", "DistributedSampler(dataset", "dist.init_process_group(\"nccl\" if cuda else \"gloo\")",
                 "EPOCHS, BATCH, SHUFFLE = 7, 16, True", "FUSED = True", "if not logits:\n            x = torch.softmax(x, dim=-1)",
                 "WEIGHTS = os.path.join(HERE, \"train_m.safetensors\")"] {
      #expect(s.contains(part), "missing: \(part)")
    }
  }

  @Test("a convolution keeps NHWC, pads as TensorFlow, loads its kernel permuted; SGD with a schedule")
  func convolution() throws {
    let sgd = SGD(lr: 0.1, momentum: 0.9, nesterov: true)
    sgd.schedule = try LearningRateSchedule(initial: 0.1, kind: .step(every: 2, factor: 0.5))
    let m = try Self.compiled([8, 8, 1], [Conv2D(filters: 4, kernelSize: (3, 3), padding: .same), Pooling2D(.max, size: 2),
                                          Flatten(), Dense(units: 1)],
                              loss: .mse, optimizer: sgd)
    let s = try PyTorchScript.render(m, plan: Self.plan)
    for part in ["nn.Conv2d(1, 4, (3, 3), stride=1)", "x = F.pad(x, (1, 1, 1, 1))",
                 "w[\"conv2d.kernel\"].permute(3, 2, 0, 1)", "F.max_pool2d(x, 2, stride=2)", "F.mse_loss(out, y)",
                 "torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True)",
                 "return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda e: 0.5 ** ((start + e) // 2))",
                 "FUSED = False"] {
      #expect(s.contains(part), "missing: \(part)")
    }
  }

  @Test("recurrent layers: GRU gates reordered on load, a mask compacted and packed")
  func recurrent() throws {
    let m = try Self.compiled([6], [Embedding(vocabulary: 20, dimension: 4, maskZero: true),
                                    Bidirectional(Recurrent(.gru, units: 3)), Dense(units: 1, activation: .sigmoid)],
                              loss: .binaryCrossentropy, optimizer: RMSprop())
    let s = try PyTorchScript.render(m, plan: Self.plan)
    for part in ["nn.GRU(4, 3, batch_first=True, bidirectional=True)", "mask = (x != 0).float()",
                 "x, lengths = _compact(x, mask)", "pack_padded_sequence(x, lengths",
                 "_gates(w[\"bidirectional.backward_gru.bias\"][1], (1, 0, 2), 3)", "weight_ih_l0_reverse",
                 "F.binary_cross_entropy_with_logits(out, y)", "KerasRMSprop(params, lr=0.001, rho=0.9, eps=1e-07)",
                 "p.addcdiv_(p.grad, (s[\"square_avg\"] + eps).sqrt(), value=-group[\"lr\"])"] {
      #expect(s.contains(part), "missing: \(part)")
    }
  }

  @Test("l1/l2 penalties are added to the loss, on the layers that set them, in evaluation and training")
  func penalties() throws {
    let m = try Self.compiled([4], [Dense(units: 8, activation: .relu, l2: 0.01), Dense(units: 3, l1: 0.001, l2: 0.5),
                                    Dense(units: 2, activation: .softmax)],
                              loss: .sparseCategoricalCrossentropy, optimizer: Adam())
    let s = try PyTorchScript.render(m, plan: Self.plan)
    for part in ["return (0.01 * net.dense.weight.square().sum()\n        + 0.001 * net.dense_1.weight.abs().sum()\n        + 0.5 * net.dense_1.weight.square().sum())",
                 "loss = train_loss_fn(model(*train_inputs(net, xb, yb), logits=FUSED), yb) + penalty(net)",
                 "return total / len(x) + float(penalty(net))"] {
      #expect(s.contains(part), "missing: \(part)")
    }
    #expect(!s.contains("net.dense_2.weight"))
    let c = try Self.compiled([6, 6, 1], [Conv2D(filters: 2, kernelSize: (3, 3), l1: 0.25), Flatten(), Dense(units: 1)],
                              loss: .mse, optimizer: Adam())
    #expect(try PyTorchScript.render(c, plan: Self.plan).contains("return (0.25 * net.conv2d.weight.abs().sum())"))
    let plain = try Self.compiled([4], [Dense(units: 1)], loss: .mse, optimizer: Adam())
    #expect(try PyTorchScript.render(plain, plan: Self.plan).contains("return 0.0  # no layer sets l1= or l2="))
  }

  @Test("class weights weigh the training loss per sample's class; the evaluation loss stays unweighted")
  func classWeights() throws {
    var plan = Self.plan
    plan.classWeights = [0.5, 2.0, 1.25]
    let m = try Self.compiled([4], [Dense(units: 3, activation: .softmax)], loss: .sparseCategoricalCrossentropy,
                              optimizer: Adam())
    let s = try PyTorchScript.render(m, plan: plan)
    for part in ["CLASS_WEIGHTS = torch.tensor([0.5, 2.0, 1.25])",
                 "return (CLASS_WEIGHTS[y.long()] * F.cross_entropy(out, y.long(), reduction=\"none\")).mean()",
                 "def loss_fn(out, y):\n    y = y.reshape(-1)\n    return F.cross_entropy(out, y.long())"] {
      #expect(s.contains(part), "missing: \(part)")
    }
    #expect(!s.contains("train_loss_fn = loss_fn"))
    var binary = Self.plan
    binary.classWeights = [1, 3]
    let b = try Self.compiled([4], [Dense(units: 1, activation: .sigmoid)], loss: .binaryCrossentropy, optimizer: Adam())
    #expect(try PyTorchScript.render(b, plan: binary).contains(
      "CLASS_WEIGHTS[(y >= 0.5).long()] * F.binary_cross_entropy_with_logits(out, y, reduction=\"none\")"))
    let r = try Self.compiled([4], [Dense(units: 1)], loss: .mse, optimizer: Adam())
    #expect(throws: ExportError.self) { try PyTorchScript.render(r, plan: binary) }
    #expect(try PyTorchScript.render(r, plan: Self.plan).contains("train_loss_fn = loss_fn  # no class weights"))
  }

  @Test("schedules: LambdaLR of dl's formula from dl's epochs on, plateau as ReduceLROnPlateau (patience − 1)")
  func schedules() throws {
    func script(_ kind: LearningRateSchedule.Kind, validation: TorchValidation = .none) throws -> String {
      let adam = Adam(lr: 0.5)
      adam.schedule = try LearningRateSchedule(initial: 0.01, kind: kind)
      var plan = Self.plan
      plan.validation = validation
      plan.initialEpoch = 12
      return try PyTorchScript.render(try Self.compiled([4], [Dense(units: 1)], loss: .mse, optimizer: adam), plan: plan)
    }
    let e = try script(.exponential(rate: 0.9))
    #expect(e.contains("LambdaLR(optimizer, lambda e: 0.9 ** (start + e))"))
    #expect(e.contains("KerasAdam(params, lr=0.01,"), "the scheduler multiplies the schedule's initial rate")
    #expect(e.contains("START_EPOCH = 12"))
    let c = try script(.cosine(epochs: 20, warmup: 2))
    for part in ["e += start", "if e < 2:\n            return (e + 1) / 2", "if e >= 20:\n            return 0.0",
                 "math.cos(math.pi * (e - 2) / 18)", "LambdaLR(optimizer, factor)"] {
      #expect(c.contains(part), "missing: \(part)")
    }
    let p = try script(.plateau(patience: 3, factor: 0.5, minDelta: 0.001), validation: .fraction(0.2))
    for part in ["ReduceLROnPlateau(\n        optimizer, mode=\"min\", factor=0.5, patience=2, threshold=0.001, threshold_mode=\"abs\", cooldown=0, eps=0)",
                 "scheduler.best, scheduler.num_bad_epochs = math.inf, 0",
                 "scheduler.step(val_loss if val_loss is not None else epoch_loss)",
                 "VALIDATION = 0.2", "split = math.ceil(len(x) * (1 - VALIDATION))"] {
      #expect(p.contains(part), "missing: \(part)")
    }
    #expect(try script(.plateau(patience: 0, factor: 0.5, minDelta: 0)).contains("patience=0,"))
    #expect(try script(.step(every: 3, factor: 0.5), validation: .tensors).contains("vx, vy = data[\"val_x\"], data[\"val_y\"]"))
  }

  @Test("a recurrent activation PyTorch lacks is refused")
  func refusals() throws {
    let g = try Self.compiled([3, 2], [Recurrent(.lstm, units: 2, activation: .relu)], loss: .mse, optimizer: Adam())
    #expect(throws: ExportError.self) { try PyTorchScript.render(g, plan: Self.plan) }
  }

  @Test("a model never compiled: the module, dl's weights and --predict; no loss, optimizer or training loop")
  func predictOnly() throws {
    let m = try OnnxExportTests.model([8, 8, 1], [Conv2D(filters: 2, kernelSize: (3, 3), padding: .same)])
    let s = try PyTorchScript.render(m, plan: Self.plan)
    for part in ["TRAINABLE = False", "OPTIMIZER = None", "(inference only: it was never compiled in dl)",
                 "self.conv2d.weight.copy_(w[\"conv2d.kernel\"].permute(3, 2, 0, 1))", "def predict(source, out_path):",
                 "x, y = data[\"predict_x\"], data.get(\"predict_y\")", "save_file({\"output\": out.contiguous()}, out_path)",
                 "if not TRAINABLE:\n        sys.exit(", "was never compiled in dl, so there is no loss or optimizer"] {
      #expect(s.contains(part), "missing: \(part)")
    }
    for absent in ["def loss_fn", "def make_optimizer", "def train(args)", "KerasAdam", "DistributedSampler(dataset"] {
      #expect(!s.contains(absent), "present: \(absent)")
    }
    // A compiled model's script predicts too, and trains.
    let c = try Self.compiled([4], [Dense(units: 1)], loss: .mse, optimizer: SGD(lr: 0.1))
    let t = try PyTorchScript.render(c, plan: Self.plan)
    for part in ["TRAINABLE = True", "def predict(source, out_path):", "def train(args):", "\n    train(args)\n"] {
      #expect(t.contains(part), "missing: \(part)")
    }
    #expect(!t.contains("KerasAdam") && !t.contains("class EarlyStopping"))
  }

  @Test("early stopping: dl's rule on the same monitor, best weights restored; a monitor the script lacks is refused")
  func earlyStopping() throws {
    var plan = Self.plan
    plan.earlyStopping = TorchEarlyStopping(monitor: "val_loss", patience: 3, minDelta: 0.01, restoreBest: false, startFrom: 2)
    plan.validation = .fraction(0.2)
    let m = try Self.compiled([4], [Dense(units: 1)], loss: .mse, optimizer: Adam())
    let s = try PyTorchScript.render(m, plan: plan)
    for part in ["return EarlyStopping(monitor=\"val_loss\", patience=3, min_delta=0.01, restore_best=False, start_from=2)",
                 "class EarlyStopping:", "if v < self.best - self.min_delta:", "if self.wait >= self.patience and epoch > 1:",
                 "if epoch <= self.start_from or v is None:",
                 "if early is not None and early.should_stop(epoch + 1, {\"loss\": epoch_loss, \"val_loss\": val_loss}, net):",
                 "early.finish(net, rank)", "net.load_state_dict(self.best_state)"] {
      #expect(s.contains(part), "missing: \(part)")
    }
    #expect(try PyTorchScript.render(m, plan: Self.plan).contains("return None  # the fit did not stop early"))
    plan.earlyStopping = TorchEarlyStopping(monitor: "val_accuracy", patience: 3)
    #expect(throws: ExportError.self) { try PyTorchScript.render(m, plan: plan) }
  }

  @Test("a search's rate replaces the optimizer's rate and its schedule")
  func searchRate() throws {
    let adam = Adam(lr: 0.5)
    adam.schedule = try LearningRateSchedule(initial: 0.5, kind: .exponential(rate: 0.9))
    var plan = Self.plan
    plan.learningRate = 0.003
    plan.dataNote = "all the rows of the dataset of the search"
    let s = try PyTorchScript.render(try Self.compiled([4], [Dense(units: 1)], loss: .mse, optimizer: adam), plan: plan)
    for part in ["KerasAdam(params, lr=0.003,", "return None  # the search's rate, constant",
                 "trains on train_m.data.safetensors (all the rows of the dataset of the search)"] {
      #expect(s.contains(part), "missing: \(part)")
    }
    #expect(!s.contains("LambdaLR"))
  }
}
