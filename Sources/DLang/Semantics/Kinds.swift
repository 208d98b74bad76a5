/// What the checker knows of a name before the script runs.
enum Kind: Equatable {
  case number, string, bool, list, layer
  /// A tensor, with its shape when known.
  case tensor([Int]?)
  /// A dataset, with its feature shape when known.
  case dataset([Int]?)
  /// A model, with its output shape when its block was well-formed.
  case model(compiled: Bool, output: [Int]?)
  /// Anything (a name the checker cannot see into).
  case unknown

  /// The kind of a run-time value.
  init(of value: Value) {
    switch value {
    case .number: self = .number
    case .string: self = .string
    case .bool: self = .bool
    case .tensor(let t): self = t.rank == 0 ? .number : .tensor(t.shape)
    case .dataset(let d): self = .dataset(d.featureShape)
    case .stream(let s): self = .dataset(s.featureShape)
    case .model(let m): self = .model(compiled: m.compiled != nil, output: m.network.outputShape)
    case .layer: self = .layer
    case .list: self = .list
    }
  }

  /// "a dataset", "a model", … for messages.
  var description: String {
    switch self {
    case .number: return "a number"
    case .string: return "a string"
    case .bool: return "a boolean"
    case .list: return "a list"
    case .layer: return "a layer"
    case .tensor: return "a tensor"
    case .dataset: return "a dataset"
    case .model: return "a model"
    case .unknown: return "a value"
    }
  }

  var isModel: Bool { if case .model = self { return true }; return false }
  var isDataset: Bool { if case .dataset = self { return true }; return false }
  var isTensor: Bool { if case .tensor = self { return true }; return false }
}
