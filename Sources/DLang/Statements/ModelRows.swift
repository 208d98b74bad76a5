// Rows of the statement table: the model statements — model, compile, summary, save. Their
// run functions are in Interpreter/ModelStatements.swift and ModelFileStatements.swift; the
// longer checks in Semantics/CheckerStatements.swift. The model block's parse function is in
// Syntax/ParserModel.swift.

extension StatementTable {
  static let model = StatementRow(
    "model", synopsis: "model NAME { LAYER ... }  or  model NAME { encoder { input T; LAYER ... } decoder { LAYER ... } }",
    summary: "Define a network: one layer per line inside the braces. An encoder–decoder has an encoder block (starting with input T, the source tokens) and a decoder block whose first recurrent layer starts from the encoder's final state; attention in the decoder looks at the encoder's outputs.",
    example: "model net { input 4; dense 3 softmax }",
    syntax: .statement { (p: inout Parser) throws(ParseAbort) in try p.parseModelStatement() },
    role: .structure(check: { checker, s in
      if case .model(let name, let layers) = s.kind { checker.checkModel(name, layers, s.range) }
    }, run: { interpreter, s in
      if case .model(let name, let layers) = s.kind { try interpreter.declareModel(name, layers, range: s.range) }
    }))

  static let compile = StatementRow(
    "compile", synopsis: "compile MODEL loss=LOSS optimizer=OPT[(lr=R|SCHEDULE(R, ...), CLIP=V, ...)] [metrics=[M, ...]]",
    summary: "Choose the loss, optimizer and metrics of a model.",
    example: "compile net loss=sparse_categorical_crossentropy optimizer=adam(lr=0.01) metrics=[accuracy]",
    arguments: [.model],
    options: [
      OptionSpec("loss", "LOSS", "the loss to minimise", values: .words(LossTable.names), example: "loss=mse"),
      OptionSpec("optimizer", "OPT|OPT(lr=R, ...)", "the optimizer, optionally with settings; lr may be a schedule such as cosine(0.003, epochs=200), and clipnorm, clipvalue or global_clipnorm clips the gradients",
                 values: .words(OptimizerTable.names), settingValues: ["lr": ScheduleTable.names],
                 example: "optimizer=adam(lr=0.01)"),
      OptionSpec("metrics", "[M, ...]", "metrics to report while training",
                 values: .words(MetricTable.names), example: "metrics=[accuracy]"),
    ],
    role: .command(check: { checker, c in try checker.checkCompile(c) },
                   run: { try $0.compile($1) }))

  static let summary = StatementRow(
    "summary", synopsis: "summary MODEL", summary: "Show the layers, shapes and parameter counts.",
    example: "summary net",
    arguments: [.model],
    role: .command(check: { checker, c in
      _ = try checker.model(c.args.first, for: c.keyword.text, at: c.range)
      if c.args.count > 1 { throw Diagnostic.error("summary takes one model", at: c.args[1].range) }
    }, run: { try $0.summary($1) }))

  static let save = StatementRow(
    "save", synopsis: "save MODEL \"FILE.safetensors\"",
    summary: "Write a model (layers, weights, compile settings, class names, and the vocabulary of a text model or an encoder–decoder) to a safetensors file; missing parent directories are created.",
    example: "save net \"runs/net.safetensors\"",
    arguments: [.model, .path(extensions: [".safetensors"])],
    role: .command(check: { checker, c in try checker.checkSave(c) },
                   run: { try $0.saveModel($1) }))
}

extension StatementTable {
  static let export = StatementRow(
    "export", synopsis: "export MODEL \"FILE.onnx\" | \"FILE.py\"",
    summary: "Write a trained model for other engines: an ONNX model (opset 17, with a sample of inputs and dl's outputs beside it; an encoder–decoder as FILE.encoder.onnx and FILE.decoder.onnx, one decoding step), or a PyTorch script that trains it on many processes with DistributedDataParallel (with dl's weights and training data beside it; the same loss with l1/l2 penalties and class weights, optimizer, schedule, validation data and early stopping; `--predict` runs it on a sample against dl's outputs). A model never fitted trains on the dataset of its last crossval or search; a model never compiled gets a script that only predicts.",
    example: "export net \"runs/net.onnx\"",
    arguments: [.model, .path(extensions: [".onnx", ".py"])],
    role: .command(check: { checker, c in try checker.checkExport(c) },
                   run: { try $0.exportModel($1) }))
}
