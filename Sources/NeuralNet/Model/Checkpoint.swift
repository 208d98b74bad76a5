import Autograd

/// Everything a `fit` needs to continue exactly where it stopped, saved after every epoch:
/// weights, optimizer state and step count, learning rate and schedule position, the
/// generator's state, the epoch reached and the history, and the state of stateful callbacks
/// (early stopping's best weights). Resuming from it gives weights bit-identical to an
/// uninterrupted run.
///
/// The file is `DIR/checkpoint.safetensors`, written atomically (temp file + rename), so a
/// run killed at any moment leaves the previous epoch's checkpoint or the new one. Tensors:
/// `weights/PATH`, `optimizer/PATH/SLOT`, `callback/KEY/NAME`. `__metadata__` holds the
/// numbers as exact decimal text (`format` = `dl-checkpoint-1`).
public struct TrainingCheckpoint {
  /// The file name inside the checkpoint directory.
  public static let fileName = "checkpoint.safetensors"
  /// The format tag in the metadata.
  public static let format = "dl-checkpoint-1"

  public var weights: [(String, Tensor)]
  public var optimizerSlots: [(String, Tensor)]
  public var iterations: Int
  public var learningRate: Float
  public var schedule: [Double]
  public var generator: [UInt64]
  /// Epochs of the fit completed.
  public var epoch: Int
  public var epochs: Int
  public var history: History
  public var callbacks: [String: (numbers: [Double], tensors: [(String, Tensor)])]

  /// The bytes of the checkpoint file.
  public func encode() throws -> [UInt8] {
    var tensors: [(name: String, tensor: Tensor)] = weights.map { ("weights/" + $0.0, $0.1) }
    tensors += optimizerSlots.map { ("optimizer/" + $0.0, $0.1) }
    var meta: [String: String] = [
      "format": Self.format, "epoch": String(epoch), "epochs": String(epochs),
      "iterations": String(iterations), "learning_rate": "\(learningRate)",
      "schedule": schedule.map { "\($0)" }.joined(separator: ","),
      "generator": generator.map(String.init).joined(separator: ","),
      "history": Self.encodeHistory(history),
    ]
    for (key, state) in callbacks {
      meta["callback/" + key] = state.numbers.map { "\($0)" }.joined(separator: ",")
      tensors += state.tensors.map { ("callback/\(key)/\($0.0)", $0.1) }
    }
    return try SafeTensors.encode(tensors, metadata: meta)
  }

  /// Reads a checkpoint file's bytes; `file` names it in errors.
  public static func decode(_ bytes: [UInt8], file: String) throws -> TrainingCheckpoint {
    let f: SafeTensorsFile
    do { f = try SafeTensors.decode(bytes) } catch {
      throw ModelError("\(file): not a readable checkpoint: \(error)")
    }
    let m = f.metadata
    guard m["format"] == format else {
      throw ModelError("\(file) is not a dl checkpoint (its format is \(m["format"] ?? "not given"))")
    }
    func int(_ k: String) throws -> Int {
      guard let s = m[k], let v = Int(s), v >= 0 else { throw ModelError("\(file): checkpoint field \(k) is missing or wrong") }
      return v
    }
    func doubles(_ s: String?) -> [Double] {
      (s ?? "").split(separator: ",").compactMap { Double(String($0)) }
    }
    let gen = (m["generator"] ?? "").split(separator: ",").compactMap { UInt64(String($0)) }
    guard gen.count == 4 else { throw ModelError("\(file): checkpoint generator state is missing") }
    guard let lr = m["learning_rate"].flatMap({ Float($0) }) else {
      throw ModelError("\(file): checkpoint learning rate is missing")
    }
    var weights: [(String, Tensor)] = [], slots: [(String, Tensor)] = []
    var cbTensors: [String: [(String, Tensor)]] = [:]
    for (name, t) in f.tensors {
      if name.hasPrefix("weights/") { weights.append((String(name.dropFirst(8)), t)) }
      else if name.hasPrefix("optimizer/") { slots.append((String(name.dropFirst(10)), t)) }
      else if name.hasPrefix("callback/") {
        let rest = name.dropFirst(9)
        guard let slash = rest.firstIndex(of: "/") else { continue }
        cbTensors[String(rest[..<slash]), default: []].append((String(rest[rest.index(after: slash)...]), t))
      }
    }
    var callbacks: [String: (numbers: [Double], tensors: [(String, Tensor)])] = [:]
    for (k, v) in m where k.hasPrefix("callback/") {
      let key = String(k.dropFirst(9))
      callbacks[key] = (doubles(v), cbTensors[key] ?? [])
    }
    return TrainingCheckpoint(
      weights: weights, optimizerSlots: slots, iterations: try int("iterations"), learningRate: lr,
      schedule: doubles(m["schedule"]), generator: gen, epoch: try int("epoch"),
      epochs: try int("epochs"), history: try decodeHistory(m["history"] ?? "", file: file),
      callbacks: callbacks)
  }

  /// `name=v,v,…;name=…` with exact decimal values (NaN for missing epochs).
  static func encodeHistory(_ h: History) -> String {
    h.names.map { n in n + "=" + (h[n] ?? []).map { "\($0)" }.joined(separator: ",") }
      .joined(separator: ";")
  }

  static func decodeHistory(_ s: String, file: String) throws -> History {
    var columns: [(String, [Double])] = []
    for part in s.split(separator: ";") {
      guard let eq = part.firstIndex(of: "=") else { throw ModelError("\(file): checkpoint history is damaged") }
      let values = part[part.index(after: eq)...].split(separator: ",").map { Double(String($0)) ?? .nan }
      columns.append((String(part[..<eq]), values))
    }
    var h = History()
    let epochs = columns.map(\.1.count).max() ?? 0
    for e in 0..<epochs {
      h.append(columns.compactMap { c in e < c.1.count && !c.1[e].isNaN ? (c.0, c.1[e]) : nil })
    }
    return h
  }
}

/// Writes a `TrainingCheckpoint` into a directory after every epoch (the `checkpoint=DIR`
/// option), after every other callback has seen the epoch.
public final class CheckpointWriter: Callback {
  /// The checkpoint directory.
  public let directory: String
  let stateful: [StatefulCallback]
  let protecting: [String]
  /// The first write error, if any (training stops at it).
  public private(set) var failure: String?

  /// A writer into `directory`, saving the state of `stateful` callbacks too; refuses to
  /// write over any of `protecting` (the session's inputs).
  public init(directory: String, stateful: [StatefulCallback], protecting: [String] = []) {
    self.directory = directory
    self.stateful = stateful
    self.protecting = protecting
  }

  /// The checkpoint file's path.
  public var path: String { directory + "/" + TrainingCheckpoint.fileName }

  public func epochEnded(_ c: TrainingContext) {
    guard c.batch == c.batches, failure == nil else { return }  // never a partial epoch
    var cbs: [String: (numbers: [Double], tensors: [(String, Tensor)])] = [:]
    for s in stateful { cbs[s.stateKey] = s.saveState() }
    let cp = TrainingCheckpoint(
      weights: c.model.weightsSnapshot(), optimizerSlots: c.optimizer.slotState,
      iterations: c.optimizer.iterations, learningRate: c.optimizer.learningRate,
      schedule: c.optimizer.schedule?.state ?? [], generator: c.generatorState, epoch: c.epoch,
      epochs: c.epochs, history: c.model.history, callbacks: cbs)
    do {
      try AtomicFile.write(try cp.encode(), to: path, protecting: protecting, createDirectories: true)
    } catch {
      failure = "\(error)"
      c.note("checkpoint not written: \(error); training stopped")
      c.stopTraining = true
    }
  }

  /// Reads the checkpoint in `directory`, or nil when there is none.
  public static func read(directory: String) throws -> TrainingCheckpoint? {
    let path = directory + "/" + TrainingCheckpoint.fileName
    guard AtomicFile.prefix(path, count: 0) != nil else { return nil }
    return try TrainingCheckpoint.decode(try AtomicFile.read(path), file: path)
  }
}

extension Model {
  /// Puts a checkpoint's state back: weights, optimizer slots, step count, rate, schedule,
  /// history and the callbacks' state; returns the epoch to continue after and the generator
  /// state. Throws before changing anything when the checkpoint does not fit the model.
  public func restore(_ cp: TrainingCheckpoint, callbacks: [StatefulCallback]) throws -> (epoch: Int, generator: [UInt64]) {
    guard let optimizer else { throw ModelError("the model is not compiled") }
    try restoreWeights(cp.weights)
    try optimizer.restoreSlots(cp.optimizerSlots)
    optimizer.iterations = cp.iterations
    optimizer.learningRate = cp.learningRate
    optimizer.schedule?.restore(cp.schedule)
    history = cp.history
    for cb in callbacks {
      if let s = cp.callbacks[cb.stateKey] { try cb.restoreState(numbers: s.numbers, tensors: s.tensors) }
    }
    cachedPlan = nil
    return (cp.epoch, cp.generator)
  }
}

/// Keras' CSVLogger (the `log=FILE` option): one row per epoch, `epoch` (from 0) then the
/// logged names (training, then validation) and `lr`. The whole file is rewritten atomically
/// after every epoch, so it is complete at every moment.
public final class CSVLogWriter: Callback {
  public let path: String
  let protecting: [String]
  /// The first write error, if any.
  public private(set) var failure: String?

  /// A logger into `path`.
  public init(path: String, protecting: [String] = []) {
    self.path = path
    self.protecting = protecting
  }

  public func epochEnded(_ c: TrainingContext) {
    guard failure == nil else { return }
    let h = c.model.history
    // This fit's epochs (a resumed fit's include those before the interruption).
    let first = Swift.max(0, h.epochs - c.epoch)
    let names = h.names.filter { $0 != "lr" }
    var text = (["epoch"] + names + ["lr"]).joined(separator: ",") + "\n"
    for e in first..<h.epochs {
      var row = [String(e - first)]
      for n in names { row.append(Self.number(h[n]?[e] ?? .nan)) }
      row.append("\(Float(h["lr"]?[e] ?? Double(c.optimizer.learningRate)))")
      text += row.joined(separator: ",") + "\n"
    }
    do { try AtomicFile.write(Array(text.utf8), to: path, protecting: protecting, createDirectories: true) } catch {
      failure = "\(error)"
      c.note("log not written: \(error)")
    }
  }

  static func number(_ v: Double) -> String { v.isNaN ? "" : "\(v)" }
}
