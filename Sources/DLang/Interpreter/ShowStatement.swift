import Autograd
import NeuralNet
import TermPlot

/// `show`: samples, layer outputs and kernels as heatmaps (TermPlot's `ImageGrid` and
/// `VectorStrip`). The output draws them (`SessionOutput.picture`): in colour on a colour
/// terminal, wrapped to its width; plain characters at 80 columns when piped.
extension Interpreter {
  /// One value of `show`, resolved.
  enum Shown {
    /// A tensor drawn as it is (an image, a matrix, a vector).
    case sample(Tensor, Expr)
    /// A layer of a model, drawn as its output for the sample.
    case layer(ModelRef, String, Expr)
    /// A layer's parameter (a conv kernel: its filters).
    case parameter(Tensor, Expr)
  }

  /// A drawable piece: maps (sections of an `ImageGrid`) or a vector strip, with its titles.
  struct ShowPicture {
    /// `cnn.conv2d_1 on test[0]: (8, 8, 16)`.
    var title: String
    /// `cnn.conv2d_1`, the label of a map shown beside others.
    var name: String
    var sections: [ImageGrid.Section] = []
    var strip: [Float]?
    /// A recurrent layer's gates and states over the time steps.
    var timeStrips: TimeStrips?
    var mapCount: Int { sections.reduce(0) { $0 + $1.maps.count } }
  }

  func showPictures(_ c: Command) throws {
    if let first = c.args.first, let call = try AugmentCall.parse(first) { return try showAugment(c, call) }
    if let e = c.args.first, case .member(let base, let member) = e.kind, member.text == "attention",
       case .model(let m)? = try? evaluate(base), let graph = m.seq2seq {
      return try showAttention(c, m, graph)
    }
    if let e = c.args.first, let (ref, layer) = selfAttentionTarget(e) {
      return try showSelfAttention(c, ref, layer)
    }
    var targets = try c.args.map(showTarget)
    var sample: (Tensor, Expr)?
    if targets.contains(where: { if case .layer = $0 { return true }; return false }) {
      guard targets.count >= 2 else { throw ShowTargets.missingSample(c.args[0], at: c.range) }
      guard case .sample(let t, let e) = targets.removeLast() else {
        throw ShowTargets.layerAsSample(at: c.args[c.args.count - 1].range)
      }
      sample = (t, e)
    }
    var scale = ImageGrid.Scale.perMap
    if let o = c.option("scale"), try arguments(c).choice(o.value, what: "scale", in: ShowTargets.scaleNames) == "shared" {
      scale = .shared
    }
    let units = try TableOptions.int(c, "units", arguments(c)) ?? 8
    let pictures = try targets.map { try picture($0, sample: sample, units: units) }
    output.picture { style, width in
      Interpreter.trimmed(ShowLayout.render(pictures, scale: scale, style: style, width: width))
    }
  }

  /// What a value of `show` is; a mistake is reported at the value.
  func showTarget(_ e: Expr) throws -> Shown {
    if case .member(let base, let p) = e.kind, case .layer(let ref, let layer) = try evaluate(base) {
      try ShowTargets.requireParameter(p, of: layer, model: ref.name, in: ref.network.parameterNames(of: layer))
      guard let parameter = ref.network.parameter(layer: layer, name: p.text) else {
        throw Diagnostic.error("layer '\(layer)' has no parameter '\(p.text)'", at: p.range)
      }
      return .parameter(parameter.variable.value, e)
    }
    let v = try evaluate(e)
    switch v {
    case .layer(let ref, let layer): return .layer(ref, layer, e)
    case .tensor(let t):
      if let d = ShowTargets.undrawable(t.shape, at: e.range) { throw d }
      return .sample(t, e)
    case .dataset: throw ShowTargets.wholeDataset(e, at: e.range)
    case .model(let m): throw ShowTargets.wholeModel(m.name, layers: m.network.layers.map(\.name), at: e.range)
    default: throw ShowTargets.notDrawable(v.kindName, at: e.range)
    }
  }

  /// The picture of one value; a layer is run on `sample`.
  func picture(_ shown: Shown, sample: (Tensor, Expr)?, units: Int = 8) throws -> ShowPicture {
    switch shown {
    case .sample(let t, let e):
      return try ShowLayout.picture(t, name: ShowTargets.text(e), title: ShowTargets.text(e) + sampleCaption(e, t),
                                    at: e.range)
    case .parameter(let t, let e):
      let name = ShowTargets.text(e)
      return try ShowLayout.picture(t, name: name, title: name + ": " + ValueFormat.shape(t.shape), kernel: true,
                                    at: e.range)
    case .layer(let ref, let layer, let e):
      guard let (x, sampleExpr) = sample else { throw ShowTargets.missingSample(e, at: e.range) }
      let name = ShowTargets.text(e)
      if let strips = try recurrentStrips(ref, layer, x, sampleExpr, name: name, units: units) {
        var p = ShowPicture(title: strips.title ?? name, name: name)
        p.timeStrips = strips
        return p
      }
      let out = try layerOutput(ref, layer, x, sampleExpr)
      return try ShowLayout.picture(out, name: name,
                                    title: "\(name) on \(ShowTargets.text(sampleExpr)): \(ValueFormat.shape(out.shape))",
                                    at: e.range)
    }
  }

  /// A recurrent layer's gates and states for the sample as heat strips over its time steps
  /// (the layer's input first, then every (T, U) tap in recording order: gates on 0…1, the
  /// first `units` units each); nil for a layer that records no such taps.
  func recurrentStrips(_ ref: ModelRef, _ layer: String, _ x: Tensor, _ e: Expr, name: String,
                       units: Int) throws -> TimeStrips? {
    guard let node = ref.network.nodes.first(where: { $0.layer.name == layer }),
          node.layer is Recurrent || node.layer is Bidirectional,
          let input = ref.network.inputShape else { return nil }
    if let d = ShowTargets.misfit(x.shape, model: ref.name, input: input, at: e.range) { throw d }
    let sample = ShowTargets.reshaped(x.shape, input: input) ? x.reshaped(input) : x
    let recorded: (input: Tensor, taps: [(name: String, value: Tensor)])
    do { recorded = try ref.network.layerTaps(named: layer, for: sample) } catch {
      throw Diagnostic.error("\(error)", at: e.range)
    }
    let taps = recorded.taps.filter { $0.value.rank == 2 }
    guard !taps.isEmpty, recorded.input.rank == 2 else { return nil }
    let steps = recorded.input.shape[0]
    var blocks = [ShowLayout.block("input", recorded.input, limit: units, rowName: "feature")]
    for (tap, value) in taps {
      let label = String(tap.map { $0 == "_" ? " " : $0 })
      blocks.append(ShowLayout.block(label, value, limit: units, rowName: "unit",
                                     range: tap.hasSuffix("gate") ? 0...1 : nil))
    }
    let title = "\(name) on \(ShowTargets.text(e)): \(steps) steps"
      + " (time runs left to right; one row per unit, the first \(units) of each unless units= says more)"
    return TimeStrips(title: title, blocks: blocks)
  }

  /// `layer`'s output for the sample `x` (written `e`), which must fit the model's input.
  func layerOutput(_ ref: ModelRef, _ layer: String, _ x: Tensor, _ e: Expr) throws -> Tensor {
    guard let input = ref.network.inputShape else {
      throw Diagnostic.error("model '\(ref.name)' has no input", at: e.range)
    }
    if let d = ShowTargets.misfit(x.shape, model: ref.name, input: input, at: e.range) { throw d }
    let sample = ShowTargets.reshaped(x.shape, input: input) ? x.reshaped(input) : x
    do {
      return try ref.network.layerOutput(named: layer, for: sample)
    } catch {
      throw Diagnostic.error("\(error)", at: e.range)
    }
  }

  /// `  (8, 8, 1)`, and `  label 3` for a row of a labelled dataset (`test[0]`).
  func sampleCaption(_ e: Expr, _ t: Tensor) -> String {
    let shape = ": " + ValueFormat.shape(t.shape)
    guard case .index(let base, let index) = e.kind, case .dataset(let d)? = try? evaluate(base),
          let y = d.y, y.rank == 1, case .number(let x)? = try? evaluate(index), x == x.rounded(),
          abs(x) < 1e15 else { return shape }
    var i = Int(x)
    if i < 0 { i += y.count }
    guard i >= 0 && i < y.count else { return shape }
    let label = y.data[i]
    if let names = d.classNames, label >= 0, label == label.rounded(), Int(label) < names.count {
      return shape + "  label " + names[Int(label)]
    }
    return shape + "  label " + ValueFormat.number(Double(label))
  }

  /// `text` with trailing spaces removed from every line, as `show(_:)` prints results.
  static func trimmed(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
      .map { line in line.last == " " ? String(line.reversed().drop { $0 == " " }.reversed()) : String(line) }
      .joined(separator: "\n")
  }
}

/// How `show` turns tensors into maps and strips, and lays several of them out.
enum ShowLayout {
  /// A (T, U) tensor as a block of time strips: one row per unit (the first `limit`).
  static func block(_ label: String, _ t: Tensor, limit: Int, rowName: String,
                    range: ClosedRange<Double>? = nil) -> TimeStrips.Block {
    let (steps, count) = (t.shape[0], t.shape[1])
    let shown = Swift.min(count, limit)
    let rows = (0..<shown).map { u in (0..<steps).map { Double(t.data[$0 * count + u]) } }
    let labels = count == 1 ? nil : (0..<shown).map { "\(rowName) \($0)" }
    let note = shown < count ? "first \(shown) of \(count) \(rowName)s" : nil
    return TimeStrips.Block(label: label, rows: rows, rowLabels: labels, range: range, note: note)
  }

  /// The picture of a tensor: a vector is a strip; a matrix one map; (H, W, C) one map per
  /// channel; a conv kernel (kh, kw, C, F) one map per filter (per input channel for C ≤ 4,
  /// else the mean over the input channels).
  static func picture(_ t: Tensor, name: String, title: String, kernel: Bool = false,
                      at range: SourceRange) throws -> Interpreter.ShowPicture {
    var p = Interpreter.ShowPicture(title: title, name: name)
    let s = t.shape
    if kernel && s.count == 4 {
      let grid = ImageGrid.kernels(t.data, kernelHeight: s[0], kernelWidth: s[1], inputChannels: s[2], filters: s[3],
                                   layout: s[2] > 4 ? .meanOverInputs : .perInputChannel)
      p.sections = grid.sections.map { section in
        ImageGrid.Section(heading: section.heading, maps: section.maps.enumerated().map { k, map in
          ImageMap(values: map.values, label: "filter \(k)")
        })
      }
      return p
    }
    if let d = ShowTargets.undrawable(s, at: range) { throw d }
    switch s.count {
    case 1: p.strip = t.data
    case 2: p.sections = [ImageGrid.Section(maps: [ImageMap(height: s[0], width: s[1], data: t.data) { y, x in y * s[1] + x }])]
    default: p.sections = ImageGrid.image(t.data, height: s[0], width: s[1], channels: s[2]).sections
    }
    return p
  }

  /// One picture with its title; several: their maps in one grid (side by side when each has
  /// one map, labelled by name; else a section per picture under its title), then the strips.
  static func render(_ pictures: [Interpreter.ShowPicture], scale: ImageGrid.Scale, style: RenderStyle,
                     width: Int) -> String {
    if pictures.count == 1, let p = pictures.first, let strips = p.timeStrips {
      return strips.render(style: style, width: width)
    }
    if pictures.count == 1, let p = pictures.first {
      if let strip = p.strip { return VectorStrip(strip, title: p.title).render(style: style, width: width) }
      return ImageGrid(title: p.title, sections: p.sections, scale: scale).render(style: style, width: width)
    }
    let grids = pictures.filter { $0.strip == nil && $0.timeStrips == nil }
    var parts: [String] = []
    if !grids.isEmpty {
      let sections: [ImageGrid.Section]
      if grids.allSatisfy({ $0.mapCount == 1 }) {
        sections = [ImageGrid.Section(maps: grids.compactMap { p in
          p.sections.first?.maps.first.map { ImageMap(values: $0.values, label: p.name) }
        })]
      } else {
        sections = grids.flatMap { p in
          p.sections.map { ImageGrid.Section(heading: p.title + ($0.heading.map { ", " + $0 } ?? ""), maps: $0.maps) }
        }
      }
      parts.append(ImageGrid(sections: sections, scale: scale).render(style: style, width: width))
    }
    for p in pictures {
      if let strip = p.strip { parts.append(VectorStrip(strip, title: p.title).render(style: style, width: width)) }
      if let strips = p.timeStrips { parts.append(strips.render(style: style, width: width)) }
    }
    return parts.joined(separator: "\n")
  }
}
