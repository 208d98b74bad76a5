import Testing
@testable import TermPlot

@Suite struct HistogramTests {
  let histogram = Histogram(values: [0, 0.1, 0.2, 0.2, 0.9, 1.0], bins: 4, barWidth: 8)

  @Test func unicodeSnapshot() {
    let text = histogram.render()
    #expect(trimmed(text) == """
         0 … 0.25 │████████ 4
      0.25 … 0.5  │         0
       0.5 … 0.75 │         0
      0.75 … 1    │████     2
      """)
    #expect(widths(text) == [23])
  }

  @Test func asciiSnapshot() {
    #expect(trimmed(histogram.render(style: .ascii)) == """
         0 .. 0.25 |######## 4
      0.25 .. 0.5  |         0
       0.5 .. 0.75 |         0
      0.75 .. 1    |####     2
      """)
  }

  @Test func binningCountsEveryFiniteValue() {
    let values = (0..<1000).map { Double($0 % 37) - 18 } + [.nan, .infinity]
    let h = Histogram(values: values, bins: 7)
    #expect(h.counts.count == 7)
    #expect(h.edges.count == 8)
    #expect(h.counts.reduce(0, +) == 1000)
    #expect(h.nonFinite == 2)
    #expect(trimmed(h.render()).hasSuffix("(2 non-finite values skipped)"))
  }

  @Test func eighthBlocksAndSlivers() {
    let h = Histogram(edges: [0, 1, 2, 3], counts: [16, 3, 1], barWidth: 2)
    #expect(lines(h.render()).map { $0.split(separator: "│").last.map(String.init) ?? "" }
      == ["██ 16", "▍   3", "▏   1"])
  }

  @Test func awkwardInputs() {
    #expect(Histogram(values: []).render() == "(no data)")
    #expect(Histogram(values: [.nan], title: "w").render() == "w                            \n(no data)                    \n(1 non-finite values skipped)")
    #expect(trimmed(Histogram(values: [1, 1, 1], barWidth: 4).render()) == "1 … 1 │████ 3")
    #expect(trimmed(Histogram(edges: [], counts: [2, 0], barWidth: 2).render(style: .ascii))
      == "#0 |## 2\n#1 |   0")
    #expect(Histogram(values: [1, 2], bins: 0).counts == [2])
    let huge = Histogram(values: [-1e308, 1e308, 0], bins: 3)
    #expect(huge.counts == [1, 1, 1])
    #expect(Histogram(edges: [0, 1], counts: [-3], barWidth: 3).render() == "0 … 1 │    -3")
  }

  @Test(arguments: awkwardSeries)
  func equalWidthsAndNoEscapes(values: [Double]) {
    for style in [RenderStyle.ascii, .unicode, .unicode.withColor()] {
      let text = Histogram(values: values, bins: 5, title: "t", barWidth: 10).render(style: style)
      #expect(widths(text).count == 1)
      #expect(!hasEscape(text))
    }
  }
}
