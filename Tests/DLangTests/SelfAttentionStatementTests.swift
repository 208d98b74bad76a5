import Foundation
import Testing
@testable import DLang
import NeuralNet
import Autograd

/// `attention [heads=H] [key_dim=K]` in a plain model block: shapes echoed, drawn per head by
/// `show`, kept by save and load.
@Suite("Interpreter: self-attention in a plain model", .serialized)
struct SelfAttentionStatementTests {
  static let block = """
    seed 1
    model sa {
      input 6
      embedding 20 8 mask_zero=true
      attention heads=2
      global_avgpool1d
      dense 1 sigmoid
    }
    compile sa loss=binary_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]
    x = [[3, 4, 5, 0, 0, 0], [6, 7, 8, 9, 10, 11], [3, 5, 7, 9, 0, 0], [12, 13, 0, 0, 0, 0]]
    y = [1, 0, 1, 0]
    fit sa x y epochs=3 batch=2 verbose=0
    """

  @Test("the layer line echoes its shape and Keras' parameter count; show draws every head")
  func echoAndShow() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.block, file: "a.dl"), "\(out.stderr)")
    // 3·(8·2·4 + 2·4) + (2·4·8 + 8) = 3·72 + 72
    #expect(out.stdout.contains("attention_1         → (None, 6, 8)  288 params"), "\(out.stdout)")
    out.clear()
    #expect(s.run("show sa.attention_1 x[0]", file: "b.dl"), "\(out.stderr)")
    #expect(out.stdout.contains("sa.attention_1 on x[0]: 2 heads, 6 steps"), "\(out.stdout)")
    #expect(out.stdout.contains("head 1") && out.stdout.contains("head 2") && !out.stdout.contains("head 3"))
  }

  @Test("save and load keep the layer and its weights: the same predictions")
  func saveLoad() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.block + "\nsave sa \"sa.safetensors\"\nagain = load \"sa.safetensors\"", file: "a.dl"),
            "\(out.stderr)")
    let session = try ModelFileTests.model(s, "sa"), again = try ModelFileTests.model(s, "again")
    let x = Tensor(shape: [2, 6], data: [3, 4, 5, 0, 0, 0, 6, 7, 8, 9, 10, 11])
    #expect(try session.network.predict(x: x).data == again.network.predict(x: x).data)
    #expect(again.network.layers.contains { $0 is MultiHeadAttention })
  }
}
