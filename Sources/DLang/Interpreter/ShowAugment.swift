import Autograd
import NeuralNet
import TermPlot

// `show augment(SAMPLE, N [, [STEP, ...]])`: a sample and N augmented copies side by side,
// drawn from the session's generator (the same seed draws the same copies). Without steps it
// draws those of the last `fit … augment=`.

/// The parts of an `augment(…)` call, for the checker and the interpreter.
struct AugmentCall {
  let sample: Expr
  let count: Expr
  let steps: Expr?

  /// The most copies one `show augment` draws.
  static let maxCopies = 32
  static let usage = "show augment(SAMPLE, N) or show augment(SAMPLE, N, [flip_h, shift(2), rotate(10)])"

  /// The call `e` when it is `augment(…)` (nil for any other value); a malformed call throws.
  static func parse(_ e: Expr) throws -> AugmentCall? {
    guard case .call(let name, let positional, let options) = e.kind, name.text == "augment" else { return nil }
    if let o = options.first {
      throw Diagnostic.error("augment(…) takes no named settings", at: o.range, hint: usage)
    }
    guard positional.count == 2 || positional.count == 3 else {
      throw Diagnostic.error("augment(…) takes a sample, a number of copies and optionally the steps", at: e.range,
                             hint: usage)
    }
    return AugmentCall(sample: positional[0], count: positional[1], steps: positional.count == 3 ? positional[2] : nil)
  }

  /// The number of copies.
  func copies(_ args: Arguments) throws -> Int? {
    try args.int(count, what: "the number of copies", min: 1, max: AugmentCall.maxCopies)
  }
}

extension Checker {
  /// `show augment(…)`: alone, with a known sample and bounded count and valid steps.
  mutating func checkShowAugment(_ c: Command, _ call: AugmentCall) throws {
    if c.args.count > 1 {
      throw Diagnostic.error("show augment(…) draws one sample's copies on its own", at: c.args[1].range,
                             hint: AugmentCall.usage)
    }
    let args = arguments(c)
    _ = try call.copies(args)
    if let steps = call.steps { _ = try AugmentOptions.read(steps, args) }
    switch try showTarget(call.sample) {
    case .sample(let shape?):
      if shape.count < 2 || shape.count > 3 {
        throw AugmentCall.notImage(shape, at: call.sample.range)
      }
    case .sample(nil): break
    default: throw Diagnostic.error("augment(…) needs an image sample, e.g. train[0]", at: call.sample.range)
    }
  }
}

extension AugmentCall {
  static func notImage(_ shape: [Int], at range: SourceRange) -> Diagnostic {
    .error("augment(…) needs an image (height, width[, channels]), but this sample has shape \(ValueFormat.shape(shape))",
           at: range, hint: "load images with shape=HxWxC, e.g. load \"digits.csv\" target=label shape=8x8x1")
  }
}

extension Interpreter {
  /// Draws the sample and its augmented copies in one row.
  func showAugment(_ c: Command, _ call: AugmentCall) throws {
    if c.args.count > 1 {
      throw Diagnostic.error("show augment(…) draws one sample's copies on its own", at: c.args[1].range,
                             hint: AugmentCall.usage)
    }
    let args = arguments(c)
    guard let count = try call.copies(args) else { return }
    let augmentation: Augmentation
    if let steps = call.steps {
      guard let a = try AugmentOptions.read(steps, args) else { return }
      augmentation = a
    } else {
      guard let a = session.lastAugmentation else {
        throw Diagnostic.error("no augmentation to draw: no fit has used augment= yet", at: call.count.range,
                               hint: "give the steps: show augment(\(ShowTargets.text(call.sample)), \(count), [flip_h, shift(2)])")
      }
      augmentation = a
    }
    guard case .sample(var sample, _) = try showTarget(call.sample) else {
      throw Diagnostic.error("augment(…) needs an image sample, e.g. train[0]", at: call.sample.range)
    }
    if sample.rank == 2 { sample = sample.reshaped(sample.shape + [1]) }
    guard sample.rank == 3 else { throw AugmentCall.notImage(sample.shape, at: call.sample.range) }
    do { try augmentation.validate(sampleShape: sample.shape) } catch {
      throw Diagnostic.error("\(error)", at: call.steps?.range ?? c.range)
    }
    let copies = augmentation.copies(of: sample, count: count, rng: &session.rng)
    let name = ShowTargets.text(call.sample)
    let size = sample.count
    var pictures = [try ShowLayout.picture(sample, name: name, title: name, at: call.sample.range)]
    for i in 0..<count {
      let copy = Tensor(shape: sample.shape, data: Array(copies.data[(i * size)..<((i + 1) * size)]))
      pictures.append(try ShowLayout.picture(copy, name: "copy \(i + 1)", title: "copy \(i + 1)", at: call.sample.range))
    }
    var scale = ImageGrid.Scale.perMap
    if let o = c.option("scale"), try args.choice(o.value, what: "scale", in: ShowTargets.scaleNames) == "shared" {
      scale = .shared
    }
    let title = "augment(\(name)): the sample and \(count) augmented \(count == 1 ? "copy" : "copies") "
      + "(\(AugmentOptions.text(augmentation)))"
    output.picture { style, width in
      title + "\n" + Interpreter.trimmed(ShowLayout.render(pictures, scale: scale, style: style, width: width))
    }
  }
}
