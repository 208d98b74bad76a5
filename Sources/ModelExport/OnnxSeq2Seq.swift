import Autograd
import Foundation
import NeuralNet
import SwiftProtobuf

/// An encoder–decoder model (`encoder { }` and `decoder { }`) as the two ONNX graphs an
/// onnxruntime user decodes with, in the usual encoder / decoder-step split:
///
///     encoder   source (N, Ts) ids                 → encoder_outputs (N, Ts, Ue)  [attention]
///                                                    source_mask (N, Ts)         [attention, mask_zero]
///                                                    state_h (N, U) [, state_c (N, U) for an LSTM]
///     decoder   token (N, 1) id, state_h [, state_c], encoder_outputs, source_mask
///               [, LAYER.state_h … of later recurrent layers, zeros at the first step]
///                                                  → output (N, V): the next token's distribution
///                                                    next_state_h [, next_state_c], [LAYER.next_state_h …]
///
/// Greedy decoding, as dl's: run the encoder once, feed the decoder the start token (id 2)
/// with the encoder's outputs and states, then at each step the most likely token and the
/// states it returned, until the end token (id 3) or the target length. A step fed id 0
/// (padding) keeps the states, as dl's masked steps. Ids are float32, as dl keeps them.
/// Under the source mask the encoder's real steps are moved to the front (the recurrent
/// layer runs them only) and `source_mask` says which are real; attention does not depend
/// on the order of the steps it attends over, so the decoder computes what dl computes.
public enum OnnxSeq2SeqExport {
  /// The graphs' tensor names.
  public static let source = "source", token = "token", output = "output"
  public static let encoderOutputs = "encoder_outputs", sourceMask = "source_mask"

  /// The ONNX bytes of the encoder and of the decoder step.
  public static func encode(_ graph: Seq2SeqGraph, producer: String = "dl") throws -> (encoder: [UInt8], decoder: [UInt8]) {
    let (e, d) = try protos(graph, producer: producer)
    return (try [UInt8](e.serializedBytes() as Data), try [UInt8](d.serializedBytes() as Data))
  }

  /// What flows out of a node's output in the graph being written.
  private typealias Flows = [TensorSource: OnnxFlow]

  static func protos(_ s2s: Seq2SeqGraph, producer: String) throws -> (Onnx_ModelProto, Onnx_ModelProto) {
    let model = s2s.model
    guard model.isBuilt else {
      throw ExportError("\(model.name) has no weights yet", hint: "fit it (or load it) before exporting")
    }
    guard s2s.targetLength != nil else { throw ExportError("\(model.name) has no decoder") }
    let encoderNodes = Set(encoderNodes(model))

    // The encoder.
    var eg = OnnxGraph()
    for name in [source, encoderOutputs, sourceMask, "state_h", "state_c"] { _ = eg.fresh(name) }
    var flows: Flows = [.input(0): OnnxFlow(tensor: source, shape: [s2s.sourceLength])]
    for i in encoderNodes.sorted() { try emit(model.nodes[i], index: i, &eg, &flows) }

    // What the decoder reads of the encoder, under the names the encoder outputs it.
    var handoff: [(name: String, flow: OnnxFlow, shape: [Int])] = []
    func handOff(_ src: TensorSource, as name: String) throws -> String {
      if let done = handoff.first(where: { $0.name == name }) { return done.name }
      guard let f = flows[src] else { throw ExportError("\(model.name): the decoder reads an unknown encoder tensor") }
      handoff.append((name, f, name == sourceMask ? [f.maskSteps] : f.shape))
      return name
    }

    // The decoder step.
    var dg = OnnxGraph()
    for name in [token, output, encoderOutputs, sourceMask, "state_h", "state_c"] { _ = dg.fresh(name) }
    var stepInputs: [(String, [Int])] = [(token, [1])]
    var stepOutputs: [(String, String, [Int])] = []
    var dflows: Flows = [:]
    var firstRecurrent = true
    for (i, node) in model.nodes.enumerated() where !encoderNodes.contains(i) {
      let layer = node.layer
      var inputs: [OnnxFlow] = []
      for src in node.inputs {
        if case .input(1) = src {
          inputs.append(OnnxFlow(tensor: token, shape: [1]))
        } else if let f = dflows[src] {
          inputs.append(f)
        } else if node.layer is Attention, case .input(0) = src {  // the source ids: their mask
          guard node.inputs.count == 3, let mask = flows[node.inputs[1]], mask.mask != nil else {
            throw ExportError("\(layer.name): the mask of the encoder's outputs is not known")
          }
          inputs.append(OnnxFlow(tensor: try handOff(node.inputs[1], as: sourceMask), shape: [mask.maskSteps]))
        } else if node.layer is Attention {
          inputs.append(OnnxFlow(tensor: try handOff(src, as: encoderOutputs), shape: model.shape(of: src)))
        } else {
          let k = inputs.count  // a recurrent layer's initial state k (h, then c)
          inputs.append(OnnxFlow(tensor: try handOff(src, as: k == 1 ? "state_h" : "state_c"),
                                 shape: model.shape(of: src)))
        }
      }
      guard let x = inputs.first else { throw ExportError("\(layer.name) has no input") }
      let out = node.outputShapes.first ?? []
      let result: OnnxFlow
      switch layer {
      case let r as Seq2SeqRecurrent:
        firstRecurrent = false
        let states = inputs.dropFirst().map(\.tensor)
        let (y, next) = try step(r.inner, &dg, x, states: states, out)
        result = y
        for (k, n) in next.enumerated() { stepOutputs.append(("next_" + (k == 0 ? "state_h" : "state_c"), n, [r.inner.units])) }
      case let r as Recurrent:
        if firstRecurrent { throw ExportError("\(r.name): the decoder's first recurrent layer must start from the encoder") }
        let names = (0..<r.cell.stateCount).map { dg.fresh(r.name + ($0 == 0 ? ".state_h" : ".state_c")) }
        for n in names { stepInputs.append((n, [r.units])) }
        let (y, next) = try step(r, &dg, x, states: names, out)
        result = y
        for (k, n) in next.enumerated() {
          stepOutputs.append((r.name + (k == 0 ? ".next_state_h" : ".next_state_c"), n, [r.units]))
        }
      case let a as Attention:
        result = try attention(a, &dg, query: x, values: inputs[1], mask: inputs.count > 2 ? inputs[2].tensor : nil, out)
      default:
        guard node.inputs.count == 1, let row = OnnxLayerTable.row(layer.typeName) else {
          throw ExportError("\(layer.name): the ONNX export has no mapping for \(layer.typeName) layers in a decoder yet")
        }
        result = try row.emit(layer, &dg, x, out)
      }
      dflows[.node(i, output: 0)] = result
    }
    guard let last = model.outputs.first, let final = dflows[last], let v = final.shape.last else {
      throw ExportError("\(model.name): the decoder has no output")
    }
    let probs = dg.reshape(final.tensor, [0, v], name: "output")  // (N, 1, V) → (N, V)

    // The encoder's outputs, then both models.
    var encoderOut: [Onnx_ValueInfoProto] = []
    for h in handoff {
      let t = h.name == sourceMask ? h.flow.mask ?? "" : h.flow.tensor
      eg.identity(t, as: h.name)
      encoderOut.append(OnnxExport.valueInfo(h.name, h.shape))
      stepInputs.insert((h.name, h.shape), at: stepInputs.count)
    }
    let encoder = OnnxExport.wrap(eg, name: model.name + "_encoder", inputs: [OnnxExport.valueInfo(source, [s2s.sourceLength])],
                                  outputs: encoderOut, producer: producer)
    dg.identity(probs, as: output)
    var decoderOut = [OnnxExport.valueInfo(output, [v])]
    for (name, tensor, shape) in stepOutputs {
      dg.identity(tensor, as: name)
      decoderOut.append(OnnxExport.valueInfo(name, shape))
    }
    let decoder = OnnxExport.wrap(dg, name: model.name + "_decoder", inputs: stepInputs.map { OnnxExport.valueInfo($0.0, $0.1) },
                                  outputs: decoderOut, producer: producer)
    return (encoder, decoder)
  }

  /// The encoder's nodes (indices, in order): those reading the source and each other, up to
  /// the decoder's first.
  static func encoderNodes(_ model: Model) -> [Int] {
    var nodes: [Int] = []
    for (i, node) in model.nodes.enumerated() {
      let fromEncoder = node.inputs.allSatisfy { src in
        if case .input(0) = src { return true }
        if case .node(let j, _) = src { return nodes.contains(j) }
        return false
      }
      if fromEncoder { nodes.append(i) } else { break }
    }
    return nodes
  }

  /// One encoder node: its outputs into `flows`.
  private static func emit(_ node: Node, index i: Int, _ g: inout OnnxGraph, _ flows: inout Flows) throws {
    let layer = node.layer
    guard let src = node.inputs.first, let x = flows[src], node.inputs.count == 1 else {
      throw ExportError("\(layer.name): an encoder layer reads one tensor")
    }
    let out = node.outputShapes.first ?? []
    if let r = layer as? Recurrent {
      let outs = try encoderRecurrent(r, &g, x, out)
      for (k, f) in outs.enumerated() { flows[.node(i, output: k)] = f }
      return
    }
    guard let row = OnnxLayerTable.row(layer.typeName) else {
      throw ExportError("\(layer.name): the ONNX export has no mapping for \(layer.typeName) layers yet")
    }
    var f = try row.emit(layer, &g, x, out)
    if f.mask != nil, f.shape.first != f.maskSteps { f.mask = nil }
    flows[.node(i, output: 0)] = f
  }

  /// An encoder recurrent layer: its output (every step, or the last), then its final states
  /// (N, U). Under a mask the real steps run, moved to the front; the mask that flows on says
  /// which of the outputs are real (the first `length` of each sequence).
  static func encoderRecurrent(_ r: Recurrent, _ g: inout OnnxGraph, _ flow: OnnxFlow, _ out: [Int]) throws -> [OnnxFlow] {
    let (t, f, u, name) = (flow.shape[0], flow.shape[1], r.units, r.name)
    var x = flow.tensor
    var lengths = "", count = ""
    if let m = flow.mask {
      x = OnnxRecurrentRows.compacted(&g, x, mask: m, steps: t, name: name)
      count = OnnxLayerTable.sum(&g, m, axis: 1, keep: false, name: name)
      lengths = g.op("Cast", [count], name: name + "/lengths", .int("to", OnnxType.int32))
    }
    x = g.transpose(x, [1, 0, 2], name: name)
    let ys = try OnnxRecurrentRows.cellNode([r], name: name, &g, x: x, features: f, lengths: lengths,
                                            outputs: 1 + r.cell.stateCount)
    let states = ys.dropFirst().map { g.reshape($0, [-1, u], name: name) }  // (1, N, U) → (N, U)
    var main: OnnxFlow
    if r.returnSequences {
      let y = g.reshape(g.transpose(ys[0], [2, 0, 1, 3], name: name), [0, 0, u], name: name)
      main = OnnxLayerTable.next(flow, y, out)
      if flow.mask != nil {  // positions 0…T−1 below the length are the real (compacted) steps
        let positions = g.weight(name + ".positions", shape: [t], (0..<t).map(Float.init))
        let below = g.op("Less", [positions, OnnxLayerTable.unsqueeze(&g, count, axis: 1, name: name)], name: name)
        main.mask = g.op("Cast", [below], name: name + "/mask", .int("to", OnnxType.float))
      }
    } else {
      main = OnnxLayerTable.next(flow, states[0], out)
      main.mask = nil
    }
    var stateFlows = states.map { OnnxFlow(tensor: $0, shape: [u]) }
    stateFlows.insert(main, at: 0)
    return stateFlows
  }

  /// A decoder recurrent layer for one step from `states` (N, U): the output (N, 1, U) and the
  /// next states. A padded token (mask 0) keeps the states, and its output is the state h.
  static func step(_ r: Recurrent, _ g: inout OnnxGraph, _ flow: OnnxFlow, states: [String], _ out: [Int])
    throws -> (OnnxFlow, [String]) {
    let (f, u, name) = (flow.shape[1], r.units, r.name)
    let x = g.transpose(flow.tensor, [1, 0, 2], name: name)  // (1, N, F)
    let initial = states.map { OnnxLayerTable.unsqueeze(&g, $0, axis: 0, name: name) }
    let ys = try OnnxRecurrentRows.cellNode([r], name: name, &g, x: x, features: f, lengths: "", initial: initial,
                                            outputs: 1 + r.cell.stateCount)
    var next = ys.dropFirst().map { g.reshape($0, [-1, u], name: name) }
    if let m = flow.mask {  // (N, 1): state + m·(new − state)
      next = zip(next, states).map { new, old in
        g.op("Add", [old, g.op("Mul", [m, g.op("Sub", [new, old], name: name)], name: name)], name: name)
      }
    }
    let y = OnnxLayerTable.unsqueeze(&g, next[0], axis: 1, name: name)
    return (OnnxLayerTable.next(flow, y, out), next)
  }

  /// Luong's attention of queries (N, Tq, U) over the encoder's outputs (N, Ts, Ue): scores
  /// (dot, or additive v·tanh(q·Wq + k·Wk)), padded source steps −1e9, a softmax over the
  /// source steps, the context, and tanh([context; h]·Wc).
  static func attention(_ a: Attention, _ g: inout OnnxGraph, query q: OnnxFlow, values e: OnnxFlow,
                        mask: String?, _ out: [Int]) throws -> OnnxFlow {
    let name = a.name
    let wc = try OnnxLayerTable.weight(a.combineKernel, name)
    var scores: String
    if a.kind == .additive {
      let wq = try OnnxLayerTable.weight(a.queryKernel, name), wk = try OnnxLayerTable.weight(a.keyKernel, name)
      let v = try OnnxLayerTable.weight(a.scoreVector, name)
      let pq = g.op("MatMul", [q.tensor, g.weight(name + ".query_kernel", shape: wq.shape, wq.data)], name: name)
      let pk = g.op("MatMul", [e.tensor, g.weight(name + ".key_kernel", shape: wk.shape, wk.data)], name: name)
      let sum = g.op("Add", [OnnxLayerTable.unsqueeze(&g, pq, axis: 2, name: name),
                             OnnxLayerTable.unsqueeze(&g, pk, axis: 1, name: name)], name: name)  // (N, Tq, Ts, A)
      scores = g.op("MatMul", [g.op("Tanh", [sum], name: name), g.weight(name + ".score_vector", shape: v.shape, v.data)],
                    name: name)  // (N, Tq, Ts)
    } else {
      scores = g.op("MatMul", [q.tensor, g.transpose(e.tensor, [0, 2, 1], name: name)], name: name)
    }
    if let m = mask {  // (m − 1)·1e9: 0 on real steps, −1e9 on padding, as dl's key bias
      let bias = g.op("Mul", [g.op("Sub", [m, g.scalar(name + ".one", 1)], name: name), g.scalar(name + ".big", 1e9)],
                      name: name)
      scores = g.op("Add", [scores, OnnxLayerTable.unsqueeze(&g, bias, axis: 1, name: name)], name: name)
    }
    let weights = g.op("Softmax", [scores], name: name, .int("axis", -1))
    let context = g.op("MatMul", [weights, e.tensor], name: name)
    let joined = g.op("Concat", [context, q.tensor], name: name, .int("axis", -1))
    let wcn = g.weight(name + ".combine_kernel", shape: wc.shape, wc.data)
    let y = g.op("Tanh", [g.op("MatMul", [joined, wcn], name: name)], name: name)
    return OnnxLayerTable.next(q, y, out)
  }
}
