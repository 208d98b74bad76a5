import Autograd
import Foundation
import ModelExport
import NeuralNet
import TermPlot

/// A `fit` on streamed datasets, for `export MODEL "FILE.py"`: the script trains from a data
/// file, so the streams' rows (after their split and scaling) are read into it, up to
/// `StreamFitRecord.maxValues` values.
public struct StreamFitRecord {
  public let train: StreamDataset
  public let validation: StreamDataset?
  public let batch: Int, epochs: Int
  public let shuffle: Bool
  /// The fit's early stopping, if any.
  public var earlyStopping: EarlyStopping?

  /// The most feature and target values written beside a script (1 GB of float32).
  static let maxValues = 1 << 28

  /// The rows of `s` as tensors x (rows, features…) and y (rows) or (rows, targets).
  static func tensors(_ s: StreamDataset) throws -> (Tensor, Tensor) {
    let tw = s.source.targetWidth, w = s.featureCount
    guard s.count * (w + tw) <= maxValues else {
      throw ExportError("the streamed training data (\(Format.integer(s.count)) rows × \(w) features) is too large "
                        + "to write beside the script, which trains from a data file in memory",
                        hint: "export the ONNX form (export MODEL \"net.onnx\"), or fit on a part that fits in memory")
    }
    var x: [Float] = [], y: [Float] = []
    x.reserveCapacity(s.count * w)
    y.reserveCapacity(s.count * tw)
    try s.forEachRow { r, t in
      x.append(contentsOf: r)
      y.append(contentsOf: t)
    }
    let rows = x.count / Swift.max(1, w)
    return (Tensor(shape: [rows] + s.featureShape, data: x),
            Tensor(shape: tw == 1 ? [rows] : [rows, tw], data: y))
  }

  /// The fit as if it had been on data in memory.
  func materialized() throws -> FitRecord {
    let (x, y) = try Self.tensors(train)
    var record = FitRecord(x: x, y: y, batch: batch, epochs: epochs, shuffle: shuffle, earlyStopping: earlyStopping)
    if let v = validation {
      let (vx, vy) = try Self.tensors(v)
      record.validation = .data(vx, vy)
    }
    return record
  }
}

/// The data and settings of a model's last `fit`, kept so that `export MODEL "FILE.py"`
/// can train on the same data in the same way.
public struct FitRecord {
  /// The features and targets the fit read (after load, split and scaling).
  public let x: Tensor, y: Tensor
  /// Batch size and epochs.
  public let batch: Int, epochs: Int
  /// Whether the fit shuffled.
  public let shuffle: Bool
  /// The fit's class_weight, if any.
  public var classWeight: ClassWeighting?
  /// The fit's validation data.
  public var validation: Validation = .none
  /// An encoder–decoder fit's teacher forcing in its last epoch (1: always the true token).
  public var teacherForcing: Double = 1
  /// The fit's early stopping, if any.
  public var earlyStopping: EarlyStopping?
  /// A `search`'s best learning rate, which replaces the optimizer's rate and schedule.
  public var learningRate: Double?
  /// Where the data come from when it is not a fit's (a `crossval` or `search`), for the script.
  public var origin: String?
}

/// What `export` writes, from the file name's extension.
enum ExportKind {
  case onnx, pytorch
  init?(_ path: String) {
    let p = path.lowercased()
    if p.hasSuffix(".onnx") { self = .onnx } else if p.hasSuffix(".py") { self = .pytorch } else { return nil }
  }
}

/// `export MODEL "FILE.onnx"` and `export MODEL "FILE.py"`.
///
/// ONNX: the network in inference mode (ModelExport's `OnnxExport`), and beside it
/// `FILE.sample.safetensors`: up to 16 inputs (the first samples of the last fit's data, or
/// seeded random ones) with dl's outputs for them, so any runtime can check it reproduces dl.
///
/// PyTorch: the script (`PyTorchScript`), `FILE.safetensors` (the model file `save` writes:
/// the starting weights) and `FILE.data.safetensors` (the last fit's x and y, with dl's loss
/// of the weights on them in the metadata as `dl.loss`, and on the first batch as
/// `dl.first_batch_loss`; with class_weight, the weighted first-batch loss as
/// `dl.first_batch_weighted_loss`; with a validation dataset, `val_x` and `val_y`). Every file
/// is written atomically.
extension Interpreter {
  func exportModel(_ c: Command) throws {
    let model = try modelArg(c)
    guard c.args.count == 2, case .string(let path) = c.args[1].kind, let kind = ExportKind(path) else {
      throw Diagnostic.error("export needs a model and a file name ending in .onnx or .py", at: c.range)
    }
    do {
      switch kind {
      case .onnx: try exportONNX(model, path, at: c)
      case .pytorch: try exportPyTorch(model, path, at: c)
      }
    } catch let e as ExportError {
      throw Diagnostic.error(e.message, at: c.args[0].range, hint: e.hint)
    } catch let e as FileError {
      throw Diagnostic.error(e.description, at: c.args[1].range)
    } catch let e as ModelFileError {
      throw Diagnostic.error(e.message, at: c.args[0].range, hint: e.hint)
    }
  }

  /// `base` + `suffix` where `base` is `path` without its extension.
  static func sibling(_ path: String, _ suffix: String) -> String {
    guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return path + suffix }
    return String(path[..<dot]) + suffix
  }

  private func write(_ bytes: [UInt8], _ path: String) throws {
    try AtomicFile.write(bytes, to: session.resolve(path), displayPath: path,
                         protecting: session.inputFiles, createDirectories: true)
  }

  private func exportONNX(_ model: ModelRef, _ path: String, at c: Command) throws {
    if let graph = model.seq2seq { return try exportSeq2SeqONNX(model, graph, path) }
    let network = model.network
    let bytes = try OnnxExport.encode(network)
    let sample = try referenceSample(model, from: model.lastFit?.x ?? model.lastCrossval?.x)
    let output = try network.predict(x: sample)
    let samplePath = Interpreter.sibling(path, ".sample.safetensors")
    let sampleBytes = try SafeTensors.encode([("input", sample), ("output", output)],
                                             metadata: ["dl.model": model.name])
    try write(bytes, path)
    try write(sampleBytes, samplePath)
    show("exported \(model.name) to \(path): ONNX opset \(OnnxExport.opset), "
         + "\(Format.integer(bytes.count)) bytes; \(sample.shape[0]) sample inputs with dl's outputs in \(samplePath)")
  }

  /// An encoder–decoder as `FILE.encoder.onnx` and `FILE.decoder.onnx` (one decoding step;
  /// see `OnnxSeq2SeqExport`), and `FILE.sample.safetensors`: up to 16 sources, the decoder
  /// inputs of their greedy decoding (the start token, then each token dl chose) and dl's
  /// output distributions at every step of it (N, Tt, V).
  private func exportSeq2SeqONNX(_ model: ModelRef, _ graph: Seq2SeqGraph, _ path: String) throws {
    let (encoder, decoder) = try OnnxSeq2SeqExport.encode(graph)
    guard let tt = graph.targetLength else { throw ExportError("\(model.name) has no decoder") }
    let source = try referenceSample(model, from: model.lastFit?.x ?? model.lastCrossval?.x)
    let n = source.shape[0]
    var dec = Tensor.zeros([n, tt])
    for (i, tokens) in try graph.greedy(source).enumerated() {
      dec.data[i * tt] = Float(PairVocabulary.startID)
      for (k, t) in tokens.enumerated() where k + 1 < tt && t != PairVocabulary.endID { dec.data[i * tt + k + 1] = Float(t) }
    }
    let output = try model.network.predict(inputs: [Seq2SeqGraph.sourceInput: source, Seq2SeqGraph.decoderInput: dec])
    let (encoderPath, decoderPath) = (Interpreter.sibling(path, ".encoder.onnx"), Interpreter.sibling(path, ".decoder.onnx"))
    let samplePath = Interpreter.sibling(path, ".sample.safetensors")
    let sample = try SafeTensors.encode([("source", source), ("decoder_input", dec), ("output", output)],
                                        metadata: ["dl.model": model.name, "dl.start_id": "\(PairVocabulary.startID)",
                                                   "dl.end_id": "\(PairVocabulary.endID)"])
    try write(encoder, encoderPath)
    try write(decoder, decoderPath)
    try write(sample, samplePath)
    show("exported \(model.name) to \(encoderPath) (\(Format.integer(encoder.count)) bytes) and \(decoderPath) "
         + "(one decoding step, \(Format.integer(decoder.count)) bytes): ONNX opset \(OnnxExport.opset); "
         + "\(n) sources with dl's greedy decoding in \(samplePath)")
  }

  /// Up to 16 inputs for the sample: the last fit's first rows, or seeded random values
  /// (token ids for a model that starts with an embedding).
  private func referenceSample(_ model: ModelRef, from x: Tensor?) throws -> Tensor {
    if let x, x.rank >= 1, x.shape[0] > 0 {
      return Interpreter.rows(x, Swift.min(16, x.shape[0]))
    }
    guard let shape = model.network.inputs.first?.shape else { throw ExportError("\(model.name) has no input") }
    var rng = SeededRandom(seed: 0)
    let vocabulary = (model.network.nodes.first?.layer as? Embedding)?.vocabulary
    let n = 16, per = shape.reduce(1, *)
    // An encoder–decoder's sources: token ids (4 on: 0–3 are padding, unknown, start, end).
    let first = model.seq2seq == nil ? 1 : PairVocabulary.startID + 2
    let data = (0..<(n * per)).map { _ -> Float in
      if let v = vocabulary, v > first { return Float(Int(rng.nextUnit() * Float(v - first)) + first) }
      if let v = vocabulary { return Float(Int(rng.nextUnit() * Float(v - 1)) + (v > 1 ? 1 : 0)) }
      return rng.nextUnit()
    }
    return Tensor(shape: [n] + shape, data: data)
  }

  /// The data a script trains on: the last fit's (in memory or streamed), else the last
  /// crossval's or search's; nil when there is none.
  private func trainingRecord(_ model: ModelRef) throws -> FitRecord? {
    if let fit = model.lastFit { return fit }
    if let stream = model.lastStreamFit { return try stream.materialized() }
    return model.lastCrossval
  }

  private func exportPyTorch(_ model: ModelRef, _ path: String, at c: Command) throws {
    let record = try trainingRecord(model)
    if record == nil, model.network.loss != nil {
      throw ExportError("\(model.name) is compiled but was neither fitted nor cross-validated in this session, "
                        + "so there is no data for the script to train on",
                        hint: "fit it first (or crossval it on a dataset): the script trains on the same data")
    }
    let name = { (p: String) in p.split(separator: "/").last.map(String.init) ?? p }
    let weightsPath = Interpreter.sibling(path, ".safetensors")
    let dataPath = Interpreter.sibling(path, ".data.safetensors")
    let optimizerPath = Interpreter.sibling(path, ".optimizer.safetensors")
    let network = model.network
    guard let fit = record else {
      // Never compiled: the module and dl's weights, and a sample with dl's outputs for --predict.
      var plan = TorchTrainingPlan(weightsFile: name(weightsPath), dataFile: name(dataPath), batchSize: 32, epochs: 0,
                                   shuffle: false, modelName: model.name, scriptFile: name(path))
      plan.dataNote = "sample inputs and dl's outputs for them"
      let script = try model.seq2seq.map { try PyTorchScript.render($0, plan: plan) }
        ?? PyTorchScript.render(network, plan: plan)
      let sample = try referenceSample(model, from: nil)
      let data = try SafeTensors.encode([("predict_x", sample), ("dl_output", try network.predict(x: sample))],
                                        metadata: ["dl.model": model.name])
      try write(Array(script.utf8), path)
      try write(try startingWeights(model), weightsPath)
      try write(data, dataPath)
      show("exported \(model.name) to \(path): a PyTorch script that predicts (\(model.name) was never compiled, so it "
           + "cannot train; python \(name(path)) --predict); dl's weights in \(weightsPath), "
           + "\(sample.shape[0]) sample inputs with dl's outputs in \(dataPath)")
      return
    }
    var tensors = [("x", fit.x), ("y", fit.y)]
    var validation = TorchValidation.none
    var trainRows = fit.x.shape[0]
    switch fit.validation {
    case .none: break
    case .fraction(let f):
      validation = .fraction(f)
      trainRows = Int((Double(trainRows) * (1.0 - f)).rounded(.up))  // as the fit splits
    case .data(let vx, let vy):
      validation = .tensors
      tensors += [("val_x", vx), ("val_y", vy)]
    }
    // class_weight=balanced counts the classes of the training samples, as the fit did.
    let classWeights = try fit.classWeight.map {
      try network.classWeights($0, targets: Interpreter.rows(fit.y, trainRows)).perClass
    }
    var plan = TorchTrainingPlan(weightsFile: name(weightsPath), dataFile: name(dataPath), batchSize: fit.batch,
                                 epochs: fit.epochs, shuffle: fit.shuffle, modelName: model.name,
                                 scriptFile: name(path), classWeights: classWeights, validation: validation,
                                 initialEpoch: network.history.epochs)
    plan.teacherForcing = fit.teacherForcing
    plan.optimizerFile = name(optimizerPath)
    plan.earlyStopping = fit.earlyStopping.map(TorchEarlyStopping.init)
    plan.learningRate = fit.learningRate
    if let origin = fit.origin { plan.dataNote = origin }
    let script = try model.seq2seq.map { try PyTorchScript.render($0, plan: plan) }
      ?? PyTorchScript.render(network, plan: plan)
    let weights = try startingWeights(model)
    // dl's loss of its weights, on all the data and on the first batch (evaluate's batches of 32).
    let evaluate = { (x: Tensor, y: Tensor) throws -> Double in
      let results = model.seq2seq == nil ? try network.evaluate(x: x, y: y)
        : try network.evaluate(inputs: [Seq2SeqGraph.sourceInput: x, Seq2SeqGraph.decoderInput: PairVocabulary.decoderInput(y)], y: y)
      return results.first?.1 ?? .nan
    }
    let loss = try evaluate(fit.x, fit.y)
    let n = Swift.min(fit.batch, fit.x.shape[0])
    let (bx, by) = (Interpreter.rows(fit.x, n), Interpreter.rows(fit.y, n))
    let first = try evaluate(bx, by)
    var metadata = ["dl.loss": "\(loss)", "dl.first_batch_loss": "\(first)"]
    if let w = classWeights {
      metadata["dl.first_batch_weighted_loss"] = "\(try network.weightedLoss(x: bx, y: by, perClass: w))"
    }
    // The sample --predict runs on: the first rows (up to 16) and dl's outputs for them.
    let k = Swift.min(16, fit.x.shape[0])
    let (px, py) = (Interpreter.rows(fit.x, k), Interpreter.rows(fit.y, k))
    if model.seq2seq == nil {
      tensors += [("predict_x", px), ("dl_output", try network.predict(x: px))]
    } else {
      let out = try network.predict(inputs: [Seq2SeqGraph.sourceInput: px, Seq2SeqGraph.decoderInput: PairVocabulary.decoderInput(py)])
      tensors += [("predict_x", px), ("predict_y", py), ("dl_output", out)]
    }
    let data = try SafeTensors.encode(tensors, metadata: metadata)
    try write(Array(script.utf8), path)
    try write(weights, weightsPath)
    try write(data, dataPath)
    try write(try optimizerState(network), optimizerPath)
    let what = fit.origin == nil ? "its training data" : "the data it was cross-validated on"
    show("exported \(model.name) to \(path): a PyTorch DistributedDataParallel script "
         + "(torchrun --nproc_per_node=N \(name(path))); dl's weights in \(weightsPath), "
         + "\(what) (\(fit.x.shape[0]) samples) in \(dataPath)")
  }

  /// dl's optimizer state for the script: each slot buffer as `SLOT:PATH` (`m:dense_1.weights`),
  /// in dl's layout, and the iteration count (0 and no tensors before any step).
  private func optimizerState(_ network: Model) throws -> [UInt8] {
    let tensors = (network.optimizer?.slotState ?? []).compactMap { key, t -> (name: String, tensor: Tensor)? in
      guard let cut = key.lastIndex(of: "/") else { return nil }
      return (String(key[key.index(after: cut)...]) + ":" + String(key[..<cut]), t)
    }
    return try SafeTensors.encode(tensors, metadata: [
      "dl.iterations": "\(network.optimizer?.iterations ?? 0)", "dl.optimizer": network.optimizer?.name ?? "",
    ])
  }

  /// The script's starting weights: the model file `save` writes or, for an encoder–decoder
  /// model when `save` cannot write one, its tensors alone under the same names.
  private func startingWeights(_ model: ModelRef) throws -> [UInt8] {
    do {
      return try ModelFiles.encode(model)
    } catch let e as ModelFileError where model.seq2seq != nil {
      let tensors = model.network.parameters.map {
        (name: $0.layer + "." + $0.parameter.name, tensor: $0.parameter.variable.value)
      }
      return try SafeTensors.encode(tensors, metadata: ["dl.model": model.name, "dl.weights_only": e.message])
    }
  }

  /// The first `n` rows of `t`.
  static func rows(_ t: Tensor, _ n: Int) -> Tensor {
    let per = t.shape.first.map { $0 > 0 ? t.count / $0 : 0 } ?? 0
    return Tensor(shape: [n] + Array(t.shape.dropFirst()), data: Array(t.data[0..<(n * per)]))
  }
}
