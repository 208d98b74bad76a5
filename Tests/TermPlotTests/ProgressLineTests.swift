import Testing
@testable import TermPlot

@Suite struct ProgressLineTests {
  let metrics: [(String, Double)] = [
    ("accuracy", 0.91), ("loss", 0.2412), ("val_accuracy", 0.9333), ("val_loss", 0.195),
  ]

  @Test func finishedUnicodeLine() {
    let line = ProgressLine(step: 8, total: 8, elapsed: 0.02, secondsPerStep: 0.002, metrics: metrics)
    #expect(line.isFinished)
    #expect(line.render() == "8/8 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.9100 - loss: 0.2412"
      + " - val_accuracy: 0.9333 - val_loss: 0.1950")
  }

  @Test func inProgressShowsEtaAndHead() {
    let line = ProgressLine(step: 3, total: 8, elapsed: 6, secondsPerStep: 2, metrics: [("loss", 0.2412)])
    #expect(line.render() == "3/8 ━━━━━━━╺━━━━━━━━━━━━ 10s 2s/step - loss: 0.2412")
    #expect(line.render(style: .ascii) == "3/8 [=======>............] 10s 2s/step - loss: 0.2412")
  }

  @Test func ratesAreWholeNumbersWithSeparators() {
    let line = ProgressLine(step: 8, total: 8, elapsed: 6, secondsPerStep: 0.004,
                            metrics: [("loss", 0.0859), ("rows/s", 72488.674)])
    #expect(line.render(style: .ascii).hasSuffix(" - loss: 0.0859 - rows/s: 72,489"))
    #expect(Format.logValue(0.5, named: "rows/s") == "1")
    #expect(Format.logValue(.nan, named: "rows/s") == Format.metric(.nan))
  }

  @Test func counterIsPaddedToTotalWidth() {
    let line = ProgressLine(step: 3, total: 80, elapsed: 1, secondsPerStep: 0.001)
    #expect(line.render(style: .ascii).hasPrefix(" 3/80 [>...................] 0s 1ms/step"))
  }

  @Test func unknownTotalHasNoBar() {
    let line = ProgressLine(step: 3, total: nil, elapsed: 65, secondsPerStep: 0.002, metrics: [("loss", 1)])
    #expect(line.render() == "3/Unknown 1m 05s 2ms/step - loss: 1.0000")
    #expect(!line.isFinished)
  }

  @Test func edgeStepsDoNotTrap() {
    #expect(ProgressLine(step: 0, total: 4, elapsed: 0, secondsPerStep: 0).render()
      == "0/4 ╺━━━━━━━━━━━━━━━━━━━ 0s 0s/step")
    #expect(ProgressLine(step: 9, total: 4, elapsed: 1, secondsPerStep: 0.1).render(style: .ascii)
      == "9/4 [====================] 1s 100ms/step")
    #expect(ProgressLine(step: 0, total: 0, elapsed: .nan, secondsPerStep: .nan).render()
      == "0/0 -- --/step")
    #expect(ProgressLine(step: -1, total: 5, elapsed: 0, secondsPerStep: .infinity, barWidth: 0)
      .render(style: .ascii) == "-1/5 [>] -- --/step")
    let metric = ProgressLine(step: 1, total: 2, elapsed: 0, secondsPerStep: 0, metrics: [("l\nx", .nan)])
    #expect(metric.render().hasSuffix(" - l x: nan"))
  }

  @Test func colorKeepsDisplayWidth() {
    let line = ProgressLine(step: 3, total: 8, elapsed: 1, secondsPerStep: 0.002, metrics: metrics)
    let plain = line.render(style: .unicode)
    let colored = line.render(style: .unicode.withColor())
    #expect(hasEscape(colored))
    #expect(!hasEscape(plain))
    #expect(displayWidth(colored) == displayWidth(plain))
    #expect(colored.contains("\u{1B}[32m━━━━━━━\u{1B}[0m"))
  }

  @Test func plainEpochLine() {
    let line = ProgressLine(step: 8, total: 8, elapsed: 0.3, secondsPerStep: 0.002, metrics: metrics)
    #expect(line.renderPlain(epoch: 3, epochs: 60) == "Epoch 3/60 - 8/8 - 0s - 2ms/step - accuracy: 0.9100"
      + " - loss: 0.2412 - val_accuracy: 0.9333 - val_loss: 0.1950")
    #expect(ProgressLine(step: 2, total: nil, elapsed: 75, secondsPerStep: 0.00035)
      .renderPlain(epoch: 1, epochs: nil) == "Epoch 1 - 2/Unknown - 1m 15s - 350us/step")
    #expect(ProgressLine.epochHeader(epoch: 3, epochs: 60) == "Epoch 3/60")
  }
}
