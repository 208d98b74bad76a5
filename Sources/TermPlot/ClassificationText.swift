/// A confusion matrix as text: rows are the true classes, columns the predicted ones, the
/// diagonal (correct predictions) in brackets.
///
///          predicted
///     true  cat  dog  bird
///     cat   [5]   0     1
///     dog    1   [4]    0
///     bird   0    0    [3]
///
/// With colour the diagonal is also bold green, other non-zero counts red and zeros dim.
/// Missing cells of ragged rows count as 0; every line has the same display width.
public struct ConfusionMatrixText: Sendable {
  /// `counts[true][predicted]`.
  public var counts: [[Int]]
  /// Class names, index order (missing ones are the index).
  public var labels: [String]
  /// A line above the matrix, or nil.
  public var title: String?

  /// A confusion matrix.
  public init(counts: [[Int]], labels: [String] = [], title: String? = nil) {
    self.counts = counts
    self.labels = labels
    self.title = title
  }

  /// The matrix as lines joined by `\n`, no trailing newline.
  public func render(style: RenderStyle = .unicode) -> String {
    let k = max(counts.count, counts.map(\.count).max() ?? 0)
    let names = (0..<k).map { $0 < labels.count ? TextLayout.singleLine(labels[$0]) : String($0) }
    let cell = { (t: Int, p: Int) -> Int in t < counts.count && p < counts[t].count ? counts[t][p] : 0 }
    let numberWidth = (0..<k).flatMap { t in (0..<k).map { p in Format.integer(cell(t, p)).count } }.max() ?? 1
    let cw = max(numberWidth + 2, (names.map(displayWidth).max() ?? 0) + 1)
    let rowWidth = max(displayWidth("true"), names.map(displayWidth).max() ?? 0)
    let gridWidth = k * cw + max(0, k - 1)
    var lines: [String] = []
    if let title { lines.append(TextLayout.singleLine(title)) }
    guard k > 0 else { return (lines + ["(no data)"]).joined(separator: "\n") }
    lines.append(TextLayout.repeated(" ", rowWidth + 1) + TextLayout.center("predicted", gridWidth))
    lines.append(TextLayout.padRight("true", rowWidth) + " "
                 + names.map { TextLayout.padLeft($0 + " ", cw) }.joined(separator: " "))
    for t in 0..<k {
      let cells = (0..<k).map { p in paint(cell(t, p), diagonal: t == p, width: cw, style) }
      lines.append(TextLayout.padRight(names[t], rowWidth) + " " + cells.joined(separator: " "))
    }
    let widest = lines.map(displayWidth).max() ?? 0
    return lines.map { TextLayout.padRight($0, widest) }.joined(separator: "\n")
  }

  /// One cell: `[n]` on the diagonal, `n ` elsewhere, right-aligned in `width`.
  func paint(_ n: Int, diagonal: Bool, width: Int, _ style: RenderStyle) -> String {
    let number = Format.integer(n)
    let text = diagonal ? "[" + number + "]" : number + " "
    let code = diagonal ? ANSI.bold + ";" + ANSI.green : (n == 0 ? ANSI.dim : ANSI.red)
    let pad = TextLayout.repeated(" ", width - displayWidth(text))
    return pad + ANSI.wrap(text, code, enabled: style.color)
  }
}

/// Per-class precision, recall, F1 and support with accuracy and averages, laid out exactly
/// as scikit-learn's `classification_report` (`digits` decimals, default 2, rounded as
/// Python does):
///
///                   precision    recall  f1-score   support
///
///              cat       1.00      0.67      0.80         3
///              dog       0.50      0.67      0.57         3
///
///         accuracy                           0.70        10
///        macro avg       0.75      0.69      0.71        10
///     weighted avg       0.75      0.70      0.71        10
///
/// (no trailing newline, trailing spaces kept as scikit-learn prints them). With colour the
/// header is bold.
public struct ClassificationReportText: Sendable {
  /// One line of the report.
  public struct Row: Sendable, Equatable {
    /// The class name (or `macro avg`, `weighted avg`).
    public var name: String
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var support: Int

    /// A line.
    public init(name: String, precision: Double, recall: Double, f1: Double, support: Int) {
      self.name = name
      self.precision = precision
      self.recall = recall
      self.f1 = f1
      self.support = support
    }
  }

  /// One row per class.
  public var classes: [Row]
  /// Fraction correct.
  public var accuracy: Double
  /// Number of samples.
  public var total: Int
  /// Precision, recall and F1 macro averages (the row's name is ignored).
  public var macro: Row
  /// Support-weighted averages (the row's name is ignored).
  public var weighted: Row
  /// Decimals of the scores (clamped to 0…10).
  public var digits: Int

  /// A report.
  public init(classes: [Row], accuracy: Double, total: Int, macro: Row, weighted: Row, digits: Int = 2) {
    self.classes = classes
    self.accuracy = accuracy
    self.total = total
    self.macro = macro
    self.weighted = weighted
    self.digits = digits
  }

  /// The report's lines joined by `\n`.
  public func render(style: RenderStyle = .unicode) -> String {
    let d = Numeric.clamp(digits, 0...10)
    let names = classes.map { TextLayout.singleLine($0.name) }
    let width = max(names.map(displayWidth).max() ?? 0, displayWidth("weighted avg"), d)
    let column = { (text: String) in " " + TextLayout.padLeft(text, 9) }
    let score = { (x: Double) in column(Format.decimal(x, places: d)) }
    let header = TextLayout.repeated(" ", width) + " "
      + ["precision", "recall", "f1-score", "support"].map(column).joined()
    func line(_ name: String, _ r: Row) -> String {
      TextLayout.padLeft(name, width) + " " + score(r.precision) + score(r.recall) + score(r.f1)
        + column(String(r.support))
    }
    var lines = [ANSI.wrap(header, ANSI.bold, enabled: style.color), ""]
    lines += zip(names, classes).map { line($0, $1) }
    lines.append("")
    lines.append(TextLayout.padLeft("accuracy", width) + " " + column("") + column("")
                 + score(accuracy) + column(String(total)))
    lines.append(line("macro avg", macro))
    lines.append(line("weighted avg", weighted))
    return lines.joined(separator: "\n")
  }
}
