import Autograd
import Foundation
import NeuralNet
import TermPlot

/// What `trace` prints: the forward pass layer by layer, the loss, the backward pass and the
/// update, with the numbers filled in where they are few (one sample, a handful of units)
/// and summarised where they are many (shape, norm, the first entries).
enum TraceText {
  /// Tensors with more values than this are summarised.
  static let inlineLimit = 12
  /// z is written out term by term for at most this many inputs and units.
  static let termsLimit = 6

  static func render(_ step: TracedStep, model: String, style: RenderStyle) -> String {
    let text = unicodeText(step, model: model)
    return style.unicode ? text : ascii(text)
  }

  /// The math signs of the text and their ASCII spellings, for piped output.
  static let asciiSpellings: [(String, String)] = [
    ("−", "-"), ("·", "*"), ("⊙", "*"), ("ᵀ", "^T"), ("²", "^2"), ("←", "<-"), ("Σ", "sum"),
    ("α", "alpha"), ("…", "..."),
  ]

  static func ascii(_ text: String) -> String {
    asciiSpellings.reduce(text) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
  }

  static func unicodeText(_ step: TracedStep, model: String) -> String {
    let n = step.layers.first?.input.shape.first ?? 0
    let times = "·"
    var lines = ["trace \(model): one training step on \(plural(n, "sample")) "
                 + "(loss \(step.loss.name), optimizer \(step.optimizer), lr \(number(step.learningRate)))"]
    lines.append("forward")
    for l in step.layers { lines += forward(l, times: times) }
    lines.append("loss")
    lines += loss(step)
    lines.append("backward")
    for l in step.layers.reversed() { lines += backward(l, step: step, times: times) }
    lines.append(step.plainGradientStep
      ? "update: w ← w − lr\(times)dL/dw with lr = \(number(step.learningRate))"
      : "update: \(step.optimizer)'s step from dL/dw (it also uses its running state, so it is not just w − lr\(times)dL/dw)")
    for l in step.layers {
      for (what, before, grad, after) in [("weights", l.weights, l.dWeights, l.weightsAfter),
                                          ("bias", l.bias, l.dBias, l.biasAfter)] {
        guard let before, let after else { continue }
        lines.append("  \(l.name).\(what)")
        lines.append("    before: " + value(before))
        if step.plainGradientStep, let grad {
          lines.append("    − \(number(step.learningRate))\(times)dL/d\(what == "weights" ? "W" : "b"): " + value(grad))
        }
        lines.append("    after:  " + value(after))
      }
    }
    return lines.joined(separator: "\n")
  }

  /// One layer's forward lines.
  static func forward(_ l: TracedLayer, times: String) -> [String] {
    var lines = ["  \(l.name) (\(l.typeName), \(l.activation))", "    x = " + value(l.input)]
    if let w = l.weights, let b = l.bias, let z = l.z {
      lines.append("    W = " + value(w))
      lines.append("    b = " + value(b))
      lines += zTerms(l.input, w, b, z, times: times)
    }
    lines.append("    y = \(l.activation)(\(l.z == nil ? "x" : "z")) = " + value(l.output))
    return lines
  }

  /// `z = x·W + b`, and for one sample with few inputs and units each z_j as its sum of
  /// products: `z1 = 2.0000·0.4000 + 5.0000·0.3000 + 0.2000 = 2.5000`.
  static func zTerms(_ x: Tensor, _ w: Tensor, _ b: Tensor, _ z: Tensor, times: String) -> [String] {
    var lines = ["    z = x\(times)W + b = " + value(z)]
    guard x.rank == 2, w.rank == 2, x.shape[0] == 1, w.shape[0] <= termsLimit, w.shape[1] <= termsLimit else {
      return lines
    }
    let (f, u) = (w.shape[0], w.shape[1])
    for j in 0..<u {
      let products = (0..<f).map { i in element(x.data[i]) + times + element(w.data[i * u + j]) }
      let name = u == 1 ? "z" : "z\(j + 1)"
      lines.append("      \(name) = " + (products + [element(b.data[j])]).joined(separator: " + ")
                   + " = " + element(z.data[j]))
    }
    return lines
  }

  /// The loss: its formula, the values in it (for a few), and its value.
  static func loss(_ step: TracedStep) -> [String] {
    guard let out = step.layers.last?.output else { return [] }
    let t = step.targets
    let few = out.count <= 4 && t.count == out.count
    var lines: [String] = []
    switch step.loss {
    case .mse:
      lines.append("  mse = mean((y − t)²)")
      if few {
        let terms = zip(out.data, t.data).map { "(\(element($0)) − \(element($1)))²" }
        lines.append("      = " + meanOf(terms))
      }
    case .mae:
      lines.append("  mae = mean(|y − t|)")
      if few {
        let terms = zip(out.data, t.data).map { "|\(element($0)) − \(element($1))|" }
        lines.append("      = " + meanOf(terms))
      }
    case .binaryCrossentropy:
      lines.append("  binary_crossentropy = −mean(t·ln(y) + (1 − t)·ln(1 − y))")
      if few {
        let terms = zip(out.data, t.data).map { y, t in
          t == 0 ? "−ln(1 − \(element(y)))" : t == 1 ? "−ln(\(element(y)))"
            : "−(\(element(t))·ln(\(element(y))) + \(element(1 - t))·ln(1 − \(element(y))))"
        }
        lines.append("      = " + meanOf(terms))
      }
    case .categoricalCrossentropy:
      lines.append("  categorical_crossentropy = −mean(Σ t·ln(y)) over the samples")
    case .sparseCategoricalCrossentropy:
      lines.append("  sparse_categorical_crossentropy = −mean(ln(y[label])) over the samples")
    }
    lines.append("      = " + Format.fixed(step.lossValue, decimals: 4) + "   (t = " + value(t) + ")")
    return lines
  }

  static func meanOf(_ terms: [String]) -> String {
    terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " + ") + ") / \(terms.count)"
  }

  /// One layer's backward lines, with the rule of each gradient.
  static func backward(_ l: TracedLayer, step: TracedStep, times: String) -> [String] {
    var lines = ["  \(l.name)"]
    let isLast = step.layers.last?.name == l.name
    let rule = isLast ? "the loss's derivative: " + lossRule(step.loss) : "from the layer above: dL/dx of it"
    lines.append("    dL/dy = " + value(l.dOutput) + "   (\(rule))")
    let zName = l.z == nil ? "x" : "z"
    let dz = "dL/d\(zName) = dL/dy ⊙ " + activationRule(l.activation, zName)
    if let dZ = l.dZ {
      lines.append("    \(dz) = " + value(dZ))
      if let dW = l.dWeights { lines.append("    dL/dW = xᵀ\(times)dL/dz = " + value(dW)) }
      if let dB = l.dBias { lines.append("    dL/db = Σ over the samples of dL/dz = " + value(dB)) }
    } else {
      lines.append("    \(dz) (passed to the layer below)")
    }
    return lines
  }

  static func lossRule(_ loss: Loss) -> String {
    switch loss {
    case .mse: return "2(y − t)/n"
    case .mae: return "sign(y − t)/n"
    case .binaryCrossentropy: return "(y − t)/(y(1 − y))/n"
    case .categoricalCrossentropy, .sparseCategoricalCrossentropy: return "−t/y/N"
    }
  }

  static func activationRule(_ activation: String, _ z: String) -> String {
    switch activation {
    case "sigmoid": return "y(1 − y)"
    case "tanh": return "(1 − y²)"
    case "relu": return "[\(z) > 0]"
    case "leaky_relu": return "(1 if \(z) > 0 else α)"
    case "softmax": return "softmax's Jacobian: y ⊙ (dL/dy − Σ dL/dy·y)"
    default: return "1"
    }
  }

  // MARK: numbers

  /// A tensor in full when small (`[[0.4000], [0.3000]]`), else its shape, norm and first
  /// entries.
  static func value(_ t: Tensor) -> String {
    if t.count <= inlineLimit { return nested(t) }
    var sumSquares = 0.0
    for v in t.data { sumSquares += Double(v) * Double(v) }
    let first = t.data.prefix(4).map(element).joined(separator: ", ")
    return "shape \(ValueFormat.shape(t.shape)), norm \(element(Float(sumSquares.squareRoot()))), first \(first), …"
  }

  /// Nested brackets on one line.
  static func nested(_ t: Tensor) -> String {
    if t.rank == 0 { return element(t.scalar) }
    func render(_ axis: Int, _ offset: Int) -> String {
      let n = t.shape[axis]
      if axis == t.rank - 1 {
        return "[" + (0..<n).map { element(t.data[offset + $0]) }.joined(separator: ", ") + "]"
      }
      let stride = t.shape[(axis + 1)...].reduce(1, *)
      return "[" + (0..<n).map { render(axis + 1, offset + $0 * stride) }.joined(separator: ", ") + "]"
    }
    return render(0, 0)
  }

  static func element(_ x: Float) -> String { ValueFormat.element(x) }

  static func number(_ x: Double) -> String { ValueFormat.number(Double(Float(x).description) ?? x) }

  /// `text` with every line indented by `by` spaces.
  static func indent(_ text: String, by n: Int) -> String {
    let pad = String(repeating: " ", count: n)
    return text.split(separator: "\n", omittingEmptySubsequences: false).map { pad + $0 }.joined(separator: "\n")
  }
}
