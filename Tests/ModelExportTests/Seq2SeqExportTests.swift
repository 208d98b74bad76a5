import Autograd
import Foundation
import NeuralNet
import SwiftProtobuf
import Testing
@testable import ModelExport

/// Encoder–decoder models: the two ONNX graphs (encoder, decoder step) read back
/// structurally, and the PyTorch script read as text.
@Suite("Encoder–decoder export")
struct Seq2SeqExportTests {
  /// embedding (mask_zero) → cell (return_sequences when attending) | embedding → cell from
  /// the state [→ attention] → dense 9 softmax; built from seed 3.
  static func graph(_ cell: RecurrentCell = .lstm, attention: AttentionKind? = .dot, masked: Bool = true,
                    secondDecoderLayer: Bool = false) throws -> Seq2SeqGraph {
    let g = try Seq2SeqGraph(name: "t", sourceLength: 5)
    try g.addEncoder(Embedding(vocabulary: 9, dimension: 4, maskZero: masked, name: "enc_embedding"))
    try g.addEncoder(Recurrent(cell, units: 8, returnSequences: attention != nil, name: "enc_rnn"))
    try g.startDecoder(targetLength: 6)
    try g.addDecoder(Embedding(vocabulary: 9, dimension: 4, name: "dec_embedding"))
    try g.addDecoder(Recurrent(cell, units: 8, name: "dec_rnn"))
    if secondDecoderLayer { try g.addDecoder(Recurrent(cell, units: 5, name: "dec_rnn2")) }
    if let attention { try g.addDecoder(Attention(kind: attention, name: "attention")) }
    try g.addDecoder(Dense(units: 9, activation: .softmax, name: "out"))
    try g.finish()
    var rng = SeededRandom(seed: 3)
    try g.model.build(rng: &rng)
    return g
  }

  static func decode(_ g: Seq2SeqGraph) throws -> (Onnx_ModelProto, Onnx_ModelProto) {
    let (e, d) = try OnnxSeq2SeqExport.encode(g)
    return (try Onnx_ModelProto(serializedBytes: e), try Onnx_ModelProto(serializedBytes: d))
  }

  static func io(_ vs: [Onnx_ValueInfoProto]) -> [String: [String]] {
    Dictionary(uniqueKeysWithValues: vs.map { ($0.name, OnnxExportTests.dims($0)) })
  }

  @Test("the encoder outputs what the decoder step reads: outputs, source mask, h and c")
  func interface() throws {
    let (enc, dec) = try Self.decode(try Self.graph())
    #expect(enc.opsetImport.first?.version == 17)
    #expect(Self.io(enc.graph.input) == ["source": ["N", "5"]])
    #expect(Self.io(enc.graph.output) == ["encoder_outputs": ["N", "5", "8"], "source_mask": ["N", "5"],
                                          "state_h": ["N", "8"], "state_c": ["N", "8"]])
    #expect(Self.io(dec.graph.input) == ["token": ["N", "1"], "encoder_outputs": ["N", "5", "8"],
                                         "source_mask": ["N", "5"], "state_h": ["N", "8"], "state_c": ["N", "8"]])
    #expect(Self.io(dec.graph.output) == ["output": ["N", "9"], "next_state_h": ["N", "8"], "next_state_c": ["N", "8"]])
    #expect(dec.graph.output.first?.name == "output")
  }

  @Test("the masked encoder runs its real steps first and says which outputs are real")
  func maskedEncoder() throws {
    let (enc, _) = try Self.decode(try Self.graph())
    let ops = enc.graph.node.map(\.opType)
    for op in ["Gather", "TopK", "GatherElements", "LSTM", "Less"] { #expect(ops.contains(op), "\(op)") }
    let lstm = try #require(enc.graph.node.first { $0.opType == "LSTM" })
    #expect(lstm.output.count == 3 && !lstm.input[4].isEmpty)  // Y, Y_h, Y_c; sequence_lens
    let positions = try #require(OnnxExportTests.initializer(enc, "enc_rnn.positions"))
    #expect(OnnxExportTests.floats(positions) == [0, 1, 2, 3, 4])
    // The weights are the encoder's only.
    #expect(OnnxExportTests.initializer(enc, "enc_rnn.W")?.dims == [1, 32, 4])
    #expect(OnnxExportTests.initializer(enc, "dec_rnn.W") == nil)
  }

  @Test("the decoder step: one LSTM step from the given states, kept on padding, then attention")
  func decoderStep() throws {
    let (_, dec) = try Self.decode(try Self.graph())
    let lstm = try #require(dec.graph.node.first { $0.opType == "LSTM" })
    #expect(lstm.input.count == 7 && lstm.input[4].isEmpty)  // no sequence_lens; initial h and c
    let producers = Dictionary(dec.graph.node.flatMap { n in n.output.map { ($0, n) } }, uniquingKeysWith: { a, _ in a })
    #expect(producers[lstm.input[5]]?.opType == "Unsqueeze" && producers[lstm.input[5]]?.input.first == "state_h")
    #expect(producers[lstm.input[6]]?.input.first == "state_c")
    let ops = dec.graph.node.map(\.opType)
    // state + m·(new − state); scores, −1e9 on padded source steps, softmax, context, tanh.
    for op in ["Sub", "Mul", "Add", "MatMul", "Transpose", "Softmax", "Concat", "Tanh"] { #expect(ops.contains(op), "\(op)") }
    #expect(OnnxExportTests.initializer(dec, "attention.combine_kernel")?.dims == [16, 8])
    #expect(OnnxExportTests.floats(try #require(OnnxExportTests.initializer(dec, "attention.big"))) == [1e9])
    let softmaxes = dec.graph.node.filter { $0.opType == "Softmax" }
    #expect(softmaxes.count == 2)  // the attention weights and the output distribution
    #expect(OnnxExportTests.initializer(dec, "enc_rnn.W") == nil)
  }

  @Test("additive attention, GRU cells, no source mask, a second decoder layer with its own states")
  func variants() throws {
    let (enc, dec) = try Self.decode(try Self.graph(.gru, attention: .additive, masked: false, secondDecoderLayer: true))
    #expect(Self.io(enc.graph.output) == ["encoder_outputs": ["N", "5", "8"], "state_h": ["N", "8"]])
    #expect(!enc.graph.node.contains { $0.opType == "TopK" })
    let inputs = Self.io(dec.graph.input)
    #expect(inputs["dec_rnn2.state_h"] == ["N", "5"] && inputs["source_mask"] == nil && inputs["state_c"] == nil)
    #expect(Self.io(dec.graph.output)["dec_rnn2.next_state_h"] == ["N", "5"])
    #expect(dec.graph.node.filter { $0.opType == "GRU" }.count == 2)
    for name in ["attention.query_kernel", "attention.key_kernel", "attention.score_vector"] {
      #expect(OnnxExportTests.initializer(dec, name) != nil, "\(name)")
    }
    let (e2, _) = try Self.decode(try Self.graph(.simple, attention: nil))
    #expect(Self.io(e2.graph.output) == ["state_h": ["N", "8"]])  // no attention: the state only
  }

  @Test("an unbuilt model is refused")
  func refusals() throws {
    let g = try Seq2SeqGraph(name: "t", sourceLength: 3)
    try g.addEncoder(Embedding(vocabulary: 5, dimension: 2))
    try g.addEncoder(Recurrent(.gru, units: 2))
    try g.startDecoder(targetLength: 3)
    try g.addDecoder(Embedding(vocabulary: 5, dimension: 2))
    try g.addDecoder(Recurrent(.gru, units: 2))
    try g.addDecoder(Dense(units: 5, activation: .softmax))
    #expect(throws: ExportError.self) { try OnnxSeq2SeqExport.encode(g) }
  }

  @Test("the PyTorch script: encoder packed, decoder from its state, attention, teacher forcing, masked loss")
  func pytorch() throws {
    let g = try Self.graph()
    try g.model.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(lr: 0.005))
    let s = try PyTorchScript.render(g, plan: PyTorchScriptTests.plan)
    for part in ["def forward(self, source, decoder_input, logits=False):",
                 "out, state_1 = self.enc_rnn(nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))",
                 "values_1, values_mask_1 = x, mask",
                 "out, _ = self.dec_rnn(nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False), state_1)",
                 "scores = x @ values_1.transpose(1, 2)", "scores = scores + (values_mask_1[:, None, :] - 1) * 1e9",
                 "x = torch.tanh(torch.cat([weights @ values_1, x], -1) @ self.attention_combine_kernel)",
                 "self.attention_combine_kernel = nn.Parameter(torch.empty(16, 8))",
                 "self.attention_combine_kernel.copy_(w[\"attention.combine_kernel\"])",
                 "d[:, 1:] = y[:, :-1]", "d[:, 0] = 2", "return (x, d * (y != 0))",
                 "m = (y != 0).float()",
                 "(F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1).long(), reduction=\"none\") * m.reshape(-1)).sum() / m.sum().clamp(min=1e-7)",
                 "if not logits:\n            x = torch.softmax(x, dim=-1)", "FUSED = True"] {
      #expect(s.contains(part), "missing: \(part)")
    }
    var weighted = PyTorchScriptTests.plan
    weighted.classWeights = [1, 2]
    #expect(throws: ExportError.self) { try PyTorchScript.render(g, plan: weighted) }
    let additive = try Self.graph(.gru, attention: .additive, masked: false)
    try additive.model.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam())
    let a = try PyTorchScript.render(additive, plan: PyTorchScriptTests.plan)
    #expect(a.contains("scores = torch.tanh((x @ self.attention_query_kernel)[:, :, None] + (values_1 @ self.attention_key_kernel)[:, None]) @ self.attention_score_vector"))
    #expect(a.contains("out, state_1 = self.enc_rnn(x)") && !a.contains("values_mask_1[:, None"))
  }
}
