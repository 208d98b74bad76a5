import Testing
@testable import TermPlot

/// A 4×5 image with a vertical edge, row-major (one channel).
let edgeImage: [Double] = [0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0.5, 1, 1, 1, 0, 0, 0.25, 1, 1]

/// 3×3×4 feature maps (NHWC, channel fastest): channel c is c·0.5·x − 0.1·c·y.
let featureData: [Double] = {
  var out: [Double] = []
  for y in 0..<3 { for x in 0..<3 { for c in 0..<4 { out.append(Double(c) * 0.5 * Double(x) - Double(y) * 0.1 * Double(c)) } } }
  return out
}()

/// A (2, 2, 2, 3) kernel in Keras' layout: value i·8 + j·4 + c·2 + f − 6.
let kernelData: [Double] = {
  var out: [Double] = []
  for i in 0..<2 { for j in 0..<2 { for c in 0..<2 { for f in 0..<3 { out.append(Double(i * 8 + j * 4 + c * 2 + f - 6)) } } } }
  return out
}()

@Suite struct ImageGridTests {
  @Test func imageHeatmapPiped() {
    let text = ImageGrid.image(edgeImage, height: 4, width: 5, title: "x[0] (4, 5, 1)").render(style: .ascii)
    #expect(trimmed(text) == """
      x[0] (4, 5, 1)
          @@@@@@
          @@@@@@
        ++@@@@@@
          ::@@@@
      0 [ .:-=+*#%@] 1
      """)
    #expect(widths(text).count == 1)
    #expect(!hasEscape(text))
  }

  @Test func imageHeatmapUnicode() {
    let text = ImageGrid.image(edgeImage, height: 4, width: 5).render(style: .unicode)
    #expect(lines(text)[2].hasPrefix("  ▒▒████"))
    #expect(trimmed(text).hasSuffix("0 [ ░▒▓█] 1"))
  }

  @Test func colourImageUsesGreyBackgrounds() {
    let text = ImageGrid.image(edgeImage, height: 4, width: 5).render(style: .unicode.withColor())
    let rows = lines(text)
    // Black (16) for the minimum, white (231) for the maximum, a mid grey for 0.5; one SGR
    // per run of equal cells and a reset at the end of every row.
    #expect(rows[0] == "\u{1B}[48;5;16m    \u{1B}[48;5;231m      \u{1B}[0m" + "      ")
    #expect(rows[2] == "\u{1B}[48;5;16m  \u{1B}[48;5;244m  \u{1B}[48;5;231m      \u{1B}[0m" + "      ")
    #expect(rows[4].hasPrefix("0 [\u{1B}[48;5;16m \u{1B}[48;5;234m "))
    #expect(rows[4].hasSuffix("\u{1B}[48;5;231m \u{1B}[0m] 1"))
    #expect(Set(rows.map(displayWidth)) == [displayWidth(rows[4])])
    #expect(rows.map(displayWidth) == lines(ImageGrid.image(edgeImage, height: 4, width: 5).render(style: .ascii)).map(displayWidth))
  }

  @Test func featureMapsPerMapScale() {
    let grid = ImageGrid.featureMaps(featureData, height: 3, width: 3, channels: 4, title: "conv (3, 3, 4)")
    #expect(trimmed(grid.render(style: .ascii, width: 40)) == """
      conv (3, 3, 4)
      ch 0    ch 1      ch 2      ch 3
      min 0   min -0.2  min -0.4  min -0.6
      max 0   max 1     max 2     max 3
              ::++@@    ::++@@    ::++@@
              ..++%%    ..++%%    ..++%%
                ==%%      ==%%      ==##
      scale per map: min [ .:-=+*#%@] max
      """)
  }

  @Test func featureMapsSharedScale() {
    let grid = ImageGrid.featureMaps(featureData, height: 3, width: 3, channels: 4, scale: .shared)
    #expect(trimmed(grid.render(style: .ascii)) == """
      ch 0    ch 1      ch 2      ch 3
      min 0   min -0.2  min -0.4  min -0.6
      max 0   max 1     max 2     max 3
      ::::::  ::--==    ::==##    ::++@@
      ::::::  ..--==    ..==**    ..++%%
      ::::::  ..::==    ..--**      ==##
      shared scale: -0.6 [ .:-=+*#%@] 3
      """)
  }

  @Test func gridWrapsToTheWidth() {
    let grid = ImageGrid.featureMaps(featureData, height: 3, width: 3, channels: 4)
    let narrow = grid.render(style: .ascii, width: 20)
    #expect(trimmed(narrow) == """
      ch 0    ch 1
      min 0   min -0.2
      max 0   max 1
              ::++@@
              ..++%%
                ==%%
      ch 2      ch 3
      min -0.4  min -0.6
      max 2     max 3
      ::++@@    ::++@@
      ..++%%    ..++%%
        ==%%      ==##
      scale per map: min [ .:-=+*#%@] max
      """)
    for width in [1, 10, 20, 30, 40, 200] {
      let text = grid.render(style: .ascii, width: width)
      let body = lines(text).dropLast()  // the legend line is not wrapped
      #expect(body.allSatisfy { displayWidth(trimmed($0)) <= max(width, 10) })
      #expect(widths(text).count == 1)
    }
  }

  @Test func wideMapsGetOneLineLabels() {
    let values = (0..<3).map { y in (0..<12).map { x in Double(x + y) } }
    let grid = ImageGrid(maps: [ImageMap(values: values, label: "ch 0"), ImageMap(values: values, label: "ch 1")],
                         cellWidth: 2)
    let first = lines(grid.render(style: .ascii, width: 100))[0]
    #expect(trimmed(first) == "ch 0  min 0 max 13        ch 1  min 0 max 13")
  }

  @Test func kernelsOneSectionPerInputChannel() {
    let grid = ImageGrid.kernels(kernelData, kernelHeight: 2, kernelWidth: 2, inputChannels: 2, filters: 3,
                                 title: "conv2d_1.kernel (2, 2, 2, 3)")
    #expect(trimmed(grid.render(style: .ascii)) == """
      conv2d_1.kernel (2, 2, 2, 3)
      input channel 0
      f 0     f 1     f 2
      min -6  min -5  min -4
      max 6   max 7   max 8
        --      --      --
      **@@    **@@    **@@
      input channel 1
      f 0     f 1     f 2
      min -4  min -3  min -2
      max 8   max 9   max 10
        --      --      --
      **@@    **@@    **@@
      scale per map: min [ .:-=+*#%@] max
      """)
  }

  @Test func kernelsMeanOverInputs() {
    let grid = ImageGrid.kernels(kernelData, kernelHeight: 2, kernelWidth: 2, inputChannels: 2, filters: 3,
                                 layout: .meanOverInputs)
    #expect(trimmed(grid.render(style: .ascii)) == """
      mean over 2 input channels
      f 0     f 1     f 2
      min -5  min -4  min -3
      max 7   max 8   max 9
        --      --      --
      **@@    **@@    **@@
      scale per map: min [ .:-=+*#%@] max
      """)
    // One input channel: no section heading; a Sobel-like filter shows its edge.
    let sobel: [Double] = [-1, 0, 1, -2, 0, 2, -1, 0, 1]
    let one = ImageGrid.kernels(sobel, kernelHeight: 3, kernelWidth: 3, inputChannels: 1, filters: 1)
    #expect(trimmed(one.render(style: .ascii)) == """
      f 0
      min -2
      max 2
      ::++##
        ++@@
      ::++##
      -2 [ .:-=+*#%@] 2
      """)
  }

  @Test func vectorStripWraps() {
    let strip = VectorStrip((0..<20).map { Double($0 % 7) * 0.3 }, title: "dense_1 (20)")
    #expect(trimmed(strip.render(style: .ascii, width: 30)) == """
      dense_1 (20)  min 0 max 1.8
       0   ::--++**%%@@  ::--++**%%
      13 @@  ::--++**%%
      0 [ .:-=+*#%@] 1.8
      """)
    let colored = strip.render(style: .unicode.withColor(), width: 30)
    #expect(hasEscape(colored))
    #expect(lines(colored).map(displayWidth) == lines(strip.render(style: .ascii, width: 30)).map(displayWidth))
  }

  @Test func awkwardInputsDoNotTrap() {
    #expect(ImageGrid(maps: []).render() == "(no data)")
    #expect(VectorStrip([Double]()).render() == "no data")
    let nan = ImageGrid(maps: [ImageMap(values: [[.nan, 1], [2]], label: "m")]).render(style: .ascii)
    #expect(trimmed(nan) == "m\nmin 1\nmax 2\n??\n@@??\n1 [ .:-=+*#%@] 2")
    // Short data: the missing values are NaN.
    let short = ImageGrid.featureMaps([1.0, 2.0], height: 2, width: 2, channels: 1).render(style: .ascii)
    #expect(short.contains("??"))
    #expect(ImageGrid.kernels([Float](), kernelHeight: 3, kernelWidth: 3, inputChannels: 2, filters: 2,
                              layout: .meanOverInputs).render(style: .ascii).contains("??????"))
    for series in awkwardSeries {
      for style in [RenderStyle.ascii, .unicode, .unicode.withColor()] {
        let grid = ImageGrid(maps: [ImageMap(values: [series, series.reversed()], label: "ch 0"),
                                    ImageMap(values: [series], label: nil)]).render(style: style, width: 12)
        #expect(widths(grid).count == 1)
        if !style.color { #expect(!hasEscape(grid)) }
        let strip = VectorStrip(series, title: "v").render(style: style, width: 12)
        #expect(widths(strip).count == 1)
      }
    }
  }
}
