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
                 "torch.optim.Adam(params, lr=0.01, betas=(0.9, 0.999), eps=1e-07)",
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
                 "torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True)", "return 0.1 * 0.5 ** (epoch // 2)",
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
                 "F.binary_cross_entropy_with_logits(out, y)", "torch.optim.RMSprop("] {
      #expect(s.contains(part), "missing: \(part)")
    }
  }

  @Test("an uncompiled model or a recurrent activation PyTorch lacks is refused")
  func refusals() throws {
    let m = try OnnxExportTests.model([4], [Dense(units: 2)])
    #expect(throws: ExportError.self) { try PyTorchScript.render(m, plan: Self.plan) }
    let g = try Self.compiled([3, 2], [Recurrent(.lstm, units: 2, activation: .relu)], loss: .mse, optimizer: Adam())
    #expect(throws: ExportError.self) { try PyTorchScript.render(g, plan: Self.plan) }
  }
}
