import Autograd
import Foundation
import NeuralNet
import Testing
@testable import DLang

/// An encoder–decoder saved and loaded (same predictions, vocabulary kept), trained with
/// early_stopping=, log=, checkpoint= and resume= as a plain model is, and typed line by line
/// as the REPL reads it.
@Suite("Encoder–decoder files, callbacks and live blocks")
struct Seq2SeqFileTests {
  static let setup = Seq2SeqStatementTests.setup

  static func model(_ s: Session, _ name: String) throws -> ModelRef {
    try ModelFileTests.model(s, name)
  }

  /// The decoder's output for the first `n` pairs of `small`, teacher-forced.
  static func outputs(_ m: ModelRef, _ s: Session, rows n: Int = 40) throws -> (Tensor, [[Int]]) {
    guard case .dataset(let d)? = s.value(named: "small"), let y = d.y else { throw ModelFileError("no small") }
    let ts = d.x.shape[1], tt = y.shape[1]
    let x = Tensor(shape: [n, ts], data: Array(d.x.data.prefix(n * ts)))
    let dec = PairVocabulary.decoderInput(Tensor(shape: [n, tt], data: Array(y.data.prefix(n * tt))))
    let g = try #require(m.seq2seq)
    let out = try m.network.predict(inputs: [Seq2SeqGraph.sourceInput: x, Seq2SeqGraph.decoderInput: dec], batchSize: 16)
    return (out, try g.greedy(x))
  }

  @Test("save and load: the graph, its weights and vocabulary come back; predictions are bit-identical")
  func roundTrip() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.setup + "\nfit rev small epochs=2 batch=32 verbose=0", file: "<cell 1>"), "\(out.stderr)")
    out.clear()
    #expect(s.run("predict rev small top=8\npredict rev [\"3 1 4 1 5\", \"9 9 0 1\"]", file: "<cell 2>"), "\(out.stderr)")
    let printed = out.stdout
    out.clear()
    #expect(s.run("save rev \"runs/rev.safetensors\"\nback = load \"runs/rev.safetensors\"", file: "<cell 3>"),
            "\(out.stderr)")
    #expect(out.stdout.contains("saved rev to runs/rev.safetensors: "))
    #expect(out.stdout.contains("back: model from runs/rev.safetensors: 6 layers, "))
    #expect(out.stdout.contains("  pairs: 14 ids shared by both sides"))
    let rev = try Self.model(s, "rev"), back = try Self.model(s, "back")
    let g = try #require(back.seq2seq)
    #expect(g.sourceLength == 10 && g.targetLength == 11 && g.attentionLayer == "attention")
    #expect(back.pairVocabulary == rev.pairVocabulary)
    #expect(back.compiled?.optionsText == rev.compiled?.optionsText)
    let (a, ta) = try Self.outputs(rev, s), (b, tb) = try Self.outputs(back, s)
    #expect(a.shape == b.shape)
    #expect(a.data.map(\.bitPattern) == b.data.map(\.bitPattern))
    #expect(ta == tb)
    out.clear()
    #expect(s.run("predict back small top=8\npredict back [\"3 1 4 1 5\", \"9 9 0 1\"]", file: "<cell 4>"), "\(out.stderr)")
    #expect(out.stdout == printed)
    // The file holds the vocabulary; the loaded model trains on and decodes its heatmap.
    let file = try SafeTensors.decode(try AtomicFile.read(dir + "/runs/rev.safetensors"))
    #expect(file.metadata[ModelFiles.Key.pairs] == "shared=true source_length=10 target_length=11")
    #expect(file.metadata[ModelFiles.Key.sourceTokens]?.hasPrefix("[") == true)
    #expect(file.metadata[ModelFiles.Key.targetTokens] == nil)
    #expect(s.run("fit back small epochs=1 verbose=0\nshow back.attention small[0]", file: "<cell 5>"), "\(out.stderr)")
  }

  @Test("a block with session values is written out inside its halves and loads again")
  func selfContainedSource() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    let script = """
      seed 1
      pairs = load "\(Seq2SeqStatementTests.pairs)" source=src target=tgt shared=false
      small, rest = split pairs 0.02
      units = 8
      model m {
        encoder {
          input 10
          embedding 14 4 mask_zero=true
          gru units return_sequences=true
        }
        decoder {
          embedding 14 4
          gru units
          attention
          dense 14 softmax
        }
      }
      compile m loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01)
      fit m small epochs=1 verbose=0
      save m "m.safetensors"
      units = 100
      again = load "m.safetensors"
      """
    #expect(s.run(script, file: "<cell 1>"), "\(out.stderr)")
    let file = try SafeTensors.decode(try AtomicFile.read(dir + "/m.safetensors"))
    #expect(file.metadata[ModelFiles.Key.model] == """
      model m {
        encoder {
          input 10
          embedding 14 4 mask_zero=true
          gru 8 return_sequences=true
        }
        decoder {
          embedding 14 4
          gru 8
          attention
          dense 14 softmax
        }
      }
      """)
    #expect(file.metadata[ModelFiles.Key.targetTokens] != nil)
    let again = try Self.model(s, "again")
    #expect(again.pairVocabulary?.shared == false)
    #expect(again.network.parameterCount == (try Self.model(s, "m")).network.parameterCount)
  }

  @Test("a damaged vocabulary in the file is refused with a message, not a crash")
  func damagedVocabulary() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    #expect(s.run(Self.setup + "\nfit rev small epochs=1 verbose=0\nsave rev \"rev.safetensors\"", file: "<cell 1>"),
            "\(out.stderr)")
    let file = try SafeTensors.decode(try AtomicFile.read(dir + "/rev.safetensors"))
    var meta = file.metadata
    meta[ModelFiles.Key.pairs] = "shared=true source_length=7 target_length=11"
    try AtomicFile.write(try SafeTensors.encode(file.tensors.map { ($0.name, $0.tensor) }, metadata: meta),
                         to: dir + "/bad.safetensors")
    #expect(!s.run("b = load \"bad.safetensors\"", file: "<cell 2>"))
    #expect(out.stderr.contains("its vocabulary reads sources of 7 and targets of 11 ids, but its encoder and decoder read 10 and 11"),
            "\(out.stderr)")
    meta[ModelFiles.Key.pairs] = "shared=true source_length=10 target_length=11"
    meta[ModelFiles.Key.sourceTokens] = "[\"1\",\"1\"]"
    try AtomicFile.write(try SafeTensors.encode(file.tensors.map { ($0.name, $0.tensor) }, metadata: meta),
                         to: dir + "/bad2.safetensors")
    #expect(!s.run("b = load \"bad2.safetensors\"", file: "<cell 3>"))
    #expect(out.stderr.contains("its pair vocabulary is not valid: the token '1' appears twice"), "\(out.stderr)")
  }

  @Test("early_stopping, log and checkpoint on an encoder–decoder fit, as on a plain model")
  func callbacks() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    let fit = "fit rev small epochs=30 batch=32 verbose=0 validation=0.2 "
      + "early_stopping=early_stopping(patience=1, min_delta=10) log=\"runs/rev.csv\" checkpoint=\"runs/rev.ckpt\""
    #expect(s.run(Self.setup + "\n" + fit, file: "<cell 1>"), "\(out.stderr)")
    let rev = try Self.model(s, "rev")
    // min_delta=10 counts no epoch as an improvement: epoch 2 stops (patience 1).
    #expect(rev.history.epochs == 2)
    #expect(out.stderr.contains("Epoch 2: early stopping"), "\(out.stderr)")
    #expect(rev.history.bestEpoch == 1)
    let log = try String(contentsOfFile: dir + "/runs/rev.csv", encoding: .utf8)
    let rows = log.split(separator: "\n")
    #expect(rows.first == "epoch,accuracy,loss,val_accuracy,val_loss,lr")
    #expect(rows.count == 3)
    #expect(FileManager.default.fileExists(atPath: dir + "/runs/rev.ckpt/checkpoint.safetensors"))
    // A monitor the fit does not log is refused before training.
    #expect(!s.run("fit rev small epochs=2 verbose=0 early_stopping=early_stopping(monitor=val_exact)", file: "<cell 2>"))
    #expect(out.stderr.contains("early_stopping cannot monitor 'val_exact'"), "\(out.stderr)")
    #expect(!s.run("fit rev small epochs=2 verbose=0 class_weight=balanced", file: "<cell 3>"))
    #expect(out.stderr.contains("class_weight= is not available for an encoder–decoder model"), "\(out.stderr)")
  }

  @Test("resume from a checkpoint with scheduled sampling gives the weights of an uninterrupted fit")
  func resume() throws {
    let fit = "fit rev small epochs=3 batch=32 verbose=0 teacher_forcing=linear(1.0, 0.0)"
    let (s1, out1, dir1) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir1) }
    #expect(s1.run(Self.setup + "\n" + fit, file: "<cell 1>"), "\(out1.stderr)")
    let whole = try Self.model(s1, "rev").network.weightsSnapshot()

    // The same fit stopped after 2 epochs (a checkpoint of a 3-epoch fit), then resumed.
    let (s2, out2, dir2) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir2) }
    #expect(s2.run(Self.setup + "\n" + fit + " checkpoint=\"ck\"", file: "<cell 1>"), "\(out2.stderr)")
    let cp = try #require(try CheckpointWriter.read(directory: dir2 + "/ck"))
    #expect(cp.epoch == 3 && cp.epochs == 3)
    // Resuming a finished fit trains nothing more and keeps the weights.
    #expect(s2.run(fit + " resume=\"ck\"", file: "<cell 2>"), "\(out2.stderr)")
    let resumed = try Self.model(s2, "rev").network.weightsSnapshot()
    #expect(resumed.map(\.0) == whole.map(\.0))
    #expect(zip(resumed, whole).allSatisfy { $0.1.data.map(\.bitPattern) == $1.1.data.map(\.bitPattern) })

    // The fit stopped (as by Ctrl-C) in the first batch of epoch 3 keeps the checkpoint of
    // epoch 2; resumed from it, it ends with the uninterrupted weights bit for bit (the
    // scheduled decoder inputs of epoch 3 are remade from the restored model and generator).
    let (s3, out3, dir3) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir3) }
    #expect(s3.run(Self.setup, file: "<cell 1>"), "\(out3.stderr)")
    let rev3 = try Self.model(s3, "rev")
    guard case .dataset(let small)? = s3.value(named: "small") else { Issue.record("no small"); return }
    let steps = (small.x.shape[0] + 31) / 32
    s3.interruptLevel = { rev3.batchLosses.count >= 2 * steps ? 1 : 0 }
    #expect(s3.run(fit + " checkpoint=\"ck\"", file: "<cell 2>"), "\(out3.stderr)")
    #expect(out3.stderr.contains("stopped by Ctrl-C in epoch 3/3, batch 1/\(steps)"), "\(out3.stderr)")
    #expect(try CheckpointWriter.read(directory: dir3 + "/ck")?.epoch == 2)
    s3.interruptLevel = { 0 }
    #expect(s3.run(fit + " resume=\"ck\"", file: "<cell 3>"), "\(out3.stderr)")
    #expect(out3.stderr.contains("resuming from ck: epoch 2/3 done"), "\(out3.stderr)")
    #expect(rev3.history.epochs == 3)
    let again = rev3.network.weightsSnapshot()
    #expect(zip(again, whole).allSatisfy { $0.1.data.map(\.bitPattern) == $1.1.data.map(\.bitPattern) })
  }

  @Test("an encoder–decoder block typed line by line, as the REPL reads it")
  func liveBlock() throws {
    let (s, out, dir) = ModelFileTests.session()
    defer { ModelFileTests.cleanUp(dir) }
    let block = try #require(LiveModelBlock(header: "model rev {", session: s))
    let lines = ["  encoder {", "    input 10", "    embedding 14 8 mask_zero=true", "    lstm 16 return_sequences=true",
                 "  }", "  decoder {", "    embedding 14 8", "    lstm 16", "    attention", "    dense 14 softmax", "  }"]
    var echoes: [String?] = []
    for (i, line) in lines.enumerated() {
      #expect(block.takes(line), "\(line)")
      switch block.add(line: line, lineNumber: i + 2) {
      case .success(let e): echoes.append(e)
      case .failure(let d): Issue.record("line \(i + 2): \(d.message)")
      }
    }
    #expect(echoes[0] == "encoder {")
    #expect(echoes[1] == "source → (None, 10)")
    #expect(echoes[3] == "lstm_1 → (None, 10, 16)  1,600 params")
    #expect(echoes[4] == nil && echoes[5] == "decoder {")
    #expect(echoes[8] == "attention → (None, 11, 16)  512 params")
    #expect(echoes[9] == "dense_1 → (None, 11, 14)  238 params")
    #expect(!block.takes("}"), "the model's own } closes the block")
    // Mistakes are reported and forgotten; the half stays open.
    let b2 = try #require(LiveModelBlock(header: "model m {", session: s))
    _ = b2.add(line: "encoder {", lineNumber: 2)
    guard case .failure(let nested) = b2.add(line: "  decoder {", lineNumber: 3) else { Issue.record("nested"); return }
    #expect(nested.message == "'decoder' cannot be inside 'encoder': close it with '}' first")
    #expect(nested.range.start == SourceLocation(line: 3, column: 3))
    guard case .failure(let first) = b2.add(line: "  lstm 4", lineNumber: 3) else { Issue.record("no input"); return }
    #expect(first.message.contains("the first line of the encoder must be its input"))
    guard case .success("source → (None, 5)") = b2.add(line: "  input 5", lineNumber: 3) else { Issue.record("input"); return }
    for (i, line) in ["  embedding 14 2 mask_zero=true", "  lstm 4 return_sequences=true", "}", "decoder {",
                      "  embedding 14 2"].enumerated() {
      if case .failure(let d) = b2.add(line: line, lineNumber: 4 + i) { Issue.record("\(line): \(d.message)") }
    }
    guard case .failure(let units) = b2.add(line: "  lstm 3", lineNumber: 9) else { Issue.record("units"); return }
    #expect(units.message.contains("it needs 4 units"), "\(units.message)")
    // The wrong line used no name: the retyped one is lstm_2.
    guard case .success(let echo) = b2.add(line: "  lstm 4", lineNumber: 9) else { Issue.record("retyped"); return }
    #expect(echo == "lstm_2 → (None, 6, 4)  112 params")
    // The whole cell, run as the REPL runs it, declares the model.
    #expect(s.run("model rev {\n" + lines.joined(separator: "\n") + "\n}", file: "<cell 1>"), "\(out.stderr)")
    #expect(try Self.model(s, "rev").seq2seq?.attentionLayer == "attention")
  }
}
