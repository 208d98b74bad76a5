import Autograd
import Foundation
import NeuralNet
import SwiftProtobuf
import Testing
@testable import ModelExport

/// The ONNX graph, decoded back from the exported bytes and checked structurally: operators
/// in order, attributes, shapes, initialisers and their layouts. No Python.
@Suite("ONNX export")
struct OnnxExportTests {
  /// A model of `layers` on `input`, built from seed 7.
  static func model(_ input: [Int], _ layers: [Layer]) throws -> Model {
    let m = Model(name: "m", inputShape: input)
    for l in layers { try m.add(l) }
    var rng = SeededRandom(seed: 7)
    try m.build(rng: &rng)
    return m
  }

  static func decode(_ m: Model) throws -> Onnx_ModelProto {
    try Onnx_ModelProto(serializedBytes: try OnnxExport.encode(m))
  }

  static func floats(_ t: Onnx_TensorProto) -> [Float] {
    t.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
  }

  static func initializer(_ p: Onnx_ModelProto, _ name: String) -> Onnx_TensorProto? {
    p.graph.initializer.first { $0.name == name }
  }

  static func attribute(_ n: Onnx_NodeProto, _ name: String) -> Onnx_AttributeProto? {
    n.attribute.first { $0.name == name }
  }

  static func dims(_ v: Onnx_ValueInfoProto) -> [String] {
    v.type.tensorType.shape.dim.map { $0.dimParam.isEmpty ? String($0.dimValue) : $0.dimParam }
  }

  @Test("a dense chain: Gemm per layer, weights as initialisers, opset 17, batch axis N")
  func denseChain() throws {
    let m = try Self.model([4], [Dense(units: 3, activation: .relu), Dropout(rate: 0.5),
                                 Dense(units: 2, activation: .softmax)])
    let p = try Self.decode(m)
    #expect(p.opsetImport.first?.version == 17)
    #expect(p.graph.node.map(\.opType) == ["Gemm", "Relu", "Gemm", "Softmax", "Identity"])
    #expect(Self.dims(p.graph.input[0]) == ["N", "4"])
    #expect(Self.dims(p.graph.output[0]) == ["N", "2"])
    let w = try #require(Self.initializer(p, "dense.weights"))
    #expect(w.dims == [4, 3])
    let dense = try #require(m.layer(named: "dense") as? Dense)
    #expect(Self.floats(w) == dense.weights?.value.data)
    #expect(Self.initializer(p, "dense_1.bias")?.dims == [2])
    #expect(p.graph.node[0].input == ["input", "dense.weights", "dense.bias"])
    #expect(p.graph.node.last?.output == ["output"])
  }

  @Test("a convolution runs NCHW between Transposes, its kernel (F, C, kh, kw), same padding explicit")
  func convolution() throws {
    let m = try Self.model([8, 8, 1], [Rescaling(scale: 0.5), Conv2D(filters: 2, kernelSize: (3, 3), padding: .same,
                                                                    activation: .relu),
                                       Pooling2D(.min, size: 2), Flatten()])
    let p = try Self.decode(m)
    #expect(p.graph.node.map(\.opType) == ["Mul", "Transpose", "Conv", "Transpose", "Relu", "Transpose", "Neg",
                                           "MaxPool", "Neg", "Transpose", "Flatten", "Identity"])
    let conv = p.graph.node[2]
    #expect(Self.attribute(conv, "pads")?.ints == [1, 1, 1, 1])
    #expect(Self.attribute(conv, "kernel_shape")?.ints == [3, 3])
    let k = try #require(Self.initializer(p, "conv2d.kernel"))
    #expect(k.dims == [2, 1, 3, 3])
    let kernel = try #require((m.layer(named: "conv2d") as? Conv2D)?.kernel?.value)
    // ONNX (f=1, c=0, y=2, x=1) is dl's (y=2, x=1, c=0, f=1).
    let onnxIndex: Int = ((1 * 1 + 0) * 3 + 2) * 3 + 1
    let dlIndex: Int = ((2 * 3 + 1) * 1 + 0) * 2 + 1
    let onnxValue: Float = Self.floats(k)[onnxIndex]
    #expect(onnxValue == kernel.data[dlIndex])
    #expect(Self.attribute(p.graph.node[1], "perm")?.ints == [0, 3, 1, 2])
    #expect(Self.dims(p.graph.output[0]) == ["N", "32"])
  }

  @Test("average pooling does not count padding; global pooling reduces H and W")
  func pooling() throws {
    let p = try Self.decode(try Self.model([5, 5, 2], [Pooling2D(.average, size: 2, padding: .same),
                                                       GlobalPooling2D(.max)]))
    let avg = try #require(p.graph.node.first { $0.opType == "AveragePool" })
    #expect(Self.attribute(avg, "count_include_pad")?.i == 0)
    #expect(Self.attribute(avg, "pads")?.ints == [0, 0, 1, 1])
    let g = try #require(p.graph.node.first { $0.opType == "ReduceMax" })
    #expect(Self.attribute(g, "axes")?.ints == [1, 2])
  }

  @Test("an LSTM's gates are reordered from Keras' i, f, c, o to ONNX's i, o, f, c")
  func lstmGates() throws {
    let m = try Self.model([3, 1], [Recurrent(.lstm, units: 2)])
    let p = try Self.decode(m)
    let lstm = try #require(p.graph.node.first { $0.opType == "LSTM" })
    #expect(Self.attribute(lstm, "hidden_size")?.i == 2)
    let w = try #require(Self.initializer(p, "lstm.W"))
    #expect(w.dims == [1, 8, 1])
    let kernel = try #require((m.layer(named: "lstm") as? Recurrent)?.kernel?.value)  // (1, 8)
    let onnx = Self.floats(w)  // rows: i0 i1 o0 o1 f0 f1 c0 c1
    #expect(Array(onnx[2..<4]) == Array(kernel.data[6..<8]))  // o
    #expect(Array(onnx[4..<6]) == Array(kernel.data[2..<4]))  // f
    let b = try #require(Self.initializer(p, "lstm.B"))
    #expect(b.dims == [1, 16])
    #expect(Array(Self.floats(b)[4..<6]) == [1, 1])  // Keras' unit forget bias, now third
    #expect(Self.dims(p.graph.output[0]) == ["N", "2"])
  }

  @Test("a GRU is ONNX's with linear_before_reset and both bias rows")
  func gru() throws {
    let m = try Self.model([4, 2], [Recurrent(.gru, units: 3, returnSequences: true)])
    let p = try Self.decode(m)
    let gru = try #require(p.graph.node.first { $0.opType == "GRU" })
    #expect(Self.attribute(gru, "linear_before_reset")?.i == 1)
    #expect(Self.initializer(p, "gru.B")?.dims == [1, 18])
    #expect(Self.dims(p.graph.output[0]) == ["N", "4", "3"])
  }

  @Test("a masked bidirectional LSTM compacts the real steps and passes their counts")
  func maskedBidirectional() throws {
    let m = try Self.model([6], [Embedding(vocabulary: 10, dimension: 4, maskZero: true),
                                 Bidirectional(Recurrent(.lstm, units: 3)), Dense(units: 1, activation: .sigmoid)])
    let p = try Self.decode(m)
    let ops = p.graph.node.map(\.opType)
    for op in ["Cast", "Gather", "Equal", "Not", "TopK", "GatherElements", "LSTM"] { #expect(ops.contains(op), "\(op)") }
    let lstm = try #require(p.graph.node.first { $0.opType == "LSTM" })
    #expect(Self.attribute(lstm, "direction")?.s == Data("bidirectional".utf8))
    #expect(lstm.input.count == 5 && !lstm.input[4].isEmpty)  // sequence_lens
    #expect(Self.initializer(p, "bidirectional.W")?.dims == [2, 12, 4])
    #expect(Self.dims(p.graph.output[0]) == ["N", "1"])
  }

  @Test("what cannot be exported is refused with the layer's name")
  func refusals() throws {
    let unbuilt = Model(name: "u", inputShape: [4])
    try unbuilt.add(Dense(units: 2))
    #expect(throws: ExportError.self) { try OnnxExport.encode(unbuilt) }
    let masked = try Self.model([5], [Embedding(vocabulary: 9, dimension: 2, maskZero: true),
                                      Recurrent(.gru, units: 2, returnSequences: true)])
    let e = #expect(throws: ExportError.self) { try OnnxExport.encode(masked) }
    #expect(e?.message.hasPrefix("gru returns sequences under a mask") == true)
    let linear = try Self.model([3, 1], [Recurrent(.simple, units: 2, activation: .linear)])
    #expect(throws: ExportError.self) { try OnnxExport.encode(linear) }
  }
}
