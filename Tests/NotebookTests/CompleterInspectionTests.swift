import DLang
import Foundation
import Testing
@testable import Notebook

/// TAB completion for `show`, `confusion` and the image layers' `padding=`.
@Suite("Completer: show, confusion, padding")
struct CompleterInspectionTests {
  let session: Session
  let completer: Completer

  init() {
    let output = RecordingOutput()
    session = Session(output: output)
    completer = Completer(session: session)
    let ok = session.run("""
      img = [[[1], [2]], [[3], [4]]]
      labels = [0, 1]
      model cnn {
        input 2x2x1
        conv2d 2 2x2 padding=same relu
        maxpool 2x2
        flatten
        dense 2 softmax
      }
      """, file: "<setup>")
    #expect(ok, "\(output.stderr)")
  }

  func complete(_ line: String) -> [String] {
    completer.complete(line: line, cursor: line.utf8.count).candidates
  }

  @Test func showCompletesLayersAndTheirParameters() {
    #expect(complete("sh") == ["show"])
    #expect(complete("show cnn.") == ["cnn.conv2d_1", "cnn.dense_1", "cnn.flatten_1", "cnn.history", "cnn.maxpool_1"])
    #expect(complete("show cnn.conv2d_1.") == ["cnn.conv2d_1.bias", "cnn.conv2d_1.kernel"])
    #expect(complete("show cnn.conv2d_1 i") == ["img"])
    #expect(complete("show cnn.conv2d_1 img sc") == ["scale="])
    #expect(complete("show img scale=") == ["per_map", "shared"])
  }

  @Test func confusionCompletesAModelThenData() {
    #expect(complete("conf") == ["confusion"])
    #expect(complete("confusion ").contains("cnn"))
    #expect(!complete("confusion ").contains("img"))
    #expect(complete("confusion cnn ").contains("img"))
    #expect(!complete("confusion cnn ").contains("cnn"))
    #expect(complete("confusion cnn img labels ").contains("batch="))
  }

  @Test func paddingOffersSameAndValidOnLayerLines() {
    session.isTypingModelBlock = true
    defer { session.isTypingModelBlock = false }
    #expect(complete("  conv2d 8 3x3 padding=") == ["same", "valid"])
    #expect(complete("  maxpool 2x2 padding=v") == ["valid"])
    #expect(complete("  avgpool 2x2 pad") == ["padding="])
  }
}
