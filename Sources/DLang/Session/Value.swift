import Autograd
import NeuralNet

/// A value a `.dl` name can hold.
public enum Value {
  case number(Double)
  case string(String)
  case bool(Bool)
  /// A numeric array: a list literal, a dataset's features, a layer's weights.
  case tensor(Tensor)
  case dataset(Dataset)
  /// A dataset streamed from a file larger than memory (`load … stream=true`).
  case stream(StreamDataset)
  case model(ModelRef)
  /// A layer of a model (`net.dense_1`), whose members are its parameters.
  case layer(ModelRef, String)
  /// A list of non-numeric values (e.g. strings).
  case list([Value])

  /// The kind, as errors and `vars` name it ("a number", "a dataset", …).
  public var kindName: String {
    switch self {
    case .number: return "a number"
    case .string: return "a string"
    case .bool: return "a boolean"
    case .tensor(let t): return t.rank == 0 ? "a number" : "a tensor of shape \(ValueFormat.shape(t.shape))"
    case .dataset: return "a dataset"
    case .stream: return "a streamed dataset"
    case .model: return "a model"
    case .layer: return "a layer"
    case .list: return "a list"
    }
  }

  /// The short kind word used by `vars`.
  public var kindWord: String {
    switch self {
    case .number: return "number"
    case .string: return "string"
    case .bool: return "bool"
    case .tensor: return "tensor"
    case .dataset: return "dataset"
    case .stream: return "stream"
    case .model: return "model"
    case .layer: return "layer"
    case .list: return "list"
    }
  }
}

/// A model declared in a session: the network, how it was compiled, and its training history.
public final class ModelRef {
  /// The name the script gave it.
  public let name: String
  /// The network.
  public let network: Model
  /// Set by `compile`.
  public var compiled: CompileSettings?
  /// Every epoch trained so far, across `fit` calls.
  public var history: History { network.history }
  /// The text of the `model` block that declares the network, self-contained (names of
  /// session values replaced by their values): what `save` stores so that `load` can
  /// rebuild it. Nil for a model not declared by a block.
  public var source: String?
  /// The class names of the dataset it was last trained on (index → name), when known.
  public var classNames: [String]?
  /// The tokenizer of the text dataset it was last trained on (`load … text=`), which
  /// `predict MODEL ["text", …]` uses; saved in the model file.
  public var tokenizer: Tokenizer?
  /// The gradient of every trainable parameter (by path, `dense_1.weights`) in the last
  /// training step of `fit` or `trace`: what `net.dense_1.weights.grad` reads.
  public var lastGradients: [String: Tensor] = [:]
  /// The training health of every epoch fitted with `health=true` (`plot M gradients`).
  public var health: [EpochHealth] = []
  /// The loss of every training batch, in order, across `fit` calls (`plot M batches`).
  public var batchLosses: [Double] = []
  /// The data and settings of its last `fit`: what `export MODEL "FILE.py"` trains on.
  public var lastFit: FitRecord?
  /// The streamed datasets and settings of its last `fit` on a stream (then `lastFit` is nil):
  /// `export MODEL "FILE.py"` reads their rows into the script's data file.
  public var lastStreamFit: StreamFitRecord?
  /// The data and settings of its last `crossval` or `search` (the best setting's): what
  /// `export MODEL "FILE.py"` trains on when the model itself was never fitted.
  public var lastCrossval: FitRecord?
  /// The encoder–decoder graph of a model declared with `encoder { }` and `decoder { }`.
  public var seq2seq: Seq2SeqGraph?
  /// The vocabularies of the sequence pairs it was last trained on (`load … source= target=`),
  /// which `predict MODEL ["…"]` uses; saved in the model file.
  public var pairVocabulary: PairVocabulary?
  /// The one-hot encoding of the categorical columns of the dataset it was last trained on
  /// (`load … categorical=`); saved in the model file, reused by `load … categories=MODEL`.
  public var categories: CategoryEncoding?
  /// The missing-value fills of the dataset it was last trained on; `predict` fills the
  /// missing cells of new rows with them.
  public var imputer: Imputer?

  /// A model called `name`; `source` is its self-contained `model` block, when it has one.
  public init(name: String, network: Model, source: String? = nil) {
    self.name = name
    self.network = network
    self.source = source
  }
}

/// What `compile` chose, kept for printing (`summary`, `vars`).
public struct CompileSettings {
  public var loss: String
  public var optimizer: String
  public var metrics: [String]

  /// The settings as `compile` options: `loss=mse optimizer=adam(lr=0.01) metrics=[mae]`.
  public var optionsText: String {
    "loss=\(loss) optimizer=\(optimizer)" + (metrics.isEmpty ? "" : " metrics=[" + metrics.joined(separator: ", ") + "]")
  }
}

extension Model {
  /// Every weight of the model.
  public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }
  /// The names of a layer's parameters (`weights`, `bias`).
  public func parameterNames(of layer: String) -> [String] { self.layer(named: layer)?.parameters.map(\.name) ?? [] }
}

extension History {
  /// The per-epoch values of `name` (empty when never recorded).
  public func series(_ name: String) -> [Double] { self[name] ?? [] }
}
