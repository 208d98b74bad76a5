import Foundation
import Testing

/// The concept coverage table of examples/README.md: every concept of the course has a row; each
/// row names examples that exist and have golden outputs, or the open issue it waits on; and
/// every quoted output line of a row is printed by one of the row's examples (in its golden
/// `.out`, which GoldenTests checks against the release binary).
@Suite("Concept coverage table")
struct CoverageTableTests {
  /// One row: the concept, the example files it links, the issue it waits on, the quoted lines.
  struct Row {
    var concept: String
    var examples: [String]
    var waitsOn: Int?
    var quotes: [String]
  }

  /// The concepts the table must cover (issue 12's list; several may share a row's wording).
  static let required = [
    "Neuron and perceptron", "Layers", "Activations", "Forward propagation", "Backward propagation",
    "Losses", "Gradient descent: batch, mini-batch, stochastic", "Optimizers and the learning rate",
    "Epochs, batches and iterations", "Initialisation", "Local minima and random restarts",
    "Overfitting and underfitting", "Dropout", "L1 and L2 regularisation", "Batch normalisation",
    "Early stopping", "Data augmentation", "Vanishing and exploding gradients, clipping",
    "Learning-rate schedules", "Seeds and reproducibility", "Saving weights", "Scaling", "Splits",
    "Cross-validation", "Missing values", "Imbalanced data", "Metrics", "Hyperparameter tuning",
    "CNN: filters and feature maps", "CNN: padding and stride", "CNN: max, min and average pooling",
    "CNN: the fully connected layers at the end",
    "RNN: hidden state and gates (LSTM, GRU)", "RNN: backpropagation through time",
    "Bidirectional layers and embeddings", "Seq2seq and attention", "Teacher forcing",
    "Data too large for memory",
  ]

  static func text(_ path: String) throws -> String {
    try String(contentsOf: BinaryRun.root.appendingPathComponent(path), encoding: .utf8)
  }

  /// The table's rows (after the header and its `|---|` line).
  static func rows() throws -> [Row] {
    let lines = try text("examples/README.md").split(separator: "\n", omittingEmptySubsequences: false)
    guard let header = lines.firstIndex(where: { $0.hasPrefix("| Concept |") }) else { return [] }
    var rows: [Row] = []
    for line in lines[(header + 2)...] {
      guard line.hasPrefix("|") else { break }
      let cells = line.split(separator: "|", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
      guard cells.count >= 5 else { rows.append(Row(concept: String(line), examples: [], waitsOn: nil, quotes: [])); continue }
      let examples = matches(#"\]\(([a-z0-9_]+\.dl)\)"#, in: cells[2])
      let waits = matches(#"waits on issue ([0-9]+)"#, in: cells[2]).first.flatMap { Int($0) }
      rows.append(Row(concept: cells[1], examples: examples, waitsOn: waits, quotes: matches("`([^`]+)`", in: cells[3])))
    }
    return rows
  }

  static func matches(_ pattern: String, in s: String) -> [String] {
    guard let re = try? NSRegularExpression(pattern: pattern) else { return [] }
    let ns = s as NSString
    return re.matches(in: s, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
  }

  @Test("every concept of the course has a row, and no row is unknown")
  func everyConcept() throws {
    let concepts = try Self.rows().map(\.concept)
    #expect(concepts.count >= Self.required.count)
    for c in Self.required { #expect(concepts.contains(c), "no row for '\(c)'") }
    for c in concepts { #expect(Self.required.contains(c), "row '\(c)' is not in the required list: add it there") }
  }

  @Test("each row names existing examples with golden outputs, or the open issue it waits on")
  func rowsNameExamples() throws {
    for row in try Self.rows() {
      #expect(!row.examples.isEmpty || row.waitsOn != nil, "'\(row.concept)': no example and no issue")
      for e in row.examples {
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: BinaryRun.root.appendingPathComponent("examples/" + e).path), "\(e)")
        #expect(fm.fileExists(atPath: BinaryRun.root.appendingPathComponent("examples/" + e.dropLast(3) + ".out").path),
                "\(e) has no golden output")
      }
      if !row.examples.isEmpty { #expect(!row.quotes.isEmpty, "'\(row.concept)': nothing quoted to look at") }
    }
  }

  @Test("every quoted line is printed by one of its row's examples")
  func quotesArePrinted() throws {
    for row in try Self.rows() where !row.examples.isEmpty {
      let outputs = try row.examples.map { try Self.text("examples/" + $0.dropLast(3) + ".out") }
      for q in row.quotes {
        #expect(outputs.contains { $0.contains(q) }, "'\(row.concept)': `\(q)` is not in the output of \(row.examples)")
      }
    }
  }

  @Test("the README links the table")
  func readmeLinks() throws {
    #expect(try Self.text("README.md").contains("(examples/README.md)"))
  }
}
