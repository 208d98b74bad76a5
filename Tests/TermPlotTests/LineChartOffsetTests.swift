import Testing
@testable import TermPlot

/// A series that continues another: `offset` points in, on the same x axis.
@Suite struct LineChartOffsetTests {
  @Test func aSeriesWithAnOffsetStartsWhereTheOtherEnds() {
    let chart = LineChart(series: [.init("window", [0, 1, 2, 3]), .init("generated", [4, 5, 6, 7], offset: 4)],
                          width: 20, height: 4)
    let lines = chart.render(style: .ascii).split(separator: "\n").map(String.init)
    // The plot rows: '*' only in the left half, '+' only in the right half.
    let plot = lines.prefix(4).map { $0.drop { $0 != "+" && $0 != "|" }.dropFirst() }
    for row in plot {
      if let star = row.lastIndex(of: "*"), let plus = row.firstIndex(of: "+") { #expect(star < plus) }
    }
    #expect(plot.joined().contains("*") && plot.joined().contains("+"))
    // The x axis runs to 8 points: one label at each end, 1 and 8.
    #expect(lines[5].trimmingCharacters(in: .whitespaces).hasPrefix("1"))
    #expect(lines[5].trimmingCharacters(in: .whitespaces).hasSuffix("8"))
  }

  @Test func theOffsetIsClampedAndAnEmptySeriesAddsNoPoints() {
    #expect(LineChart.Series("a", [1], offset: -3).offset == 0)
    #expect(LineChart.Series("a", [1], offset: Int.max).offset == 1 << 30)
    let chart = LineChart(series: [.init("a", [1, 2]), .init("b", [], offset: 50)], width: 20, height: 3)
    let axis = chart.render(style: .ascii).split(separator: "\n").map(String.init)[4]
    #expect(axis.trimmingCharacters(in: .whitespaces).hasSuffix("2"))
  }
}
