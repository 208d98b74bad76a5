import Autograd
import Foundation
import NeuralNet
import TermPlot

/// `load`, `split`, `standardize`, `normalize`.
extension Interpreter {
  /// The `target=COLUMN|last` option of `load` (none when absent).
  func loadTarget(_ c: Command) throws -> TargetSpec {
    guard let o = c.option("target") else { return .none }
    switch o.value.kind {
    case .identifier(let s): return s == "last" ? .last : .named(s)
    case .string(let s): return .named(s)
    default: throw Diagnostic.error("target is a column name, or last", at: o.value.range)
    }
  }

  func load(_ c: Command, name: String) throws -> Value {
    let args = arguments(c)
    guard let e = c.args.first, case .string(let path) = e.kind else {
      throw Diagnostic.error("load needs a file name in quotes", at: c.range)
    }
    if ModelFiles.isModelFile(session.resolve(path)) {
      return try loadModel(c, name: name, path: path, at: e.range)
    }
    if try TableOptions.bool(c, "stream", args) == true { return try loadStream(c, path: path, at: e.range, name: name) }
    let target = try loadTarget(c)
    let header = try TableOptions.bool(c, "header", args) ?? true
    let text = try TextLoadOptions.read(c, args)
    let sampleShape = try loadShape(c)
    let resolved = session.resolve(path)
    var dataset: Dataset, report: LoadReport
    do {
      switch ArrayDataset.format(of: resolved) {
      case .npz?:
        (dataset, report) = try loadArchive(c, path: resolved, written: path)
      case _?:
        (dataset, report) = try loadArrays(c, path: resolved, written: path)
      case nil:
        for option in ["labels", "x"] {
          if let o = c.option(option) {
            throw Diagnostic.error(option == "x" ? "x= names the features member of a .npz archive"
              : "labels= is for .npy, IDX and .npz files; a CSV file names its target column with target=",
              at: o.name.range)
          }
        }
        if let src = c.option("source") {
          (dataset, report) = try loadPairs(c, source: src, target: target, path: resolved, text: text != nil)
        } else if let options = text?.options {
          (dataset, report) = try CSVLoader.loadText(path: resolved, options: options, target: target,
                                                     header: header)
        } else {
          (dataset, report) = try CSVLoader.load(path: resolved, target: target, header: header,
                                                 options: try csvOptions(c))
        }
      }
      if let sampleShape { dataset = try dataset.reshapingSamples(to: sampleShape, source: resolved) }
    } catch var error as DataError {
      // Name the file as the script wrote it, not as resolved against the base directory.
      if error.path == resolved { error.path = path }
      if error.row == nil && error.message.hasPrefix("no such file") {
        let missing = error.path ?? path  // the features file or the labels file
        error.message += Suggest.didYouMean(missing, in: siblingFiles(of: missing))
      }
      let isAboutTarget = error.row == nil && error.message.hasPrefix("target column")
      let isAboutText = error.row == nil && error.message.hasPrefix("text column")
      let isAboutShape = error.message.hasPrefix("shape=")
      let isAboutOption = error.row == nil
        && (error.message.hasPrefix("categorical column") || error.message.hasPrefix("missing= column"))
      let labels = c.option("labels")
      let isAboutLabels = labels != nil && error.path != path
      let at = isAboutTarget ? c.option("target")?.value.range
        : isAboutText ? c.option("text")?.value.range
        : isAboutShape ? c.option("shape")?.value.range
        : isAboutOption ? (c.option(error.message.hasPrefix("missing") ? "missing" : "categorical")?.value.range)
        : isAboutLabels ? labels?.value.range : nil
      throw Diagnostic.error(error.description, at: at ?? e.range)
    } catch let d as Diagnostic {
      throw d
    } catch {
      throw Diagnostic.error("\(path): \(error)", at: e.range)
    }
    session.noteInput(resolved)
    var lines = ["\(name): " + dataset.describe]
    if !report.labelMapping.isEmpty {
      lines.append("  labels: " + report.labelMapping.map { "\($0.0) → \($0.1)" }.joined(separator: ", "))
    }
    lines += Interpreter.preparationLines(report, dataset)
    if let tokenizer = dataset.tokenizer { lines.append("  " + Interpreter.describe(tokenizer)) }
    if let pairs = dataset.pairVocabulary { lines.append("  " + Interpreter.describe(pairs)) }
    show(lines.joined(separator: "\n"))
    return .dataset(dataset)
  }

  /// `load "X.npy" [labels="Y.npy"]`: features (and labels) from binary array files.
  func loadArrays(_ c: Command, path: String, written: String) throws -> (Dataset, LoadReport) {
    try rejectCSVOptions(c, labelsHint: "labels=\"FILE\"")
    if let o = c.option("x") {
      throw Diagnostic.error("x= names the features member of a .npz archive; \(written) is one array",
                             at: o.name.range)
    }
    var labels: (path: String, written: String)?
    if let l = try quotedOption(c, "labels", example: "labels=\"labels.npy\"") {
      labels = (session.resolve(l), l)
    }
    return try ArrayDataset.load(features: path, labels: labels?.path, featuresName: written,
                                 labelsName: labels?.written)
  }

  /// `load "A.npz" [x="MEMBER"] [labels="MEMBER"]`: features and labels from an archive.
  func loadArchive(_ c: Command, path: String, written: String) throws -> (Dataset, LoadReport) {
    try rejectCSVOptions(c, labelsHint: "x=\"MEMBER\" labels=\"MEMBER\"")
    let x = try quotedOption(c, "x", example: "x=\"x_train\"", bare: true)
    let labels = try quotedOption(c, "labels", example: "labels=\"y_train\"", bare: true)
    return try ArrayDataset.load(archive: path, x: x, labels: labels, archiveName: written)
  }

  /// `target=`, `header=` and `text=` belong to CSV files.
  private func rejectCSVOptions(_ c: Command, labelsHint: String) throws {
    if let o = c.option("text") {
      throw Diagnostic.error("text= reads a column of texts from a CSV file; this is an array file", at: o.name.range)
    }
    for option in ["target", "header"] {
      if let o = c.option(option) {
        throw Diagnostic.error("\(option)= is for CSV files; give the labels of an array file with \(labelsHint)",
                               at: o.name.range)
      }
    }
  }

  /// The string value of option `name`, if given (with `bare`, a plain name such as
  /// `x=x_train` too); an error otherwise.
  private func quotedOption(_ c: Command, _ name: String, example: String, bare: Bool = false) throws -> String? {
    guard let o = c.option(name) else { return nil }
    switch o.value.kind {
    case .string(let s): return s
    case .identifier(let s) where bare: return s
    default: throw Diagnostic.error("\(name) is a name in quotes, e.g. \(example)", at: o.value.range)
    }
  }

  /// `shape=8x8x1` (or `shape=64`): the shape each sample's features take.
  private func loadShape(_ c: Command) throws -> [Int]? {
    guard let o = c.option("shape") else { return nil }
    switch o.value.kind {
    case .shape(let dims) where dims.allSatisfy({ $0 > 0 }): return dims
    case .number(let v, isInteger: true) where v >= 1 && v <= Double(Int32.max): return [Int(v)]
    default:
      throw Diagnostic.error("shape is the shape of one sample, e.g. shape=8x8x1 or shape=28x28x1",
                             at: o.value.range)
    }
  }

  /// The files next to `path` (in the same directory, as the script would write them), for
  /// "did you mean" on a missing file.
  func siblingFiles(of path: String) -> [String] {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[..<$0]) } ?? ""
    let prefix = slash.map { String(path[...$0]) } ?? ""
    let resolved = session.resolve(directory.isEmpty ? "." : directory)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: resolved)) ?? []
    return names.sorted().map { prefix + $0 }
  }

  func split(_ c: Command, names: [String]) throws -> [Value] {
    let args = arguments(c)
    if let first = c.args.first, case .stream(let s) = try evaluate(first) { return try splitStream(c, s, names: names) }
    guard let first = c.args.first, case .dataset(let d) = try evaluate(first) else {
      throw Diagnostic.error("split needs a dataset", at: c.args.first?.range ?? c.range)
    }
    let fractions = try c.args.dropFirst().map { try args.number($0, what: "a split fraction", lo: 0, hi: 1, openHigh: true) ?? 0 }
    let stratify = try TableOptions.bool(c, "stratify", args) ?? false
    let shuffle = try TableOptions.bool(c, "shuffle", args) ?? true
    let parts: [Dataset]
    do {
      parts = try Split.split(d, fractions: fractions, shuffle: shuffle, stratify: stratify, rng: &session.rng)
    } catch {
      throw Diagnostic.error("\(error)", at: c.range)
    }
    let desc = zip(names, parts).map { "\($0): \(plural($1.count, "row"))" }.joined(separator: ", ")
    show(desc + (stratify ? " (stratified)" : ""))
    return parts.map { .dataset($0) }
  }

  /// Fits the scaler on the first dataset, applies it to all, prints the statistics.
  func scale(_ c: Command, minMax: Bool) throws {
    if try scaleStreams(c, minMax: minMax) { return }
    var datasets: [(String, Dataset)] = []
    for e in c.args {
      guard case .identifier(let n) = e.kind, case .dataset(let d) = try evaluate(e) else {
        throw Diagnostic.error("\(c.keyword.text) works on datasets by name", at: e.range)
      }
      datasets.append((n, d))
    }
    guard let (firstName, first) = datasets.first else { return }
    let scaler = minMax ? Scaler.minMax(fitOn: first) : Scaler.standardize(fitOn: first)
    for (n, d) in datasets {
      do { session.bind(n, .dataset(try scaler.apply(d))) } catch {
        throw Diagnostic.error("\(error)", at: c.range)
      }
    }
    let names = datasets.map(\.0).joined(separator: ", ")
    let (a, b) = minMax ? ("min", "max") : ("mean", "std")
    let (lo, hi) = minMax ? (scaler.mins, scaler.maxs) : (scaler.means, scaler.stds)
    let allRows = first.featureNames.indices.map { i in
      [first.featureNames[i], Format.fixed(Double(lo[i]), decimals: 4),
       Format.fixed(Double(hi[i]), decimals: 4)]
    }
    // Many features (pixels): the first and last few stand for the rest.
    let rows = allRows.count > 12 ? Array(allRows.prefix(6)) + [["…", "…", "…"]] + Array(allRows.suffix(3)) : allRows
    let head = "\(c.keyword.text)d \(names) with the \(a) and \(b) of \(firstName):"
    show(head + "\n" + Table.render(headers: ["feature", a, b], rows: rows, style: style))
  }
}

extension Session {
  /// A user path resolved against the session's base directory (the process's by default).
  func resolve(_ path: String) -> String {
    guard let base = baseDirectory, !path.hasPrefix("/") else { return path }
    return base + "/" + path
  }
}
