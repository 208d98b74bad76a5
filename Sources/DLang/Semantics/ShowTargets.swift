/// What `show` and `confusion` accept, and their messages: one place for the checker (before
/// running, with what it knows of shapes and layers) and the interpreter (with the values), so
/// that both report a mistake in the same words.
enum ShowTargets {
  /// The values of `show … scale=`.
  static let scaleNames = ["per_map", "shared"]
  /// Losses of models that predict numbers rather than classes.
  static let regressionLosses: Set<String> = ["mse", "mae"]
  /// The most values along one side of a drawn map, and in a drawn vector.
  static let maxSide = 256
  static let maxVector = 65_536

  /// The text of a simple expression (`test[0]`, `cnn.conv2d_1.kernel`) for titles and hints.
  static func text(_ e: Expr) -> String {
    switch e.kind {
    case .identifier(let n): return n
    case .member(let base, let m): return text(base) + "." + m.text
    case .index(let base, let i): return text(base) + "[" + text(i) + "]"
    case .number(let x, _): return ValueFormat.number(x)
    case .unary(.negate, let x): return "-" + text(x)
    case .string(let s): return "\"" + s + "\""
    case .list: return "[…]"
    default: return "the value"
    }
  }

  // MARK: layers and parameters

  /// `layer` must be one of the model's layers (`names`).
  static func requireLayer(_ layer: Name, of model: String, in names: [String]) throws {
    guard !names.contains(layer.text) else { return }
    throw Diagnostic.unknown("model '\(model)' has no layer '\(layer.text)'", layer.text, in: names,
                             at: layer.range, fallbackHint: "its layers: " + names.joined(separator: ", "))
  }

  /// `parameter` must be one of the layer's parameters (`names`): `kernel` of a conv layer.
  static func requireParameter(_ parameter: Name, of layer: String, model: String, in names: [String]) throws {
    guard !names.contains(parameter.text) else { return }
    throw Diagnostic.unknown("layer '\(layer)' has no parameter '\(parameter.text)'", parameter.text, in: names,
                             at: parameter.range,
                             fallbackHint: names.isEmpty ? "'\(layer)' has no parameters (no kernel to draw); show its output instead: show \(model).\(layer) SAMPLE"
                               : "its parameters: " + names.joined(separator: ", "))
  }

  // MARK: mistakes

  static func wholeModel(_ name: String, layers: [String]?, at range: SourceRange) -> Diagnostic {
    .error("show draws one layer of a model, not the whole model '\(name)'", at: range,
           hint: "e.g. show \(name).LAYER SAMPLE, or show \(name).LAYER.kernel"
             + (layers.map { "; its layers: " + $0.joined(separator: ", ") } ?? ""))
  }

  static func wholeDataset(_ e: Expr, at range: SourceRange) -> Diagnostic {
    .error("show draws one sample, but '\(text(e))' is a whole dataset", at: range,
           hint: "pick one sample, e.g. \(text(e))[0]")
  }

  static func notDrawable(_ kind: String, at range: SourceRange) -> Diagnostic {
    .error("show draws samples (images, matrices, vectors), layers and kernels; this is \(kind)", at: range,
           hint: "e.g. show test[0], show cnn.conv2d_1 test[0], show cnn.conv2d_1.kernel")
  }

  static func layerAsSample(at range: SourceRange) -> Diagnostic {
    .error("the last value of show must be the sample to run through the layers before it", at: range,
           hint: "e.g. show cnn.conv2d_1, cnn.maxpool_1 test[0]")
  }

  static func missingSample(_ layer: Expr, at range: SourceRange) -> Diagnostic {
    .error("show \(text(layer)) needs a sample to run through the model", at: range,
           hint: "e.g. show \(text(layer)) test[0]")
  }

  /// Why a sample of `shape` cannot be drawn, or nil.
  static func undrawable(_ shape: [Int], at range: SourceRange) -> Diagnostic? {
    if shape.isEmpty { return notDrawable("a number", at: range) }
    if shape.count > 3 {
      return .error("show draws one sample of at most 3 axes (height, width, channels), but this has shape \(ValueFormat.shape(shape))",
                    at: range, hint: "pick one sample, e.g. x[0]")
    }
    if shape.contains(0) { return .error("there is nothing to draw: the shape is \(ValueFormat.shape(shape))", at: range) }
    if shape.count == 1 && shape[0] > maxVector {
      return .error("show draws vectors of at most \(maxVector) values; this one has \(shape[0])", at: range)
    }
    if shape.count >= 2 && (shape[0] > maxSide || shape[1] > maxSide) {
      return .error("show draws maps of at most \(maxSide)×\(maxSide) values; this one is \(shape[0])×\(shape[1])",
                    at: range)
    }
    return nil
  }

  /// Whether a sample of `shape` fits a model taking `input`: the same shape, a batch of one,
  /// a height×width matrix for a one-channel image, or the same values flat (a CSV row for an
  /// image model).
  static func fits(_ shape: [Int], input: [Int]) -> Bool {
    shape == input || shape == [1] + input || reshaped(shape, input: input)
  }

  /// Whether a sample of `shape` is read as `input` by reshaping: flat values, or a matrix
  /// for a one-channel image.
  static func reshaped(_ shape: [Int], input: [Int]) -> Bool {
    (shape.count == 1 && input.count > 1 && shape[0] == input.reduce(1, *)) || shape + [1] == input
  }

  /// The mistake of running a sample of `shape` through `model`, or nil when it fits.
  static func misfit(_ shape: [Int], model: String, input: [Int], at range: SourceRange) -> Diagnostic? {
    guard !fits(shape, input: input) else { return nil }
    let several = shape.count == input.count + 1
    return .error("model '\(model)' takes samples of shape \(ValueFormat.shape(input)), but this sample has shape \(ValueFormat.shape(shape))",
                  at: range, hint: several ? "these look like several samples: pick one, e.g. x[0]" : nil)
  }

  static func regression(_ model: String, loss: String, at range: SourceRange) -> Diagnostic {
    .error("confusion needs a classifier, but '\(model)' is compiled with loss=\(loss) (a regression)", at: range,
           hint: "for a regression use evaluate \(model) DATA")
  }

  static func noLabels(_ e: Expr, at range: SourceRange) -> Diagnostic {
    .error("confusion needs the true labels, but '\(text(e))' has none", at: range,
           hint: "load the data with its labels: target=COLUMN (CSV) or labels=\"FILE\" (.npy, IDX, .npz)")
  }
}
