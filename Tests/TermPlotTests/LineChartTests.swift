import Testing
@testable import TermPlot

@Suite struct LineChartTests {
  let chart = LineChart(
    title: "loss",
    series: [.init("loss", [1.0, 0.6, 0.4, 0.3, 0.25, 0.2]),
             .init("val_loss", [1.1, 0.7, 0.5, 0.45, 0.5, 0.55])],
    width: 36, height: 6)

  @Test func unicodeSnapshot() {
    let text = chart.render(style: .unicode)
    #expect(trimmed(text) == """
                         loss
       1.1 ┤•·
      0.92 ┤⠑····
           │  ⠈⠒··•·
      0.56 ┤     ⠉⠒⠤····•··     ···•·····•
      0.38 ┤          ⠉⠑⠒⠢⠤··•···
       0.2 ┤                    ⠈⠉⠉⠉⠉⠉⠑⠒⠒⠒
           └┬─────┬──────────┬───────────┬
            1     2          4           6
            ━ loss  • val_loss
      """)
    #expect(widths(text) == [36])
  }

  @Test func asciiSnapshot() {
    let text = chart.render(style: .ascii)
    #expect(trimmed(text) == """
                         loss
       1.1 +++
      0.92 +**+++
           |  ***++++
      0.56 +     ****++++++     ++++++++++
      0.38 +         ******+++++
       0.2 +                    **********
           ++-----+----------+-----------+
            1     2          4           6
            * loss  + val_loss
      """)
    #expect(widths(text) == [36])
    #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
  }

  @Test func colorUsesBrailleForAllSeriesAndKeepsWidths() {
    let colored = chart.render(style: .unicode.withColor())
    #expect(hasEscape(colored))
    #expect(!colored.contains("•"))
    #expect(lines(colored).map(displayWidth) == lines(chart.render(style: .unicode)).map(displayWidth))
    #expect(colored.contains("\u{1B}[34m━\u{1B}[0m loss"))
    #expect(colored.contains("\u{1B}[33m━\u{1B}[0m val_loss"))
  }

  @Test func defaultSizeAndManyEpochs() {
    let values = (1...60).map { 1 / Double($0) }
    let text = LineChart(series: [.init("loss", values)]).render()
    let rows = lines(text)
    #expect(rows.count == 15 + 3)
    #expect(widths(text) == [60])
    #expect(rows[16].hasPrefix("        1       10      20"))
    #expect(rows[16].hasSuffix("60"))
    #expect(rows[0].hasPrefix("     1 ┤⡄"))
    #expect(rows[14].hasPrefix("0.0167 ┤"))
  }

  @Test func logScale() {
    let chart = LineChart(series: [.init("loss", [100, 10, 1, 0, -1])], width: 30, height: 5, logY: true)
    let labels = lines(chart.render(style: .ascii)).prefix(5).map { String($0.prefix(4)) }
    #expect(labels == [" 100", "31.6", "  10", "3.16", "   1"])
  }

  @Test func constantAndSinglePointSeriesAreCentred() {
    let constant = lines(LineChart(series: [.init("c", [2, 2, 2])], width: 20, height: 5).render(style: .ascii))
    #expect(constant[2] == "  2 +***************")
    #expect(constant[0].hasPrefix("2.2 +"))
    let single = lines(LineChart(series: [.init("p", [5])], width: 20, height: 3).render(style: .ascii))
    #expect(single[1] == "  5 +*              ")
    #expect(single[4].hasPrefix("     1"))
  }

  @Test func nanBreaksTheLineAndLengthsMayDiffer() {
    let chart = LineChart(series: [.init("a", [1, 1, .nan, 1, 1]), .init("b", [0, 2])], width: 16, height: 3)
    let rows = lines(chart.render(style: .ascii))
    #expect(rows[1] == "1 +*++*     ****")
    #expect(rows[0] == "2 +   +         ")
    #expect(rows[2] == "0 ++            ")
  }

  @Test func noDataMessage() {
    for series in [[], [LineChart.Series("x", [.nan, .infinity])], [LineChart.Series("x", [])]] {
      let text = LineChart(series: series, width: 30, height: 5).render(style: .ascii)
      #expect(text.contains("(no data)"))
      #expect(widths(text).count == 1)
    }
    let logText = LineChart(series: [.init("x", [0, -1])], width: 30, height: 5, logY: true).render()
    #expect(logText.contains("(no data)"))
  }

  @Test func legendWrapsAndShowsSymbols() {
    let names = ["loss", "val_loss", "accuracy", "val_accuracy", "lr"]
    let chart = LineChart(series: names.map { .init($0, [1, 2]) }, width: 30, height: 4)
    let ascii = chart.render(style: .ascii)
    #expect(ascii.contains("* loss  + val_loss"))
    #expect(ascii.contains("o accuracy"))
    #expect(ascii.contains("# lr"))
    #expect(widths(ascii).count == 1)
    let unicode = chart.render(style: .unicode)
    #expect(unicode.contains("━ loss  • val_loss"))
    #expect(unicode.contains("× val_accuracy"))
  }

  @Test(arguments: awkwardSeries)
  func awkwardValuesRenderWithEqualWidths(values: [Double]) {
    for style in [RenderStyle.ascii, .unicode, .unicode.withColor()] {
      for logY in [false, true] {
        for (width, height) in [(60, 15), (8, 2), (1, 1), (0, 0), (-5, -5)] {
          let chart = LineChart(title: "t", series: [.init("a", values), .init("b", values.reversed())],
                                width: width, height: height, logY: logY)
          let text = chart.render(style: style)
          #expect(widths(text).count == 1)
          #expect(hasEscape(text) == (style.color && text.contains("━")))
          #expect(lines(text).count >= max(1, height) + 3)
        }
      }
    }
  }
}
