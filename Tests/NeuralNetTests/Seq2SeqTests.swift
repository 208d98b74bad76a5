import Foundation
import Testing
import Autograd
@testable import NeuralNet

@Suite("Encoder–decoder: pairs, graph, decoding")
struct Seq2SeqTests {
  // MARK: pairs

  @Test("a pair vocabulary numbers tokens after the four reserved ids, by frequency")
  func vocabulary() throws {
    let v = try PairVocabulary.fit(sources: ["a b b", "c"], targets: ["b b a", "c"])
    #expect(v.sourceTokens == ["b", "a", "c"])
    #expect(v.sourceLength == 3 && v.targetLength == 4)
    #expect(v.sourceIDs("a b") == [5, 4, 0])
    #expect(v.targetIDs("b a") == [4, 5, PairVocabulary.endID, 0])
    #expect(v.sourceIDs("a zzz b c") == [5, PairVocabulary.unknownID, 4])
    #expect(v.targetText([4, 5, 3, 0]) == "b a")
    #expect(v.sourceText([6, 0, 0]) == "c")
  }

  @Test("separate vocabularies number each side on its own")
  func separate() throws {
    let v = try PairVocabulary.fit(sources: ["x y"], targets: ["p"], shared: false)
    #expect(v.sourceTokens == ["x", "y"] && v.targetTokens == ["p"])
    #expect(v.sourceVocabularySize == 6 && v.targetVocabularySize == 5)
    let back = try PairVocabulary(settingsText: v.settingsText, sourceTokens: v.sourceTokens, targetTokens: v.targetTokens)
    #expect(back == v)
  }

  @Test("the decoder input is the target shifted right behind the start token, padding kept")
  func decoderInput() {
    let y = Tensor(shape: [2, 4], data: [7, 8, 3, 0, 9, 3, 0, 0])
    let d = PairVocabulary.decoderInput(y)
    #expect(d.data == [2, 7, 8, 0, 2, 9, 0, 0])
  }

  @Test("loading pairs names a missing cell by row and column")
  func loadErrors() throws {
    let dir = DataTestSupport.tempDirectory()
    let path = dir.appendingPathComponent("p.csv").path
    try "src,tgt\n1 2,2 1\n3,\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: DataError.self) { try CSVLoader.loadPairs(path: path, source: "src", target: "tgt") }
    do { _ = try CSVLoader.loadPairs(path: path, source: "src", target: "tgt") } catch let e as DataError {
      #expect(e.row == 3 && e.column == 2)
    }
    #expect(throws: DataError.self) { try CSVLoader.loadPairs(path: path, source: "src", target: "nope") }
    try "src,tgt\n1 2,2 1\n3 4 5,5 4 3\n".write(toFile: path, atomically: true, encoding: .utf8)
    let (d, _) = try CSVLoader.loadPairs(path: path, source: "src", target: "tgt")
    #expect(d.x.shape == [2, 3] && d.y?.shape == [2, 4])
    #expect(d.subset([1]).pairVocabulary == d.pairVocabulary)
  }

  // MARK: graph

  /// source (5) → embedding → lstm (seq, state) │ decoder_input (6) → embedding → lstm from
  /// the state → attention → dense 9 softmax.
  func graph(attention: AttentionKind? = .dot, units: Int = 8) throws -> Seq2SeqGraph {
    let g = try Seq2SeqGraph(name: "t", sourceLength: 5)
    try g.addEncoder(Embedding(vocabulary: 9, dimension: 4, maskZero: true, name: "enc_embedding"))
    try g.addEncoder(Recurrent(.lstm, units: 8, returnSequences: true, name: "enc_lstm"))
    try g.startDecoder(targetLength: 6)
    try g.addDecoder(Embedding(vocabulary: 9, dimension: 4, name: "dec_embedding"))
    try g.addDecoder(Recurrent(.lstm, units: units, name: "dec_lstm"))
    if let attention { try g.addDecoder(Attention(kind: attention, name: "attention")) }
    try g.addDecoder(Dense(units: 9, activation: .softmax, name: "out"))
    try g.finish()
    var rng = SeededRandom(seed: 3)
    try g.model.build(rng: &rng)
    return g
  }

  @Test("the graph has both inputs, the decoder starts from the encoder's states")
  func graphShape() throws {
    let g = try graph()
    #expect(g.model.inputs.map(\.name) == ["source", "decoder_input"])
    #expect(g.model.outputShape == [6, 9])
    let dec = try #require(g.model.nodes.first { $0.layer.name == "dec_lstm" })
    #expect(dec.inputs.count == 3)  // x, h, c
    #expect(dec.layer is Seq2SeqRecurrent)
    #expect(g.attentionLayer == "attention")
  }

  @Test("a decoder layer that cannot take the encoder's state is refused")
  func mismatched() throws {
    #expect(throws: ModelError.self) { try graph(units: 6) }
    let g = try Seq2SeqGraph(name: "t", sourceLength: 5)
    try g.addEncoder(Embedding(vocabulary: 9, dimension: 4, name: "e"))
    try g.addEncoder(Recurrent(.gru, units: 8, name: "enc"))
    try g.startDecoder(targetLength: 6)
    try g.addDecoder(Embedding(vocabulary: 9, dimension: 4, name: "d"))
    #expect(throws: ModelError.self) { try g.addDecoder(Recurrent(.lstm, units: 8, name: "dec")) }
    #expect(throws: ModelError.self) { try g.addDecoder(Attention(name: "a")) }  // encoder returns no sequences
  }

  @Test("the gradient reaches the encoder through the initial state")
  func gradientToEncoder() throws {
    let g = try graph(attention: nil)
    try g.model.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(lr: 0.01))
    let src = Tensor(shape: [2, 5], data: [4, 5, 6, 0, 0, 7, 8, 4, 5, 6])
    let y = Tensor(shape: [2, 6], data: [6, 5, 4, 3, 0, 0, 6, 5, 4, 8, 7, 3])
    let before = try #require(g.model.parameter(layer: "enc_lstm", name: "kernel")).variable.value
    var rng = SeededRandom(seed: 1)
    try g.model.trainOnBatch(inputs: ["source": src, "decoder_input": PairVocabulary.decoderInput(y)], y: y, rng: &rng)
    let after = try #require(g.model.parameter(layer: "enc_lstm", name: "kernel")).variable.value
    #expect(before.data != after.data)
  }

  // MARK: decoding

  @Test("beam search of width 1 gives the greedy tokens", arguments: [AttentionKind.dot, .additive])
  func beamOneIsGreedy(_ kind: AttentionKind) throws {
    let g = try graph(attention: kind)
    let src = Tensor(shape: [3, 5], data: [4, 5, 6, 0, 0, 7, 8, 4, 5, 6, 8, 8, 0, 0, 0])
    let greedy = try g.greedy(src)
    let beam = try g.beam(src, width: 1).map(\.tokens)
    #expect(greedy == beam)
    #expect(greedy.allSatisfy { !$0.isEmpty && $0.count <= 6 })
  }

  @Test("beam search finds a likelier sequence than greedy decoding")
  func beamBeatsGreedy() throws {
    // Tokens 4 (a), 5 (b) and the end 3. First step: a 0.6, b 0.4. After a every token is
    // 0.25 at best; after b the end is 0.9. Greedy: a then 0.25s (at most 0.6·0.25 = 0.15);
    // beam 2 keeps b: b, end = 0.4·0.9 = 0.36.
    func next(_ rows: [(sample: Int, prefix: [Int])]) -> [[Double]] {
      rows.map { row in
        var p = [Double](repeating: 0, count: 6)
        switch row.prefix.first {
        case nil: p[4] = 0.6; p[5] = 0.4
        case 4?: p[3] = 0.25; p[4] = 0.25; p[5] = 0.25; p[1] = 0.25
        default: p[3] = 0.9; p[4] = 0.1
        }
        return p
      }
    }
    let greedy = try Seq2SeqGraph.beamSearch(samples: 1, width: 1, maxLength: 3, next: next)[0]
    let beam = try Seq2SeqGraph.beamSearch(samples: 1, width: 2, maxLength: 3, next: next)[0]
    #expect(greedy.tokens.first == 4)
    #expect(beam.tokens == [5, 3])
    #expect(beam.logProb > greedy.logProb)
    #expect(abs(beam.logProb - log(0.36)) < 1e-9)
  }

  @Test("exact counts whole sequences up to the end token")
  func exact() {
    let y = Tensor(shape: [2, 4], data: [5, 6, 3, 0, 7, 3, 0, 0])
    #expect(Seq2SeqGraph.exactMatch([[5, 6, 3], [7, 8, 3]], targets: y) == 0.5)
    #expect(Seq2SeqGraph.exactMatch([[5, 6, 3, 9], [7, 3]], targets: y) == 1)
  }

  @Test("attention weights of a sample are a distribution over the real source steps")
  func attentionWeights() throws {
    let g = try graph()
    let w = try #require(g.attentionWeights(source: Tensor(shape: [5], data: [4, 5, 6, 0, 0]),
                                            decoderInput: Tensor(shape: [6], data: [2, 6, 5, 0, 0, 0])))
    #expect(w.shape == [6, 5])
    for t in 0..<6 {
      let row = (0..<5).map { w.data[t * 5 + $0] }
      #expect(abs(row.reduce(0, +) - 1) < 1e-5)
      #expect(row[3] < 1e-6 && row[4] < 1e-6)
    }
  }
}
