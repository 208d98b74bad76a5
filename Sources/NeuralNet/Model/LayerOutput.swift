import Autograd

/// What a layer makes of one sample, for visualisation (`show net.conv2d_1 x[0]`).
extension Model {
  /// The output of the layer called `name` for one `sample`, in inference mode (no dropout,
  /// batch-norm moving statistics; nothing is recorded for gradients and no weight changes).
  ///
  /// `sample` has the model's input shape, with or without a batch axis of 1 (a (28, 28, 1)
  /// image or a (1, 28, 28, 1) batch of one; a model with input 1 also takes a scalar-like
  /// (1,) sample). The result has the layer's per-sample output shape, without the batch axis:
  /// (H, W, C) feature maps for a conv or pooling layer (NHWC), (units,) for a dense layer.
  /// The value is the layer's output after its activation, as the next layer sees it.
  ///
  /// Throws a `ModelError` for an unknown layer (naming the layers), a model that is not
  /// built or has several inputs, a `ShapeError` when `sample` does not fit the input, and the
  /// error of a layer that refuses one of its values (a token id outside an embedding's
  /// vocabulary).
  public func layerOutput(named name: String, for sample: Tensor) throws -> Tensor {
    let (index, x) = try prepareSample(sample, forLayer: name, "layerOutput")
    let node = nodes[index]
    let recorder = taps(x, layers: [name])
    guard let out = recorder.value(layer: name, name: "output") else {
      throw ModelError("layer '\(name)' produced no output")  // not reached: every node is run
    }
    let perSample = node.outputShapes.first ?? Array(out.shape.dropFirst())
    guard out.count == perSample.reduce(1, *) else {
      throw ShapeError("layer '\(name)' produced \(out.shape.kerasShape) for one sample, "
                       + "not \(perSample.kerasBatchShape)")
    }
    return out.reshaped(perSample)
  }

  /// What the layer called `name` records inside itself for one `sample` (a recurrent layer's
  /// gates and states: `forget_gate`, `cell`, `hidden`, …), in recording order, without the
  /// batch axis, and the layer's input for that sample (what it read). Empty taps for a layer
  /// that records nothing but its output. Throws as `layerOutput(named:for:)` does.
  public func layerTaps(named name: String, for sample: Tensor) throws
    -> (input: Tensor, taps: [(name: String, value: Tensor)]) {
    let (index, x) = try prepareSample(sample, forLayer: name, "layerTaps")
    let node = nodes[index]
    var wanted: Set<String> = [name]
    if case .node(let n, _)? = node.inputs.first { wanted.insert(nodes[n].layer.name) }
    let recorder = taps(x, layers: wanted)
    var input = x
    if case .node(let n, _)? = node.inputs.first,
       let v = recorder.value(layer: nodes[n].layer.name, name: "output") { input = v }
    let inner = recorder.values.filter { $0.layer == name && $0.name != "output" }
    func dropBatch(_ t: Tensor) -> Tensor { t.rank > 1 && t.shape[0] == 1 ? t.reshaped(Array(t.shape.dropFirst())) : t }
    return (dropBatch(input), inner.map { ($0.name, dropBatch($0.value)) })
  }

  /// Every layer's output for a batch `x` (N, input…) or one sample (input…), in inference
  /// mode, in layer order: what `activations net x` prints. A sample keeps its batch axis of
  /// one. Throws as `layerOutput(named:for:)` does (a ShapeError when `x` fits neither).
  public func layerOutputs(for x: Tensor) throws -> [(layer: String, value: Tensor)] {
    guard inputs.count == 1, let inShape = inputShape else {
      throw ModelError("activations take a model with one input; \(self.name) has \(inputs.count)")
    }
    guard isBuilt else {
      throw ModelError("the model is not built yet: compile or fit it first, so its weights exist")
    }
    let batch = x.shape == inShape ? x.reshaped([1] + inShape) : try shapedInputs(x, "")
    guard batch.shape[0] > 0 else { throw ShapeError("the batch has no samples") }
    try checkInputValues([batch])
    let recorder = taps(batch)
    return layers.compactMap { l in recorder.value(layer: l.name, name: "output").map { (l.name, $0) } }
  }

  /// The node index of layer `name` and `sample` as a checked batch of one, or the error that
  /// `layerOutput` / `layerTaps` (`caller`) throws.
  func prepareSample(_ sample: Tensor, forLayer name: String, _ caller: String) throws -> (Int, Tensor) {
    guard let index = nodes.firstIndex(where: { $0.layer.name == name }) else {
      throw ModelError("the model has no layer '\(name)'; its layers are: "
                       + (layers.isEmpty ? "(none)" : layers.map(\.name).joined(separator: ", ")))
    }
    guard inputs.count == 1, let inShape = inputShape else {
      throw ModelError("\(caller) takes a model with one input; \(self.name) has \(inputs.count)")
    }
    guard isBuilt else {
      throw ModelError("the model is not built yet: compile or fit it first, so its weights exist")
    }
    let x = try Model.oneSample(sample, inputShape: inShape)
    try checkInputValues([x])
    return (index, x)
  }

  /// `sample` as a batch of one with the input's shape, or a ShapeError.
  static func oneSample(_ sample: Tensor, inputShape inShape: [Int]) throws -> Tensor {
    if sample.shape == inShape { return sample.reshaped([1] + inShape) }
    if sample.shape == [1] + inShape { return sample }
    throw ShapeError("the model takes samples of shape \(inShape.kerasShape) but the sample has shape "
                     + "\(sample.rank == 0 ? "()" : sample.shape.kerasShape)"
                     + (sample.rank == inShape.count + 1 && sample.rank >= 1
                        ? "; pick one sample, e.g. x[0]" : ""))
  }
}
