import Testing
@testable import TermPlot

@Suite struct ClassificationTextTests {
  let matrix = ConfusionMatrixText(counts: [[5, 0, 1], [1, 4, 0], [0, 0, 3]], labels: ["cat", "dog", "bird"])

  @Test func confusionMatrixPiped() {
    let text = matrix.render(style: .ascii)
    #expect(trimmed(text) == """
               predicted
      true  cat   dog  bird
      cat    [5]    0     1
      dog     1    [4]    0
      bird    0     0    [3]
      """)
    #expect(widths(text).count == 1)
    #expect(!hasEscape(text))
    #expect(matrix.render(style: .unicode) == text)
  }

  @Test func confusionMatrixColourMarksTheDiagonal() {
    let text = matrix.render(style: .unicode.withColor())
    let rows = lines(text)
    #expect(rows[2] == "cat    \u{1B}[1;32m[5]\u{1B}[0m    \u{1B}[2m0 \u{1B}[0m    \u{1B}[31m1 \u{1B}[0m")
    #expect(rows.map(displayWidth) == lines(matrix.render(style: .ascii)).map(displayWidth))
  }

  @Test func confusionMatrixWideCountsAndMissingNames() {
    let text = ConfusionMatrixText(counts: [[1234, 5], [0]], labels: ["a"], title: "cm").render(style: .ascii)
    #expect(trimmed(text) == """
      cm
              predicted
      true      a       1
      a    [1,234]      5
      1         0      [0]
      """)
    #expect(ConfusionMatrixText(counts: []).render() == "(no data)")
  }

  /// scikit-learn 1.9's classification_report(digits=2) of the fixture case "three_classes".
  @Test func reportLikeScikitLearn() {
    let report = ClassificationReportText(
      classes: [.init(name: "cat", precision: 1, recall: 2.0 / 3, f1: 0.8, support: 3),
                .init(name: "dog", precision: 0.5, recall: 2.0 / 3, f1: 4.0 / 7, support: 3),
                .init(name: "bird", precision: 0.75, recall: 0.75, f1: 0.75, support: 4)],
      accuracy: 0.7, total: 10,
      macro: .init(name: "", precision: 0.75, recall: 0.6944444444444445, f1: 0.7071428571428572, support: 10),
      weighted: .init(name: "", precision: 0.75, recall: 0.7, f1: 0.7114285714285715, support: 10))
    let sklearn = """
                    precision    recall  f1-score   support

               cat       1.00      0.67      0.80         3
               dog       0.50      0.67      0.57         3
              bird       0.75      0.75      0.75         4

          accuracy                           0.70        10
         macro avg       0.75      0.69      0.71        10
      weighted avg       0.75      0.70      0.71        10
      """
    #expect(report.render(style: .ascii) == sklearn)
    #expect(!hasEscape(report.render()))
    let bold = report.render(style: .unicode.withColor())
    #expect(lines(bold)[0].hasPrefix("\u{1B}[1m "))
    #expect(lines(bold).dropFirst() == lines(sklearn).dropFirst())
  }

  @Test func longNamesWidenTheFirstColumn() {
    let row = ClassificationReportText.Row(name: "a very long class", precision: 0.125, recall: 0.375, f1: 1, support: 1)
    let text = ClassificationReportText(classes: [row], accuracy: 1, total: 1, macro: row, weighted: row, digits: 2)
      .render(style: .ascii)
    // Ties round to even, as Python's format does: 0.125 → 0.12, 0.375 → 0.38.
    #expect(lines(text)[2] == "a very long class       0.12      0.38      1.00         1")
    #expect(lines(text)[5] == "        macro avg       0.12      0.38      1.00         1")
  }
}

@Suite struct DecimalFormatTests {
  @Test func roundsTheExactBinaryValueTiesToEven() {
    #expect(Format.decimal(0.125, places: 2) == "0.12")
    #expect(Format.decimal(0.375, places: 2) == "0.38")
    #expect(Format.decimal(2.675, places: 2) == "2.67")  // stored as 2.67499999…
    #expect(Format.decimal(1.005, places: 2) == "1.00")  // stored as 1.00499999…
    #expect(Format.decimal(0.5, places: 0) == "0")
    #expect(Format.decimal(1.5, places: 0) == "2")
    #expect(Format.decimal(2.0 / 3, places: 2) == "0.67")
    #expect(Format.decimal(-0.6251, places: 3) == "-0.625")
    #expect(Format.decimal(0.03125, places: 4) == "0.0312")
    #expect(Format.decimal(9.995, places: 2) == "9.99")  // 9.99499999…
    #expect(Format.decimal(0.9999, places: 2) == "1.00")
    #expect(Format.decimal(.nan, places: 2) == "nan")
    #expect(Format.decimal(1e300, places: 2) == Format.scientific(1e300, decimals: 2))
  }
}
