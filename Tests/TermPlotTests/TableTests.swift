import Testing
@testable import TermPlot

@Suite struct TableTests {
  let summary = Table(
    title: "Model: \"net\"",
    headers: ["Layer (type)", "Output Shape", "Param #"],
    rows: [["dense (Dense)", "(None, 16)", "80"], ["dense_1 (Dense)", "(None, 3)", "51"]],
    minWidths: [31, 22, 13], rowSeparators: true,
    footer: [" Total params: 131 (524.00 B)"])

  @Test func kerasSummaryUnicode() {
    #expect(summary.render() == """
      Model: "net"
      ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
      ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
      ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
      │ dense (Dense)                   │ (None, 16)             │            80 │
      ├─────────────────────────────────┼────────────────────────┼───────────────┤
      │ dense_1 (Dense)                 │ (None, 3)              │            51 │
      └─────────────────────────────────┴────────────────────────┴───────────────┘
       Total params: 131 (524.00 B)
      """)
  }

  @Test func kerasSummaryASCII() {
    #expect(summary.render(style: .ascii) == """
      Model: "net"
      +---------------------------------+------------------------+---------------+
      | Layer (type)                    | Output Shape           |       Param # |
      +=================================+========================+===============+
      | dense (Dense)                   | (None, 16)             |            80 |
      +---------------------------------+------------------------+---------------+
      | dense_1 (Dense)                 | (None, 3)              |            51 |
      +---------------------------------+------------------------+---------------+
       Total params: 131 (524.00 B)
      """)
  }

  @Test func widthsFromContentAndAlignment() {
    let table = Table(headers: ["name", "n", "mid"], rows: [["a", "1,234"], ["long name", "5", "x", "extra"]],
                      alignments: [.left, .auto, .center])
    #expect(table.render(style: .ascii) == """
      +-----------+-------+-----+-------+
      | name      |     n | mid |       |
      +===========+=======+=====+=======+
      | a         | 1,234 |     |       |
      | long name |     5 |  x  | extra |
      +-----------+-------+-----+-------+
      """)
  }

  @Test func noHeaderAndEmptyTables() {
    #expect(Table(headers: [], rows: [["x\ny"]]).render() == """
      ┌─────┐
      │ x y │
      └─────┘
      """)
    #expect(Table(title: "T", headers: [], rows: [], footer: ["f"]).render() == "T\nf")
    #expect(Table(headers: ["a"], rows: []).render(style: .ascii) == "+---+\n| a |\n+===+\n+---+")
  }

  @Test func compactTable() {
    let text = Table.render(headers: ["name", "shape", "params"],
                            rows: [["w1", "(4, 16)", "64"], ["b1", "(16)", "16"]], style: .ascii)
    #expect(text == """
      name  shape    params
      ----  -------  ------
      w1    (4, 16)      64
      b1    (16)         16
      """)
    let unicode = Table.render(headers: ["row", "predicted", "probabilities"],
                               rows: [["0", "1", "0.01 0.98 0.01"], ["1", "2", "0.1 0.2 0.7"]])
    #expect(trimmed(unicode) == """
      row  predicted  probabilities
      ───  ─────────  ──────────────
        0          1  0.01 0.98 0.01
        1          2  0.1 0.2 0.7
      """)
    #expect(widths(unicode).count == 1)
    #expect(Table.render(headers: [], rows: []) == "")
  }

  @Test func boxedLinesHaveEqualWidthAndNoEscapes() {
    for style in [RenderStyle.ascii, .unicode] {
      let text = summary.render(style: style)
      let box = lines(text).dropFirst().dropLast()
      #expect(Set(box.map(displayWidth)) == [76])
      #expect(!hasEscape(text))
    }
    let colored = summary.render(style: .unicode.withColor())
    #expect(hasEscape(colored))
    #expect(lines(colored).map(displayWidth) == lines(summary.render()).map(displayWidth))
  }
}
