import Autograd

/// Copies mini-batches of rows into reused tensors for training.
///
/// `load` fills `xBatch` (and `yBatch`) with the rows at the given indices by contiguous row
/// copies; the buffers are reallocated only when the batch size changes (the last, partial
/// batch of an epoch). Read the batch and let go of it before the next `load`: a copy still
/// held elsewhere makes the next fill copy-on-write.
public struct Batcher: Sendable {
  /// Rows per full batch.
  public let batchSize: Int
  /// The current batch of features: (rows, features…).
  public private(set) var xBatch: Tensor
  /// The current batch of targets, when there are targets.
  public private(set) var yBatch: Tensor?
  private let x: Tensor
  private let y: Tensor?

  /// A batcher over `x` (N, features…) and optional `y` (N, …).
  public init(x: Tensor, y: Tensor?, batchSize: Int) throws {
    guard batchSize >= 1 else {
      throw DataError(path: nil, message: "batch size must be at least 1, got \(batchSize)")
    }
    guard x.rank >= 1 else { throw DataError(path: nil, message: "features need a row axis") }
    if let y, y.rank < 1 || y.shape[0] != x.shape[0] {
      throw DataError(path: nil, message: "targets of shape \(pythonShape(y.shape)) do not match "
        + "\(plural(x.shape[0], "row")) of features")
    }
    self.batchSize = batchSize
    self.x = x
    self.y = y
    xBatch = Batcher.buffer(like: x, rows: min(batchSize, x.shape[0]))
    yBatch = y.map { Batcher.buffer(like: $0, rows: min(batchSize, x.shape[0])) }
  }

  /// A batcher over a dataset's features and targets.
  public init(_ d: Dataset, batchSize: Int) throws {
    try self.init(x: d.x, y: d.y, batchSize: batchSize)
  }

  /// Number of rows in the source.
  public var rowCount: Int { x.shape[0] }

  /// Number of batches per epoch (the last may be partial).
  public var batchCount: Int { (rowCount + batchSize - 1) / batchSize }

  /// Fills the batch with rows `order[b·batchSize ..< min((b+1)·batchSize, order.count)]`.
  public mutating func load(batch b: Int, of order: [Int]) {
    let start = min(b * batchSize, order.count)
    load(rows: order[start..<min(start + batchSize, order.count)])
  }

  /// Fills the batch with the given rows (each in `0..<rowCount`), in order.
  public mutating func load(rows: ArraySlice<Int>) {
    if xBatch.shape[0] != rows.count {
      xBatch = Batcher.buffer(like: x, rows: rows.count)
      yBatch = y.map { Batcher.buffer(like: $0, rows: rows.count) }
    }
    Batcher.copy(rows, from: x, into: &xBatch)
    if let y, var target = yBatch {
      yBatch = nil  // keep the buffer uniquely referenced while filling it
      Batcher.copy(rows, from: y, into: &target)
      yBatch = target
    }
  }

  private static func buffer(like t: Tensor, rows: Int) -> Tensor {
    var shape = t.shape
    shape[0] = rows
    return Tensor.zeros(shape)
  }

  private static func copy(_ rows: ArraySlice<Int>, from src: Tensor, into dst: inout Tensor) {
    let n = src.shape[0]
    let width = src.shape.dropFirst().reduce(1, *)
    src.data.withUnsafeBufferPointer { s in
      dst.data.withUnsafeMutableBufferPointer { d in
        guard let sp = s.baseAddress, let dp = d.baseAddress else { return }
        for (k, row) in rows.enumerated() {
          precondition(row >= 0 && row < n, "Batcher: row \(row) out of 0..<\(n)")
          (dp + k * width).update(from: sp + row * width, count: width)
        }
      }
    }
  }
}
