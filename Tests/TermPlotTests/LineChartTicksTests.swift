import Testing
@testable import TermPlot

/// Tick labels placed by the caller (`LineChart.xTicks`): the decades of a learning rate.
@Suite struct LineChartTicksTests {
  /// The label line of an ASCII chart of `points` points with `ticks`, and the axis line.
  func axis(points: Int, ticks: [(index: Double, label: String)], width: Int = 32) -> (axis: String, labels: String) {
    var chart = LineChart(series: [.init("loss", (0..<points).map(Double.init))], width: width, height: 3)
    chart.xTicks = ticks
    let lines = chart.render(style: .ascii).split(separator: "\n").map(String.init)
    return (lines[3], lines[4])
  }

  @Test func customLabelsReplaceTheWholeNumbers() {
    let (axisLine, labels) = axis(points: 11, ticks: [(0, "1e-3"), (5, "0.1"), (10, "10")])
    let words = labels.split(separator: " ").map(String.init)
    #expect(words == ["1e-3", "0.1", "10"])
    // Each label sits under a tick mark ('+' on the ASCII axis, after the corner).
    let plotStart = axisLine.firstIndex(of: "+").map { axisLine.distance(from: axisLine.startIndex, to: $0) + 1 } ?? 0
    let marks = axisLine.enumerated().filter { $0.offset >= plotStart && $0.element == "+" }.map(\.offset)
    #expect(marks.count == 3)
    let middle = labels.range(of: "0.1").map { labels.distance(from: labels.startIndex, to: $0.lowerBound) } ?? -1
    #expect(marks.contains { abs($0 - (middle + 1)) <= 1 }, "the middle label is centred on its mark")
  }

  @Test func fractionalIndexesAreBetweenPointsAndOutOfRangeOnesAreClamped() {
    let (_, a) = axis(points: 3, ticks: [(0.5, "x")])
    let (_, b) = axis(points: 3, ticks: [(1.5, "x")])
    let col = { (s: String) in s.firstIndex(of: "x").map { s.distance(from: s.startIndex, to: $0) } ?? -1 }
    #expect(col(a) < col(b) && col(a) > 0)
    let (_, clamped) = axis(points: 3, ticks: [(-4, "lo"), (99, "hi")])
    #expect(clamped.trimmingCharacters(in: .whitespaces).hasPrefix("lo"))
    #expect(clamped.trimmingCharacters(in: .whitespaces).hasSuffix("hi"))
    let (_, none) = axis(points: 3, ticks: [(.nan, "bad")])
    #expect(!none.contains("bad"))
  }

  @Test func aLabelThatWouldTouchAnotherIsLeftOut() {
    let (_, labels) = axis(points: 100, ticks: [(0, "1e-7"), (1, "1e-6"), (50, "1e-3")], width: 30)
    #expect(labels.contains("1e-7") && labels.contains("1e-3"))
    #expect(!labels.contains("1e-6"))
  }
}
