import Testing
@testable import TermPlot

@Suite struct HeatmapTests {
  let matrix = Heatmap.confusionMatrix([[5, 0], [1, 4]], labels: ["cat", "dog"])

  @Test func confusionMatrixUnicode() {
    let text = matrix.render()
    #expect(trimmed(text) == """
           predicted
      true cat dog
       cat █ 5   0
       dog ░ 1 ▓ 4
           0 [ ░▒▓█] 5
      """)
    #expect(widths(text).count == 1)
  }

  @Test func confusionMatrixASCII() {
    let text = Heatmap.confusionMatrix([[5, 0], [1, 4]], labels: ["cat", "dog"], title: "CM").render(style: .ascii)
    #expect(trimmed(text) == """
      CM
           predicted
      true cat dog
       cat @ 5   0
       dog : 1 # 4
           0 [ .:-=+*#%@] 5
      """)
  }

  @Test func featureMapShades() {
    let map = Heatmap(values: [[0, 0.5], [0.75, 1]], showScale: false)
    #expect(map.render() == "  ▒▒\n▓▓██")
    #expect(map.render(style: .ascii) == "  ++\n##@@")
    let wide = Heatmap(values: [[1, 2, 3]], rowLabels: ["r0"], columnLabels: ["a", "b", "c"], cellWidth: 1)
    #expect(trimmed(wide.render()) == "    a b c\nr0   ▒▒██\n   1 [ ░▒▓█] 3")
  }

  @Test func awkwardMatricesDoNotTrap() {
    #expect(Heatmap(values: []).render() == "(no data)")
    #expect(Heatmap(values: [[.nan, .infinity]]).render() == "????     \n(no data)")
    #expect(Heatmap(values: [[3, 3], [3]], showScale: false).render() == "████\n██??")
    #expect(Heatmap(values: [[0, 0]], showValues: true, showScale: false).render() == "  0   0")
    let big = Heatmap(values: [[1e308, -1e308]], showValues: true).render(style: .ascii)
    #expect(widths(big).count == 1)
    #expect(big.hasPrefix("@  1e308   -1e308"))
  }

  @Test(arguments: awkwardSeries)
  func equalWidthsAndNoEscapes(values: [Double]) {
    for showValues in [false, true] {
      let heatmap = Heatmap(values: [values, values.reversed(), []], rowLabels: ["a"],
                            columnLabels: ["x"], rowTitle: "true", columnTitle: "predicted",
                            title: "t", showValues: showValues)
      for style in [RenderStyle.ascii, .unicode, .unicode.withColor()] {
        let text = heatmap.render(style: style)
        #expect(widths(text).count == 1)
        #expect(!hasEscape(text))
      }
    }
  }
}

@Suite struct SparklineTests {
  @Test func levels() {
    #expect(Sparkline.render([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█")
    #expect(Sparkline.render([1, 2, 3, 4, 5, 6, 7, 8], style: .ascii) == "_.-=+*#@")
    #expect(Sparkline.render([8, 1]) == "█▁")
  }

  @Test func awkwardValues() {
    #expect(Sparkline.render([]) == "")
    #expect(Sparkline.render([2, 2, 2]) == "▄▄▄")
    #expect(Sparkline.render([5]) == "▄")
    #expect(Sparkline.render([1, .nan, .infinity, 2]) == "▁!!█")
    #expect(Sparkline.render([.nan]) == "!")
    #expect(Sparkline.render([1e-5, 1e-3, 0, 1e-1], logScale: true) == "▁▅ █")
    #expect(Sparkline.render([-1e308, 1e308]) == "▁█")
  }

  @Test func bucketingAndRange() {
    let ramp = Sparkline.render((0..<100).map(Double.init), width: 10)
    #expect(ramp.count == 10)
    #expect(ramp.first == "▁" && ramp.last == "█")
    #expect(Sparkline.render([1, 2, 3], width: 10) == "▁▅█")
    #expect(Sparkline.render([.nan, .nan, 1, 3], width: 2) == "!▄")
    #expect(Sparkline.render([0, 5, 10, 20], range: 0...10) == "▁▅██")
    #expect(Sparkline.render([1, 2], range: 0...(.infinity)) == "▁█")
    #expect(Sparkline.render([1, 2], width: 0) == "▁█")
  }
}
