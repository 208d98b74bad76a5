import Foundation
import TermPlot
import Testing
@testable import DLang

/// An output that draws pictures at a given width, in colour or not (a terminal's choice).
final class PictureOutput: SessionOutput {
  let style = RenderStyle.ascii
  let isInteractive = false
  let width: Int
  let color: Bool
  private(set) var stdout = ""
  private(set) var stderr = ""

  init(width: Int, color: Bool) {
    self.width = width
    self.color = color
  }

  func result(_ text: String) { stdout += text + "\n" }
  func picture(_ render: (RenderStyle, Int) -> String) {
    stdout += render(RenderStyle(unicode: true, color: color), width) + "\n"
  }
  func progress(_ event: ProgressEvent) {}
  func diagnostic(_ diagnostic: Diagnostic, file: String, source: String) {
    stderr += diagnostic.render(file: file, source: source) + "\n"
  }
}

/// `show`: samples, layer outputs and kernels, drawn through the session's output.
@Suite("show")
struct ShowTests {
  /// A 3×3 one-channel picture and a conv layer with one 2×2 kernel of ones (and a second
  /// filter, 2×kernel, in `two`): its valid output is the sums of the 2×2 windows.
  static let setup = """
    img = [[[1], [2], [3]], [[4], [5], [6]], [[7], [8], [9]]]
    model one { input 3x3x1; conv2d 1 2x2 }
    one.conv2d_1.kernel = [[[1, 1], [1, 1]]]
    model two { input 3x3x1; conv2d 2 2x2 }
    two.conv2d_1.kernel = [[[1, 1], [1, 1]], [[2, 2], [2, 2]]]
    model flat { input 3; dense 2 }
    flat.dense_1.weights = [[1, 0], [0, 1], [1, 1]]
    """

  /// stdout and stderr of `setup` then `source`, run as a script with plain output.
  static func run(_ source: String) -> (ok: Bool, stdout: String, stderr: String) {
    let output = RecordingOutput()
    let session = Session(output: output)
    session.systemSeed = { 7 }
    #expect(session.run(setup, file: "<setup>"), "\(output.stderr)")
    output.clear()
    let ok = session.run(source, file: "<show>")
    return (ok, output.stdout, output.stderr)
  }

  @Test func aMatrixIsOneMapWithItsRangeInTheLegend() {
    let r = Self.run("x = [[0, 1, 2], [3, 4, 5]]\nshow x")
    #expect(r.ok, "\(r.stderr)")
    #expect(r.stdout == """
      x: (2, 3)
        ::==
      ++##@@
      0 [ .:-=+*#%@] 5

      """)
  }

  @Test func aConvLayersOutputIsTheWindowSumsOfTheSample() {
    let r = Self.run("show one.conv2d_1 img")
    #expect(r.ok, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "one.conv2d_1 on img: (2, 2, 1)")
    // 1+2+4+5 = 12, 2+3+5+6 = 16, 4+5+7+8 = 24, 5+6+8+9 = 28: one map, its range in the legend.
    #expect(lines.last == "12 [ .:-=+*#%@] 28")
    #expect(lines.count == 4)
  }

  @Test func severalChannelsAreLabelledWithTheirRanges() {
    let r = Self.run("show two.conv2d_1 img")
    #expect(r.ok, "\(r.stderr)")
    #expect(r.stdout.hasPrefix("two.conv2d_1 on img: (2, 2, 2)\n"))
    // Maps 4 characters wide: the label is split over three lines, side by side.
    #expect(r.stdout.contains("ch 0    ch 1"))
    #expect(r.stdout.contains("min 12  min 24"))
    #expect(r.stdout.contains("max 28  max 56"))
    #expect(r.stdout.contains("scale per map: min [ .:-=+*#%@] max"))
  }

  @Test func aKernelIsDrawnFilterByFilter() {
    let r = Self.run("show two.conv2d_1.kernel")
    #expect(r.ok, "\(r.stderr)")
    #expect(r.stdout.hasPrefix("two.conv2d_1.kernel: (2, 2, 1, 2)\n"))
    #expect(r.stdout.contains("filter 0  filter 1"))
    #expect(r.stdout.contains("min 1     min 2"))
  }

  @Test func aDenseLayersOutputIsAStrip() {
    let r = Self.run("v = [1, 2, 3]\nshow flat.dense_1 v")
    #expect(r.ok, "\(r.stderr)")
    // weights [[1, 0], [0, 1], [1, 1]], bias 0: (1 + 3, 2 + 3) = (4, 5).
    #expect(r.stdout == """
      flat.dense_1 on v: (2,)  min 4 max 5
      0   @@
      4 [ .:-=+*#%@] 5

      """)
  }

  @Test func severalSingleMapsAreSideBySideUnderTheirNames() {
    let r = Self.run("show img, one.conv2d_1 img")
    #expect(r.ok, "\(r.stderr)")
    let first = r.stdout.split(separator: "\n").first.map(String.init) ?? ""
    #expect(first.hasPrefix("img") && first.contains("one.conv2d_1"), "\(r.stdout)")
    #expect(r.stdout.contains("scale per map"))
    let shared = Self.run("show img, one.conv2d_1 img scale=shared")
    #expect(shared.stdout.contains("shared scale: 1 [ .:-=+*#%@] 28"), "\(shared.stdout)")
  }

  @Test func severalMultiChannelPicturesAreSectionsUnderTheirTitles() {
    let r = Self.run("show two.conv2d_1, two.conv2d_1.kernel img")
    #expect(r.ok, "\(r.stderr)")
    #expect(r.stdout.contains("two.conv2d_1 on img: (2, 2, 2)\n"))
    #expect(r.stdout.contains("two.conv2d_1.kernel: (2, 2, 1, 2)\n"))
  }

  @Test func aRowOfALabelledDatasetShowsItsLabel() throws {
    let output = RecordingOutput()
    let session = Session(output: output)
    session.baseDirectory = TestSupport.root.path
    let ok = session.run("""
      digits = load "examples/data/digits_images.npy" labels="examples/data/digits_labels.npy"
      show digits[1]
      """, file: "<show>")
    #expect(ok, "\(output.stderr)")
    let lines = output.stdout.split(separator: "\n").map(String.init)
    let at = try #require(lines.firstIndex { $0.hasPrefix("digits[1]") })
    #expect(lines[at] == "digits[1]: (8, 8, 1)  label 1")
    #expect(lines[(at + 1)...].prefix(8).allSatisfy { $0.count <= 16 }, "8 values of 2 characters per row")
    #expect(lines.last?.hasPrefix("0 [ .:-=+*#%@] ") == true)
  }

  @Test func aTerminalGetsColourCellsWrappedToItsWidth() {
    let output = PictureOutput(width: 40, color: true)
    let session = Session(output: output)
    #expect(session.run(Self.setup + "\nmodel wide { input 3x3x1; conv2d 8 2x2 }\nshow wide.conv2d_1 img", file: "<t>"),
            "\(output.stderr)")
    let lines = output.stdout.split(separator: "\n").map(String.init)
    #expect(output.stdout.contains("\u{1B}[48;5;"), "256-colour backgrounds")
    let grid = lines.drop { !$0.hasPrefix("wide.conv2d_1") }
    #expect(grid.allSatisfy { displayWidth($0) <= 40 }, "\(grid)")
    #expect(grid.filter { $0.hasPrefix("ch 0") }.count == 1)
    #expect(grid.filter { $0.contains("ch ") }.count >= 3, "8 maps of 4 columns wrap over several rows")

    let plain = PictureOutput(width: 30, color: false)
    let again = Session(output: plain)
    #expect(again.run(Self.setup + "\nshow one.conv2d_1 img", file: "<t>"))
    #expect(!plain.stdout.contains("\u{1B}"))
  }

  @Test func runTimeMistakesAreLocated() {
    let output = RecordingOutput()
    let session = Session(output: output)
    session.baseDirectory = TestSupport.root.path
    #expect(session.run(Self.setup, file: "<setup>"))
    // The checker cannot see a loaded dataset's shape: the interpreter reports it.
    let ok = session.run("""
      digits = load "examples/data/digits_images.npy" labels="examples/data/digits_labels.npy"
      show flat.dense_1 digits[0]
      """, file: "<show>")
    #expect(!ok)
    #expect(output.diagnostics.map(\.message) == [
      "model 'flat' takes samples of shape (3,), but this sample has shape (8, 8, 1)"])
    #expect(output.diagnostics.first?.range.start == SourceLocation(line: 2, column: 19))
  }
}
