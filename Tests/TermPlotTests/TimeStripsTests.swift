import Testing
@testable import TermPlot

@Suite struct TimeStripsTests {
  let strips = TimeStrips(title: "rnn on x: 5 steps", blocks: [
    .init(label: "input", rows: [[0, 1, 2, 3, 4]]),
    .init(label: "update gate", rows: [[0, 0.25, 0.5, 0.75, 1], [1, 1, 1, 1, 1]], range: 0...1),
  ])

  @Test func blocksPiped() {
    #expect(trimmed(strips.render(style: .ascii)) == """
      rnn on x: 5 steps
      step         0   4
      input         :+#@  0 … 4
      update gate  0 … 1 (fixed)
        unit 0      :+#@
        unit 1     @@@@@
                   low [ .:-=+*#%@] high, within each block's range
      """)
  }

  @Test func fixedRangeIsNotStretched() {
    // A gate at 0.5 everywhere is mid-grey on the fixed 0…1 range, not the top shade.
    let half = TimeStrips(blocks: [.init(label: "gate", rows: [[0.5, 0.5, 0.5]], range: 0...1)])
    let row = lines(half.render(style: .ascii))[1]
    #expect(row.contains("  +++  "))  // level 5 of the ten ASCII shades
    #expect(!row.contains("@"))
  }

  @Test func longSequencesWrapIntoBands() {
    let long = TimeStrips(blocks: [.init(label: "h", rows: [(0..<30).map(Double.init)])])
    let text = long.render(style: .ascii, width: 30)
    let bands = lines(text).filter { $0.hasPrefix("step") }
    #expect(bands.count == 2)
    #expect(bands[1].hasPrefix("step    22"))
    #expect(lines(text).filter { $0.hasPrefix("h ") }.map { $0.filter { "@#%".contains($0) }.count }.last == 8)
    #expect(widths(text).allSatisfy { $0 <= 62 })
  }

  @Test func colourUsesEscapesAndNoShadeCharacters() {
    let text = strips.render(style: RenderStyle(unicode: true, color: true))
    #expect(hasEscape(text))
    #expect(!text.contains("▓"))
  }

  @Test func emptyAndNonFinite() {
    #expect(TimeStrips(blocks: []).render().contains("no time steps"))
    let nan = TimeStrips(blocks: [.init(label: "x", rows: [[.nan, .infinity]])]).render(style: .ascii)
    #expect(nan.contains("no finite values"))
  }
}
