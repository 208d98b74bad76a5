import Autograd
import Foundation
import NeuralNet
import TermPlot

/// `load`, `split`, `standardize`, `normalize`.
extension Interpreter {
  func load(_ c: Command, name: String) throws -> Value {
    let args = arguments(c)
    guard let e = c.args.first, case .string(let path) = e.kind else {
      throw Diagnostic.error("load needs a file name in quotes", at: c.range)
    }
    if ModelFiles.isModelFile(session.resolve(path)) {
      return try loadModel(c, name: name, path: path, at: e.range)
    }
    var target = TargetSpec.none
    if let o = c.option("target") {
      switch o.value.kind {
      case .identifier(let s): target = s == "last" ? .last : .named(s)
      case .string(let s): target = .named(s)
      default: throw Diagnostic.error("target is a column name, or last", at: o.value.range)
      }
    }
    let header = try TableOptions.bool(c, "header", args) ?? true
    let resolved = session.resolve(path)
    let dataset: Dataset, report: LoadReport
    do {
      if ArrayDataset.format(of: resolved) != nil {
        (dataset, report) = try loadArrays(c, path: resolved)
      } else {
        if let o = c.option("labels") {
          throw Diagnostic.error("labels= is for .npy and IDX files; a CSV file names its target column with target=",
                                 at: o.name.range)
        }
        (dataset, report) = try CSVLoader.load(path: resolved, target: target, header: header)
      }
    } catch var error as DataError {
      // Name the file as the script wrote it, not as resolved against the base directory.
      if error.path == resolved { error.path = path }
      if error.row == nil && error.message.hasPrefix("no such file") {
        error.message += Suggest.didYouMean(path, in: siblingFiles(of: path))
      }
      let isAboutTarget = error.row == nil && error.message.hasPrefix("target column")
      let labels = c.option("labels")
      let isAboutLabels = labels != nil && error.path != path
      throw Diagnostic.error(error.description,
                             at: isAboutTarget ? c.option("target")?.value.range ?? e.range
                               : isAboutLabels ? labels?.value.range ?? e.range : e.range)
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
    if report.rowsDropped > 0 { lines.append("  dropped \(plural(report.rowsDropped, "row")) with missing values") }
    show(lines.joined(separator: "\n"))
    return .dataset(dataset)
  }

  /// `load "X.npy" [labels="Y.npy"]`: features (and labels) from binary array files.
  func loadArrays(_ c: Command, path: String) throws -> (Dataset, LoadReport) {
    for option in ["target", "header"] {
      if let o = c.option(option) {
        throw Diagnostic.error("\(option)= is for CSV files; give the labels of a .npy or IDX file with labels=\"FILE\"",
                               at: o.name.range)
      }
    }
    var labels: (path: String, written: String)?
    if let o = c.option("labels") {
      guard case .string(let l) = o.value.kind else {
        throw Diagnostic.error("labels is a file name in quotes, e.g. labels=\"labels.npy\"", at: o.value.range)
      }
      labels = (session.resolve(l), l)
    }
    return try ArrayDataset.load(features: path, labels: labels?.path, labelsName: labels?.written)
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
