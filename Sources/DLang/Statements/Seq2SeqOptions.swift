import NeuralNet

// Options of the data and training statements for encoder–decoder models (their run
// functions are in Interpreter/Seq2SeqStatements.swift).

/// `load "PAIRS.csv" source=COLUMN target=COLUMN [shared=false]`.
enum Seq2SeqLoadOptions {
  static let specs: [OptionSpec] = [
    OptionSpec("source", "COLUMN", "a column of source sequences, read with target=COLUMN as pairs for an encoder–decoder: tokens split on whitespace; ids 0 <pad>, 1 <unk>, 2 <s> (start), 3 </s> (end), then the tokens; targets get </s>",
               values: .nothing, example: "source=src"),
    OptionSpec("shared", "true|false", "with source=: one vocabulary for both columns (the default), or shared=false for a source and a target vocabulary of their own",
               example: "shared=false", kind: .bool),
  ]
}

/// `fit MODEL PAIRS teacher_forcing=P|linear(FROM, TO)` and `predict MODEL PAIRS beam=K`.
enum Seq2SeqTrainingOptions {
  static let fit: [OptionSpec] = [
    OptionSpec("teacher_forcing", "P|linear(FROM, TO)", "encoder–decoder: the probability that the decoder is fed the true previous token instead of its own prediction (1.0, the default, always; lower is scheduled sampling, remade every epoch; linear(1.0, 0.2) moves from 1.0 to 0.2 over the epochs)",
               values: .nothing, example: "teacher_forcing=0.5"),
  ]
  static let predict: [OptionSpec] = [
    OptionSpec("beam", "K", "encoder–decoder: beam search keeping the K most likely sequences (1, the default, is greedy decoding)",
               example: "beam=3", kind: .int(min: 1, max: 64)),
  ]
}
