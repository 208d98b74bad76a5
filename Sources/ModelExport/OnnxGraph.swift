import Autograd
import Foundation
import NeuralNet
import SwiftProtobuf

/// An ONNX graph under construction: nodes in run order, the weights as initialisers, and
/// unique tensor names. The layer rows (`OnnxLayerTable`) add to it; `OnnxExport` wraps it in
/// a model. Tensors are batch-first, as in dl: the batch axis is the symbolic dimension `N`.
struct OnnxGraph {
  /// The nodes, in run order.
  private(set) var nodes: [Onnx_NodeProto] = []
  /// The weights and constants.
  private(set) var initializers: [Onnx_TensorProto] = []
  private var taken: Set<String> = []

  /// A name not used yet, `stem` or `stem_1`, `stem_2`, ….
  mutating func fresh(_ stem: String) -> String {
    var name = stem
    var i = 1
    while taken.contains(name) {
      name = "\(stem)_\(i)"
      i += 1
    }
    taken.insert(name)
    return name
  }

  /// Adds a node `op` reading `inputs` ("" for an omitted optional input) and returns its
  /// output names (`outputs` of them, named after `name`).
  @discardableResult
  mutating func node(_ op: String, _ inputs: [String], name: String, outputs: Int = 1,
                     attributes: [Onnx_AttributeProto] = []) -> [String] {
    var n = Onnx_NodeProto()
    n.opType = op
    n.name = fresh(name + "/" + op)
    n.input = inputs
    n.output = (0..<outputs).map { fresh(name + "/" + op + ($0 == 0 ? "" : ":\($0)")) }
    n.attribute = attributes
    nodes.append(n)
    return n.output
  }

  /// `node` with one output.
  mutating func op(_ op: String, _ inputs: [String], name: String,
                   _ attributes: Onnx_AttributeProto...) -> String {
    node(op, inputs, name: name, attributes: attributes)[0]
  }

  /// Adds a float32 initialiser of `shape` holding `values`; returns its name.
  mutating func weight(_ name: String, shape: [Int], _ values: [Float]) -> String {
    var t = Onnx_TensorProto()
    t.name = fresh(name)
    t.dims = shape.map(Int64.init)
    t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
    t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }  // little-endian float32
    initializers.append(t)
    return t.name
  }

  /// Adds an int64 initialiser (shapes, axes, indices); returns its name.
  mutating func int64s(_ name: String, shape: [Int]? = nil, _ values: [Int]) -> String {
    var t = Onnx_TensorProto()
    t.name = fresh(name)
    t.dims = (shape ?? [values.count]).map(Int64.init)
    t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
    t.int64Data = values.map(Int64.init)
    initializers.append(t)
    return t.name
  }

  /// A float32 scalar constant.
  mutating func scalar(_ name: String, _ value: Float) -> String {
    weight(name, shape: [], [value])
  }

  /// An Identity node giving `x` the name `name` (a graph output).
  mutating func identity(_ x: String, as name: String) {
    var n = Onnx_NodeProto()
    n.opType = "Identity"
    n.name = fresh(name + "/Identity")
    n.input = [x]
    n.output = [name]
    nodes.append(n)
  }

  /// `x` with its axes permuted.
  mutating func transpose(_ x: String, _ perm: [Int], name: String) -> String {
    op("Transpose", [x], name: name, .ints("perm", perm))
  }

  /// `x` reshaped to `shape` (0 keeps a size, −1 infers one: the batch axis stays symbolic).
  mutating func reshape(_ x: String, _ shape: [Int], name: String) -> String {
    op("Reshape", [x, int64s(name + "/shape", shape)], name: name)
  }

  /// The elementwise activation `a` applied to `x` (`x` itself for linear).
  mutating func activation(_ a: Activation, _ x: String, name: String) -> String {
    switch a {
    case .linear: return x
    case .relu: return op("Relu", [x], name: name)
    case .leakyRelu(let alpha): return op("LeakyRelu", [x], name: name, .float("alpha", alpha))
    case .sigmoid: return op("Sigmoid", [x], name: name)
    case .tanh: return op("Tanh", [x], name: name)
    case .softmax: return op("Softmax", [x], name: name, .int("axis", -1))
    }
  }
}

extension Onnx_AttributeProto {
  /// An integer attribute.
  static func int(_ name: String, _ v: Int) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .int
    a.i = Int64(v)
    return a
  }

  /// A float attribute.
  static func float(_ name: String, _ v: Float) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .float
    a.f = v
    return a
  }

  /// A list of integers.
  static func ints(_ name: String, _ v: [Int]) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .ints
    a.ints = v.map(Int64.init)
    return a
  }

  /// A string attribute.
  static func string(_ name: String, _ v: String) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .string
    a.s = Data(v.utf8)
    return a
  }

  /// A list of strings.
  static func strings(_ name: String, _ v: [String]) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .strings
    a.strings = v.map { Data($0.utf8) }
    return a
  }
}

/// Weight layouts: dl keeps Keras' (row-major, last axis fastest); ONNX wants others.
enum Layout {
  /// The transpose of a (rows, cols) matrix.
  static func transposed(_ m: [Float], rows: Int, cols: Int) -> [Float] {
    var out = [Float](repeating: 0, count: m.count)
    for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = m[r * cols + c] } }
    return out
  }

  /// A conv kernel (kh, kw, C, F) as ONNX's (F, C, kh, kw).
  static func convKernel(_ k: Tensor) -> [Float] {
    let (kh, kw, c, f) = (k.shape[0], k.shape[1], k.shape[2], k.shape[3])
    var out = [Float](repeating: 0, count: k.count)
    for y in 0..<kh { for x in 0..<kw { for ci in 0..<c { for fi in 0..<f {
      out[((fi * c + ci) * kh + y) * kw + x] = k.data[((y * kw + x) * c + ci) * f + fi]
    } } } }
    return out
  }

  /// TensorFlow's `same` padding of one spatial axis: (before, after).
  static func samePads(input: Int, window: Int, stride: Int) -> (Int, Int) {
    let out = (input + stride - 1) / stride
    let total = Swift.max((out - 1) * stride + window - input, 0)
    return (total / 2, total - total / 2)
  }
}
