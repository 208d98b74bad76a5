import Autograd
import NeuralNet
import TermPlot

/// `confusion M DATA`: the model's predictions against the true labels as a confusion matrix
/// (TermPlot's `ConfusionMatrixText`, the diagonal in brackets) and scikit-learn's
/// classification report (`ClassificationReportText`), from NeuralNet's `ClassificationReport`.
extension Interpreter {
  func confusion(_ c: Command) throws {
    let model = try modelArg(c)
    if let loss = model.compiled?.loss, ShowTargets.regressionLosses.contains(loss), let e = c.args.first {
      throw ShowTargets.regression(model.name, loss: loss, at: e.range)
    }
    if let e = c.args.dropFirst().first, case .dataset(let d) = try evaluate(e), d.y == nil {
      throw ShowTargets.noLabels(e, at: e.range)
    }
    let (x, y, datasetNames) = try data(c, model: model, needsTarget: true)
    guard let y else { return }
    let batch = try TableOptions.int(c, "batch", arguments(c)) ?? 32
    let dataRange = c.args.dropFirst().reduce(c.args.count > 1 ? c.args[1].range : c.range) { $0.union($1.range) }
    var report: ClassificationReport
    do {
      report = try model.network.classificationReport(x: x, y: y, batchSize: batch)
      if let names = datasetNames ?? model.classNames, names.count == report.classNames.count {
        report = try ClassificationReport(counts: report.counts, classNames: names)
      }
    } catch {
      throw Diagnostic.error("\(error)", at: dataRange)
    }
    show(ConfusionText.render(report, title: "confusion matrix of \(model.name) on "
                              + ShowTargets.text(c.args.count > 1 ? c.args[1] : c.args[0])
                              + " (\(plural(report.total, "sample"))): rows are the true classes, columns the predicted ones",
                              style: style))
  }
}

/// The text `confusion` prints: the matrix, a blank line, the report.
enum ConfusionText {
  static func render(_ r: ClassificationReport, title: String, style: RenderStyle) -> String {
    let matrix = ConfusionMatrixText(counts: r.counts, labels: r.classNames, title: title)
    func row(_ name: String, _ s: ClassificationReport.Scores) -> ClassificationReportText.Row {
      .init(name: name, precision: s.precision, recall: s.recall, f1: s.f1, support: s.support)
    }
    let text = ClassificationReportText(classes: zip(r.classNames, r.classes).map { row($0, $1) },
                                        accuracy: r.accuracy, total: r.total,
                                        macro: row("macro avg", r.macro), weighted: row("weighted avg", r.weighted))
    return matrix.render(style: style) + "\n\n" + text.render(style: style)
  }
}
