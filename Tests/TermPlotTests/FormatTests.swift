import Testing
@testable import TermPlot

@Suite struct FormatTests {
  @Test func metricMatchesKeras() {
    #expect(Format.metric(0.2412) == "0.2412")
    #expect(Format.metric(0.91) == "0.9100")
    #expect(Format.metric(-0.5) == "-0.5000")
    #expect(Format.metric(12345.6789) == "12345.6789")
    #expect(Format.metric(0) == "0.0000")
    #expect(Format.metric(1.23456e-5) == "1.2346e-05")
    #expect(Format.metric(-2.5e-7) == "-2.5000e-07")
    #expect(Format.metric(9.99999e-5) == "1.0000e-04")
    #expect(Format.metric(1e-4) == "0.0001")
    #expect(Format.metric(.nan) == "nan")
    #expect(Format.metric(.infinity) == "inf")
    #expect(Format.metric(-.infinity) == "-inf")
  }

  @Test func fixedAndScientific() {
    #expect(Format.fixed(2.5, decimals: 2) == "2.50")
    #expect(Format.fixed(-0.001, decimals: 2) == "0.00")
    #expect(Format.fixed(3, decimals: 0) == "3")
    #expect(Format.fixed(1e20, decimals: 4) == "1.0000e+20")
    #expect(Format.fixed(2e10, decimals: 4) == "20000000000.0000")
    #expect(Format.fixed(2e11, decimals: 4) == "2.0000e+11")
    #expect(Format.fixed(123.456, decimals: 12) == "123.456000000000")
    #expect(Format.scientific(0, decimals: 4) == "0.0000e+00")
    #expect(Format.scientific(1e-310, decimals: 4) == "1.0000e-310")
    #expect(Format.scientific(-2.5e100, decimals: 2) == "-2.50e+100")
    #expect(Format.scientific(Double.greatestFiniteMagnitude, decimals: 3) == "1.798e+308")
    #expect(Format.scientific(Double.leastNonzeroMagnitude, decimals: 1).hasSuffix("e-324"))
  }

  @Test func integersWithSeparators() {
    #expect(Format.integer(0) == "0")
    #expect(Format.integer(999) == "999")
    #expect(Format.integer(1000) == "1,000")
    #expect(Format.integer(1_234_567) == "1,234,567")
    #expect(Format.integer(-1_234_567) == "-1,234,567")
    #expect(Format.integer(Int.min) == "-9,223,372,036,854,775,808")
  }

  @Test func durations() {
    #expect(Format.duration(0) == "0s")
    #expect(Format.duration(0.4) == "0s")
    #expect(Format.duration(12.4) == "12s")
    #expect(Format.duration(65) == "1m 05s")
    #expect(Format.duration(3723) == "1h 02m 03s")
    #expect(Format.duration(-3) == "0s")
    #expect(Format.duration(.nan) == "--")
    #expect(Format.duration(.infinity) == "--")
    #expect(Format.duration(1e300) == Format.duration(1e15))
  }

  @Test func perStepTimes() {
    #expect(Format.perStep(0.002) == "2ms/step")
    #expect(Format.perStep(0.00035) == "350us/step")
    #expect(Format.perStep(1.4) == "1s/step")
    #expect(Format.perStep(0) == "0s/step")
    #expect(Format.perStep(0.5, unit: "sample") == "500ms/sample")
    #expect(Format.perStep(.nan) == "--/step")
    #expect(Format.perStep(-1) == "--/step")
  }

  @Test func byteSizes() {
    #expect(Format.bytes(524) == "524.00 B")
    #expect(Format.bytes(0) == "0.00 B")
    #expect(Format.bytes(2100) == "2.05 KB")
    #expect(Format.bytes(1.5 * 1024 * 1024) == "1.50 MB")
    #expect(Format.bytes(3 * 1024.0 * 1024 * 1024) == "3.00 GB")
    #expect(Format.bytes(Double.nan) == "nan B")
  }

  @Test func axisTicks() {
    #expect(Format.axisTick(0) == "0")
    #expect(Format.axisTick(0.25) == "0.25")
    #expect(Format.axisTick(-0.5) == "-0.5")
    #expect(Format.axisTick(12.345) == "12.3")
    #expect(Format.axisTick(0.0123) == "0.0123")
    #expect(Format.axisTick(0.002) == "2e-3")
    #expect(Format.axisTick(2.5e-7) == "2.5e-7")
    #expect(Format.axisTick(1500) == "1.5k")
    #expect(Format.axisTick(150_000) == "150k")
    #expect(Format.axisTick(999.7) == "1k")
    #expect(Format.axisTick(1_000_000) == "1M")
    #expect(Format.axisTick(2.5e9) == "2.5G")
    #expect(Format.axisTick(1e20) == "1e20")
    #expect(Format.axisTick(0.30000000000000004) == "0.3")
    #expect(Format.axisTick(0.24125, significant: 5) == "0.24125")
    #expect(Format.axisTick(.nan) == "nan")
  }

  @Test func flopCounts() {
    #expect(Format.flops(512) == "512")
    #expect(Format.flops(1234) == "1.2K")
    #expect(Format.flops(3.4e6) == "3.4M")
    #expect(Format.flops(5.6e9) == "5.6G")
    #expect(Format.flops(999_999) == "1.0M")
    #expect(Format.flops(7.8e12) == "7.8T")
    #expect(Format.flops(Double.infinity) == "inf")
  }
}

@Suite struct DisplayWidthTests {
  @Test func countsScalarsWithoutEscapes() {
    #expect(displayWidth("") == 0)
    #expect(displayWidth("abc") == 3)
    #expect(displayWidth("━━╺┃⣿█") == 6)
    #expect(displayWidth("\u{1B}[1;32mok\u{1B}[0m") == 2)
    #expect(displayWidth("\u{1B}]0;title\u{07}x") == 1)
    #expect(displayWidth("e\u{301}") == 1)
    #expect(displayWidth("a\nb") == 2)
  }

  @Test func layoutHelpers() {
    #expect(TextLayout.padLeft("ab", 4) == "  ab")
    #expect(TextLayout.padRight("\u{1B}[1mab\u{1B}[0m", 3) == "\u{1B}[1mab\u{1B}[0m ")
    #expect(TextLayout.center("ab", 5) == " ab  ")
    #expect(TextLayout.truncate("abcdef", 4) == "abc…")
    #expect(TextLayout.truncate("abc", 4) == "abc")
    #expect(TextLayout.truncate("abc", 0) == "")
    #expect(TextLayout.singleLine("a\nb\tc") == "a b c")
  }

  @Test func styles() {
    #expect(RenderStyle.ascii.unicode == false && RenderStyle.ascii.color == false)
    #expect(RenderStyle.unicode.unicode && !RenderStyle.unicode.color)
    #expect(RenderStyle.ascii.withColor().color)
    #expect(RenderStyle() == .unicode)
  }
}
