import Foundation
import Testing
@testable import TermPlot

/// `ClassificationReportText` against scikit-learn 1.9's own `classification_report` text for
/// every case of Tests/NeuralNetTests/Fixtures/classification_sklearn.json
/// (bench/fixtures/make_classification_fixture.py), given scikit-learn's numbers.
@Suite struct ClassificationReportFixtureTests {
  struct Case: Decodable {
    let name: String, class_names: [String], labels: [Int]
    let precision: [Double], recall: [Double], f1: [Double], support: [Int]
    let accuracy: Double, macro: [Double], weighted: [Double], text: String
  }
  struct Fixture: Decodable { let reports: [Case] }

  static let cases: [Case] = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../NeuralNetTests/Fixtures/classification_sklearn.json")
    return (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(Fixture.self, from: $0) }?.reports ?? []
  }()

  @Test func everyCaseRendersAsScikitLearnPrintsIt() {
    #expect(Self.cases.count == 6)
    for c in Self.cases {
      let rows = c.class_names.indices.map {
        ClassificationReportText.Row(name: c.class_names[$0], precision: c.precision[$0], recall: c.recall[$0],
                                     f1: c.f1[$0], support: c.support[$0])
      }
      let total = c.labels.count
      func average(_ v: [Double]) -> ClassificationReportText.Row {
        .init(name: "", precision: v[0], recall: v[1], f1: v[2], support: total)
      }
      let text = ClassificationReportText(classes: rows, accuracy: c.accuracy, total: total,
                                          macro: average(c.macro), weighted: average(c.weighted))
      // scikit-learn ends the text with a newline; the renderers here never do.
      #expect(text.render(style: .ascii) + "\n" == c.text, "\(c.name)")
    }
  }
}
