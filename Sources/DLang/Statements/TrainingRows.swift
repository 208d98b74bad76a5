import NeuralNet

// Rows of the statement table: the training statements — fit, evaluate, predict, plot. Their
// run functions are in Interpreter/TrainingStatements.swift; `fit`'s custom options are read
// by Semantics/FitOptions.swift, for the checker and the interpreter alike.

extension StatementTable {
  static let fit = StatementRow(
    "fit", synopsis: "fit MODEL DATA|X Y [epochs=N] [batch=N] [validation=FRACTION|DATA] [shuffle=B] [verbose=0|1|2] [early_stopping=N] [class_weight=balanced|[W, ...]] [log=\"FILE.csv\"] [checkpoint=\"DIR\"] [resume=\"DIR\"] [augment=[STEP, ...]] [health=B]",
    summary: "Train a model on a dataset, or on inputs X and targets Y.",
    example: "fit net train epochs=60 batch=16 validation=0.1",
    arguments: [.model, .expressions(1...2, what: "training data")],
    options: [
      OptionSpec("epochs", "N", "passes over the training data", example: "epochs=10",
                 kind: .int(min: 1, max: 1_000_000)),
      OptionSpec("batch", "N", "samples per gradient step", example: "batch=32",
                 kind: .int(min: 1, max: 1 << 24)),
      OptionSpec("validation", "FRACTION|DATASET",
                 "hold out a fraction of the data, or validate on a dataset",
                 values: .datasets, example: "validation=0.1"),
      OptionSpec("shuffle", "true|false", "shuffle the data every epoch",
                 example: "shuffle=false", kind: .bool),
      OptionSpec("verbose", "0|1|2", "0 silent, 1 progress per epoch, 2 one line per epoch",
                 example: "verbose=0", kind: .int(min: 0, max: 2)),
      OptionSpec("early_stopping", "N|early_stopping(patience=N, monitor=M, min_delta=D, restore_best=B, start_from=E)",
                 "stop when val_loss (loss without validation) has not improved for N epochs; restores the best weights",
                 details: ["or early_stopping=early_stopping(SETTING=VALUE, ...), e.g. early_stopping=early_stopping(patience=5, monitor=val_accuracy, min_delta=0.001)",
                           "settings:"] + FitOptions.earlyStoppingSettings.map { "  \($0.name)  \($0.help)" },
                 example: "early_stopping=5"),
      OptionSpec("class_weight", "balanced|[W, ...]",
                 "weigh the loss per class: balanced = samples / (classes × class count), or one weight per class",
                 values: .words(["balanced"]), example: "class_weight=balanced"),
      OptionSpec("log", "\"FILE.csv\"", "write one CSV row per epoch (Keras' CSVLogger: epoch, metrics, lr)",
                 values: .nothing, example: "log=\"runs/net.csv\""),
      OptionSpec("checkpoint", "\"DIR\"",
                 "after every epoch, save weights, optimizer, generator, schedule and history into DIR (atomically)",
                 values: .nothing, example: "checkpoint=\"runs/net.ckpt\""),
      OptionSpec("resume", "\"DIR\"",
                 "continue from the checkpoint in DIR (bit-identical to an uninterrupted run); starts afresh when DIR has none",
                 values: .nothing, example: "resume=\"runs/net.ckpt\""),
      OptionSpec("augment", "[STEP, ...]",
                 "augment every training batch of images on the fly (never the validation data), drawing from the session seed",
                 values: .words(AugmentOptions.names),
                 details: ["steps, applied in order to each image with fresh random draws (Keras' preprocessing layers):"]
                   + Augmentation.table.map { "  \($0.name)\($0.setting.isEmpty ? "" : "(\($0.setting))")  \($0.help)" }
                   + ["the geometric steps are composed and each image is sampled once (bilinear); see it with show augment(train[0], 6, [STEP, ...])"],
                 example: "augment=[flip_h, shift(2), rotate(10), zoom(0.1), noise(0.05)]"),
      OptionSpec("health", "true|false",
                 "each epoch, each layer's gradient norm and the share of dead ReLU units; flags vanishing (norm < 1e-6) and exploding (norm > 1e3) gradients; plot MODEL gradients draws the norms",
                 example: "health=true", kind: .bool),
    ] + Seq2SeqTrainingOptions.fit,
    role: .command(check: { checker, c in
      checker.checkTraining(c)
      checker.checkFitOptions(c)
    }, run: { interpreter, c in
      try interpreter.fit(c)
      interpreter.noteTrainingClasses(c)
    }))

  static let evaluate = StatementRow(
    "evaluate", synopsis: "evaluate MODEL DATA|X Y [batch=N] [verbose=0|1|2]",
    summary: "Report loss and metrics on a dataset.", example: "evaluate net test",
    arguments: [.model, .expressions(1...2, what: "test data")],
    options: [
      OptionSpec("batch", "N", "samples per forward pass", example: "batch=64",
                 kind: .int(min: 1, max: 1 << 24)),
      OptionSpec("verbose", "0|1|2", "accepted as in fit (Keras' values); evaluate prints its one result line at every level",
                 example: "verbose=0", kind: .int(min: 0, max: 2)),
    ],
    role: .command(check: { checker, c in checker.checkTraining(c) },
                   run: { try $0.evaluate($1) }))

  static let predict = StatementRow(
    "predict", synopsis: "predict MODEL X|DATA|[\"TEXT\", ...] [batch=N] [top=N] [limit=N] [beam=K]",
    summary: "Show the model's outputs for some inputs (raw texts for a model trained on text loaded with text=).", example: "predict net test top=3",
    arguments: [.model, .expressions(1...1, what: "inputs")],
    options: [
      OptionSpec("batch", "N", "samples per forward pass", example: "batch=64",
                 kind: .int(min: 1, max: 1 << 24)),
      OptionSpec("top", "N", "show the N most likely classes (encoder–decoder: the first N samples, 20 by default)", example: "top=3",
                 kind: .int(min: 1, max: 1_000_000)),
      OptionSpec("limit", "N", "for a streamed dataset: the first N rows are shown (default 10)", example: "limit=20",
                 kind: .int(min: 1, max: 100_000)),
    ] + Seq2SeqTrainingOptions.predict,
    role: .command(check: { checker, c in
      _ = try checker.model(c.args.first, for: c.keyword.text, at: c.range)
      if c.args.count == 2, [.list, .string].contains(try checker.kind(of: c.args[1])) { return }  // texts
      try checker.data(c.args.dropFirst(), for: c.keyword.text, at: c.range, needsTarget: false)
    }, run: { try $0.predict($1) }))

  static let plot = StatementRow(
    "plot", synopsis: "plot MODEL [METRIC|lr|gradients|batches] [log=B]",
    summary: "Plot the training history (loss, or the given metric, or lr: the learning rate per epoch; gradients: each layer's gradient norm per epoch of a fit with health=true; batches: the loss of every training batch); marks the best epoch after early stopping, else the epoch of the lowest val_loss.",
    example: "plot net accuracy",
    arguments: [.model, .word(what: "a metric name", suchAs: "accuracy", of: .metric)],
    options: [
      OptionSpec("log", "true|false", "a logarithmic y axis (gradients are always drawn on one)",
                 example: "log=true", kind: .bool),
    ],
    role: .command(check: { checker, c in
      _ = try checker.model(c.args.first, for: c.keyword.text, at: c.range)
      if c.args.count > 2 { throw Diagnostic.error("plot takes a model and a metric", at: c.args[2].range) }
    }, run: { try $0.plot($1) }))
}
