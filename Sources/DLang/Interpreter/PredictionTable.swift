import Autograd
import NeuralNet
import TermPlot

/// The table `predict` prints: one row per sample with the predicted class (or value) and the
/// probabilities, and the true target when the data has one. For a one-unit sigmoid model the
/// probability is that of the predicted class.
enum PredictionTable {
  static let maxRows = 20

  /// Widest text shown in the `text` column of a prediction from raw texts.
  static let textWidth = 40

  static func render(_ out: Tensor, truth: Tensor?, classNames: [String]?, top: Int?,
                     lossName: String?, texts: [String]? = nil, style: RenderStyle) -> String {
    let n = out.shape.first ?? 0
    let width = n > 0 ? out.count / n : 0
    let isRegression = lossName == "mse" || lossName == "mae" || lossName == nil && width == 1 && !looksLikeProbability(out)
    var headers = ["row"]
    var rows: [[String]] = []
    let shown = min(n, maxRows)
    func name(_ k: Int) -> String {
      if let names = classNames, k >= 0 && k < names.count { return names[k] }
      return String(k)
    }
    if isRegression {
      headers += width == 1 ? ["prediction"] : (0..<width).map { "output \($0)" }
      if let t = truth, t.count == n * width { headers += width == 1 ? ["true"] : (0..<width).map { "true \($0)" } }
      for i in 0..<shown {
        var r = [String(i)] + (0..<width).map { ValueFormat.element(out.data[i * width + $0]) }
        if let t = truth, t.count == n * width {
          r += (0..<width).map { ValueFormat.element(t.data[i * width + $0]) }
        }
        rows.append(r)
      }
    } else if width == 1 {
      headers += ["class", "probability"]
      if truth != nil { headers.append("true") }
      // One sigmoid unit gives P(class 1); the column shows the probability of the class
      // predicted, as for softmax outputs: 1 - p when that class is 0.
      for i in 0..<shown {
        let p = out.data[i]
        let predicted = p >= 0.5 ? 1 : 0
        let probability = predicted == 1 ? p : 1 - p
        var r = [String(i), name(predicted), Format.fixed(Double(probability), decimals: 4)]
        if let t = truth { r.append(truthText(t, i, name: name)) }
        rows.append(r)
      }
    } else {
      let k = min(top ?? width, width)
      let showAll = k == width && width <= 10
      headers.append("class")
      if truth != nil { headers.append("true") }
      headers += showAll ? (0..<width).map { "p(\(name($0)))" } : (1...k).map { "top \($0)" }
      for i in 0..<shown {
        let probs = Array(out.data[(i * width)..<((i + 1) * width)])
        let order = probs.indices.sorted { probs[$0] > probs[$1] }
        var r = [String(i), name(order.first ?? 0)]
        if let t = truth { r.append(truthText(t, i, name: name)) }
        r += showAll ? probs.map { Format.fixed(Double($0), decimals: 4) }
          : order.prefix(k).map { "\(name($0)) \(Format.fixed(Double(probs[$0]), decimals: 4))" }
        rows.append(r)
      }
    }
    if let texts {
      headers.insert("text", at: 1)
      for i in rows.indices where i < texts.count { rows[i].insert(shortened(texts[i]), at: 1) }
    }
    var text = Table.render(headers: headers, rows: rows, style: style)
    if n > shown { text += "\n… \(n - shown) more rows (\(n) in all)" }
    return text
  }

  static func truthText(_ t: Tensor, _ i: Int, name: (Int) -> String) -> String {
    let per = t.count / max(1, t.shape.first ?? 1)
    if per == 1 {
      let v = t.data[i]
      // A class index; anything else (a regression target, a stray value) prints as a number.
      guard v == v.rounded(), abs(v) < 1e7 else { return ValueFormat.element(v) }
      return name(Int(v))
    }
    // one-hot rows: the index of the largest entry
    let row = t.data[(i * per)..<((i + 1) * per)]
    let k = row.indices.max { row[$0] < row[$1] }.map { $0 - i * per } ?? 0
    return name(k)
  }

  /// `text` on one line, at most `textWidth` characters (an ellipsis marks the cut).
  static func shortened(_ text: String) -> String {
    let line = text.map { $0.isNewline || $0 == "\t" ? " " : String($0) }.joined()
    return line.count > textWidth ? String(line.prefix(textWidth - 1)) + "…" : line
  }

  static func looksLikeProbability(_ t: Tensor) -> Bool { t.data.allSatisfy { $0 >= 0 && $0 <= 1 } }
}

extension Interpreter {
  /// `predict MODEL ["text", …]` (or one string): the texts tokenized with the tokenizer the
  /// model was trained with. False (nothing done) when the inputs are not strings.
  func predictTexts(_ c: Command, model: ModelRef) throws -> Bool {
    guard c.args.count >= 2 else { return false }
    let e = c.args[1]
    let texts: [String]
    switch try evaluate(e) {
    case .string(let s): texts = [s]
    case .list(let items):
      var strings: [String] = []
      for item in items {
        guard case .string(let s) = item else {
          throw Diagnostic.error("predict takes numbers (a tensor) or texts (strings), not a mix", at: e.range)
        }
        strings.append(s)
      }
      texts = strings
    default: return false
    }
    guard let tokenizer = model.tokenizer else {
      throw Diagnostic.error("model '\(model.name)' has no tokenizer, so it cannot read texts", at: e.range,
                             hint: "train it on text loaded with load \"FILE.csv\" text=COLUMN vocab=V length=L, then predict")
    }
    let x = try checkedFeatures(tokenizer.encode(texts), model, at: e.range)
    let args = arguments(c)
    let out: Tensor
    do { out = try model.network.predict(x: x, batchSize: try TableOptions.int(c, "batch", args) ?? 32) } catch {
      throw Diagnostic.error("\(error)", at: c.range)
    }
    show(PredictionTable.render(out, truth: nil, classNames: model.classNames, top: try TableOptions.int(c, "top", args),
                                lossName: model.compiled?.loss, texts: texts, style: style))
    return true
  }
}
