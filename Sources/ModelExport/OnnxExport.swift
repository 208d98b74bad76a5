import Autograd
import Foundation
import NeuralNet
import SwiftProtobuf

/// A trained dl model as an ONNX model (opset 17): one graph input `input` (N, sample
/// shape…) of float32 — token ids too, as dl keeps them — and one output `output`, what
/// dl's `predict` computes (inference mode: dropout off, batch-norm moving statistics).
/// Each layer is turned into standard operators by its row of `OnnxLayerTable`.
public enum OnnxExport {
  /// The opset the graph is written for.
  public static let opset = 17
  /// The graph's input and output names.
  public static let inputName = "input", outputName = "output"

  /// The layer types the export covers (every dl layer kind but the ones added since).
  public static var coveredTypes: [String] { OnnxLayerTable.typeNames }

  /// The model's ONNX bytes; throws `ExportError` for a model that is not built, not a
  /// single-input chain, or has a layer without a mapping.
  public static func encode(_ model: Model, producer: String = "dl") throws -> [UInt8] {
    let proto = try modelProto(model, producer: producer)
    return try [UInt8](proto.serializedBytes() as Data)
  }

  /// The model as an `Onnx_ModelProto`.
  static func modelProto(_ model: Model, producer: String) throws -> Onnx_ModelProto {
    guard model.isChain, let input = model.inputs.first else {
      throw ExportError("\(model.name) is not a chain of layers with one input and one output; "
                        + "the export takes the networks a model block declares")
    }
    guard model.isBuilt else {
      throw ExportError("\(model.name) has no weights yet", hint: "fit it (or load it) before exporting")
    }
    var g = OnnxGraph()
    _ = g.fresh(inputName)
    _ = g.fresh(outputName)
    var flow = OnnxFlow(tensor: inputName, shape: input.shape)
    for node in model.nodes {
      let layer = node.layer
      guard let row = OnnxLayerTable.row(layer.typeName) else {
        throw ExportError("\(layer.name): the ONNX export has no mapping for \(layer.typeName) layers yet",
                          hint: "layers it maps: " + coveredTypes.joined(separator: ", "))
      }
      let out = node.outputShapes.first ?? []
      flow = try row.emit(layer, &g, flow, out)
      // A layer that reduced the time axis away ends the mask (as dl's model does).
      if flow.mask != nil, flow.shape.first != flow.maskSteps { flow.mask = nil }
    }
    g.identity(flow.tensor, as: outputName)
    return wrap(g, name: model.name, inputs: [valueInfo(inputName, input.shape)],
                outputs: [valueInfo(outputName, flow.shape)], producer: producer)
  }

  /// The graph `g` as a model (opset 17) with these inputs and outputs.
  static func wrap(_ g: OnnxGraph, name: String, inputs: [Onnx_ValueInfoProto], outputs: [Onnx_ValueInfoProto],
                   producer: String) -> Onnx_ModelProto {
    var graph = Onnx_GraphProto()
    graph.name = name
    graph.node = g.nodes
    graph.initializer = g.initializers
    graph.input = inputs
    graph.output = outputs
    var opset = Onnx_OperatorSetIdProto()
    opset.domain = ""
    opset.version = Int64(OnnxExport.opset)
    var m = Onnx_ModelProto()
    m.irVersion = 8  // the IR of opset 17 (ONNX 1.12)
    m.producerName = producer
    m.graph = graph
    m.opsetImport = [opset]
    return m
  }

  /// A float32 tensor (N, shape…) with a symbolic batch axis.
  static func valueInfo(_ name: String, _ shape: [Int]) -> Onnx_ValueInfoProto {
    var batch = Onnx_TensorShapeProto.Dimension()
    batch.dimParam = "N"
    let dims = [batch] + shape.map { s -> Onnx_TensorShapeProto.Dimension in
      var d = Onnx_TensorShapeProto.Dimension()
      d.dimValue = Int64(s)
      return d
    }
    var tensorShape = Onnx_TensorShapeProto()
    tensorShape.dim = dims
    var tensor = Onnx_TypeProto.Tensor()
    tensor.elemType = Int32(OnnxType.float)
    tensor.shape = tensorShape
    var type = Onnx_TypeProto()
    type.tensorType = tensor
    var v = Onnx_ValueInfoProto()
    v.name = name
    v.type = type
    return v
  }
}
