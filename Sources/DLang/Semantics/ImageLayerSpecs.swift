import Autograd
import NeuralNet

// The image layers of the language's layer table: `rescale`, `conv2d`, the pools and the
// global pools. Their shapes are checked by the NeuralNet layers themselves (a kernel larger
// than a `valid` input, an input that is not height×width×channels); these builders check the
// arguments of the line.

extension LayerTable {
  /// Words layer lines use as values, never as names of variables (`padding=same`).
  public static let optionWords = Padding.allNames

  /// The image layers, in the order `help` lists them.
  static let imageSpecs: [LayerSpec] = [
    LayerSpec(name: "rescale", synopsis: "rescale FACTOR [OFFSET]",
              summary: "multiplies every value by FACTOR and adds OFFSET (Keras Rescaling), e.g. pixels 0…16 to 0…1",
              example: "rescale 1/16", options: ["offset"], build: buildRescale),
    LayerSpec(name: "conv2d",
              synopsis: "conv2d FILTERS KxK [ACTIVATION] [stride=S] [padding=same|valid] [init=NAME] [l1=X] [l2=X]",
              summary: "2-D convolution of height×width×channels images: FILTERS kernels of KxK×channels weights slide over the image (padding=valid by default, stride 1)",
              example: "conv2d 16 3x3 padding=same relu",
              options: ["activation", "stride", "padding", "init", "l1", "l2"], build: buildConv),
    poolSpec("maxpool", .max, "the largest value of each KxK window, per channel"),
    poolSpec("minpool", .min, "the smallest value of each KxK window, per channel"),
    poolSpec("avgpool", .average, "the mean of each KxK window, per channel (padded positions are not counted)"),
    globalPoolSpec("global_avgpool", .average, "the mean of each channel over the whole image: HxWxC → C"),
    globalPoolSpec("global_maxpool", .max, "the largest value of each channel over the whole image: HxWxC → C"),
  ]

  private static func poolSpec(_ name: String, _ kind: PoolKind, _ what: String) -> LayerSpec {
    LayerSpec(name: name, synopsis: "\(name) KxK [stride=S] [padding=valid|same]",
              summary: "pooling: \(what); the stride defaults to the window",
              example: "\(name) 2x2", options: ["stride", "padding"], build: { args in
                try buildPool(&args, name, kind)
              })
  }

  private static func globalPoolSpec(_ name: String, _ kind: PoolKind, _ what: String) -> LayerSpec {
    LayerSpec(name: name, synopsis: name, summary: "global pooling: \(what)", example: name,
              options: [], build: { args in
                args.accepting(["name"])
                try args.finish(maxArgs: "no arguments")
                return GlobalPooling2D(kind)
              })
  }
}

extension Padding {
  /// `same`, `valid`.
  static let allNames = ["same", "valid"]
}

@Sendable private func buildRescale(_ args: inout Arguments) throws -> Layer? {
  args.accepting(["offset", "name"])
  guard let factor = args.next() else {
    throw Diagnostic.error("rescale needs a factor", at: args.range, hint: "e.g. rescale 1/255, or rescale 1/127.5 -1")
  }
  let bound = Double(Float.greatestFiniteMagnitude)
  let scale = try args.number(factor, what: "the scale", lo: -bound, hi: bound)
  var offset: Double? = 0
  if let e = args.next() ?? args.option("offset")?.value {
    offset = try args.number(e, what: "the offset", lo: -bound, hi: bound)
  }
  try args.finish(maxArgs: "a factor and an offset")
  guard let scale, let offset else { return nil }
  return Rescaling(scale: Float(scale), offset: Float(offset))
}

@Sendable private func buildConv(_ args: inout Arguments) throws -> Layer? {
  args.accepting(["activation", "stride", "padding", "init", "l1", "l2", "name"])
  guard let filtersExpr = args.next(), let sizeExpr = args.next() else {
    throw Diagnostic.error("conv2d needs a number of filters and a kernel size", at: args.range,
                           hint: "e.g. conv2d 16 3x3 padding=same relu")
  }
  let filters = try args.int(filtersExpr, what: "the number of filters", min: 1, max: ImageGeometryBounds.max)
  let size = try args.windowSize(sizeExpr, what: "kernel")
  let activation = try args.activation()
  let initializer = try args.initializer()
  let stride = try args.stride(default: 1)
  let padding = try args.padding()
  let (l1, l2) = try args.penalties()
  try args.finish(maxArgs: "a number of filters, a kernel size and an activation")
  guard let filters, let size, let stride else { return nil }
  return Conv2D(filters: filters, kernelSize: size, stride: stride, padding: padding ?? .valid,
                activation: activation, initializer: initializer, l1: Float(l1), l2: Float(l2))
}

private func buildPool(_ args: inout Arguments, _ name: String, _ kind: PoolKind) throws -> Layer? {
  args.accepting(["stride", "padding", "name"])
  guard let sizeExpr = args.next() else {
    throw Diagnostic.error("\(name) needs a window size", at: args.range, hint: "e.g. \(name) 2x2")
  }
  let size = try args.windowSize(sizeExpr, what: "window")
  if let (h, w) = size, h != w {
    throw Diagnostic.error("pooling windows are square: write \(h)x\(h) or \(w)x\(w), not \(h)x\(w)",
                           at: sizeExpr.range)
  }
  let stride = try args.stride(default: size?.0)
  let padding = try args.padding()
  try args.finish(maxArgs: "one argument (the window size)")
  guard let (side, _) = size, let stride else { return nil }
  return Pooling2D(kind, size: side, stride: stride, padding: padding ?? .valid)
}

/// Bounds of window sizes and strides on layer lines (the layers' own).
enum ImageGeometryBounds {
  static let max = 1 << 24
}

extension Arguments {
  /// A window size: a size literal `3x3`, a number `3` (square), or a value holding one;
  /// nil when it is not known yet.
  func windowSize(_ e: Expr, what: String) throws -> (Int, Int)? {
    let dims: [Double]
    if case .shape(let d) = e.kind {
      dims = d.map(Double.init)
    } else {
      guard let v = try evaluate(e) else { return nil }
      switch v {
      case .number(let x): dims = [x, x]
      case .tensor(let t) where t.rank == 1: dims = t.data.map(Double.init)
      default:
        throw Diagnostic.error("a \(what) size is height×width, such as 3x3", at: e.range)
      }
    }
    guard dims.count == 2 else {
      throw Diagnostic.error("a \(what) size has two sides (height×width, such as 3x3), not \(dims.count)",
                             at: e.range)
    }
    let max = ImageGeometryBounds.max
    guard let bad = dims.first(where: { $0 != $0.rounded() || $0 < 1 || $0 > Double(max) }) else {
      return (Int(dims[0]), Int(dims[1]))
    }
    let text = bad == bad.rounded() && abs(bad) < 1e15 ? String(Int(bad)) : ValueFormat.number(bad)
    throw Diagnostic.error("each side of a \(what) must be a whole number between 1 and \(max), not \(text)",
                           at: e.range)
  }

  /// `stride=S`, or `fallback` when absent; nil when not known yet.
  mutating func stride(default fallback: Int?) throws -> Int? {
    guard let o = option("stride") else { return fallback }
    return try int(o.value, what: "the stride", min: 1, max: ImageGeometryBounds.max)
  }

  /// `padding=same|valid`, nil when absent.
  mutating func padding() throws -> Padding? {
    guard let o = option("padding") else { return nil }
    return Padding(rawValue: try choice(o.value, what: "padding", in: Padding.allNames))
  }
}
