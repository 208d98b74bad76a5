import NeuralNet

// Rows of the statement table: cross-validation — crossval and search. Their run functions are
// in Interpreter/CrossValidation.swift; the grid of `search` is read by
// Semantics/SearchGrid.swift, for the checker and the interpreter alike.

extension StatementTable {
  /// The options both statements share.
  static let foldOptions: [OptionSpec] = [
    OptionSpec("folds", "K", "the number of folds (each row is held out once)", example: "folds=5",
               kind: .int(min: 2, max: 1000)),
    OptionSpec("stratify", "true|false", "keep every class's share equal across the folds (class targets)",
               example: "stratify=true", kind: .bool),
  ]

  static let crossval = StatementRow(
    "crossval", synopsis: "crossval MODEL DATA [folds=K] [stratify=true] [epochs=N] [batch=N] [augment=[STEP, ...]]",
    summary: "K-fold cross-validation: train a fresh copy of the model per fold (new initial weights from its declaration and the seed; the model itself is left as it was), print each fold's validation loss and metrics and their mean ± std.",
    example: "crossval net iris folds=5 stratify=true epochs=30 batch=16",
    arguments: [.model, .expressions(1...1, what: "labelled data")],
    options: foldOptions + [
      OptionSpec("epochs", "N", "passes over each fold's training rows", example: "epochs=30",
                 kind: .int(min: 1, max: 1_000_000)),
      OptionSpec("batch", "N", "samples per gradient step", example: "batch=16",
                 kind: .int(min: 1, max: 1 << 24)),
      OptionSpec("augment", "[STEP, ...]", "augment the training batches of images, as fit's augment=",
                 values: .words(AugmentOptions.names), example: "augment=[flip_h, shift(2)]"),
    ],
    role: .command(check: { checker, c in
      checker.checkValidationData(c)
      checker.checkValidation(c)
    }, run: { try $0.crossval($1) }))

  static let search = StatementRow(
    "search", synopsis: "search MODEL DATA [lr=[R, ...]] [batch=[N, ...]] [epochs=[N, ...]] [folds=K] [stratify=true]",
    summary: "Grid search: cross-validate a fresh copy of the model for every combination of the settings listed, and print them ranked by mean validation loss (lower is better), with their first metric.",
    example: "search net iris lr=[0.01, 0.003, 0.001] batch=[16, 32] folds=3 epochs=20",
    arguments: [.model, .expressions(1...1, what: "labelled data")],
    options: foldOptions + [
      OptionSpec("lr", "R|[R, ...]", "learning rates to try (each replaces the compiled optimizer's rate and any schedule)",
                 values: .nothing, example: "lr=[0.01, 0.003, 0.001]"),
      OptionSpec("batch", "N|[N, ...]", "batch sizes to try (32 when not given)",
                 values: .nothing, example: "batch=[16, 32]"),
      OptionSpec("epochs", "N|[N, ...]", "epoch counts to try (1 when not given)",
                 values: .nothing, example: "epochs=[10, 20]"),
    ],
    role: .command(check: { checker, c in
      checker.checkValidationData(c)
      checker.checkValidation(c)
    }, run: { try $0.search($1) }))
}
