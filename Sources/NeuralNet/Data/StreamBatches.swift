import Autograd
import Foundation

/// Blocks handed from the reader thread to the trainer: at most `capacity` wait at a time, so
/// the reader stays a bounded distance ahead and memory stays bounded.
final class BlockQueue: @unchecked Sendable {
  private let condition = NSCondition()
  private var blocks: [RowBlock] = []
  private var finished = false
  private var failure: (any Error)?
  private var cancelled = false
  let capacity: Int

  init(capacity: Int) { self.capacity = max(1, capacity) }

  /// Waits for room and adds `block`; false once the consumer has cancelled.
  func put(_ block: RowBlock) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    while blocks.count >= capacity && !cancelled { condition.wait() }
    if cancelled { return false }
    blocks.append(block)
    condition.broadcast()
    return true
  }

  /// The reader is done, with the error that stopped it, if any.
  func finish(_ error: (any Error)?) {
    condition.lock()
    finished = true
    failure = error
    condition.broadcast()
    condition.unlock()
  }

  /// The next block; nil at the end; the reader's error once its blocks are used up.
  func take() throws -> RowBlock? {
    condition.lock()
    defer { condition.unlock() }
    while blocks.isEmpty && !finished { condition.wait() }
    if !blocks.isEmpty {
      let b = blocks.removeFirst()
      condition.broadcast()
      return b
    }
    if let failure { throw failure }
    return nil
  }

  /// The consumer stops early: the reader's next `put` returns false.
  func cancel() {
    condition.lock()
    cancelled = true
    blocks.removeAll()
    condition.broadcast()
    condition.unlock()
  }
}

/// Mini-batches of a `StreamDataset` for one pass: a background thread reads blocks of rows
/// (`blockRows` each, at most `aheadBlocks` waiting), and a seeded shuffle buffer of
/// `bufferRows` rows mixes them (tf.data's `shuffle(buffer_size)`: each row out is a random
/// one of the buffer, replaced by the next row in). Without shuffling rows come in file order.
/// Memory: the buffer, the waiting blocks and one batch — independent of the file's size.
public final class StreamBatches {
  public let batchSize: Int
  let stream: StreamDataset
  let queue: BlockQueue
  private var rng: SeededRandom
  private let shuffle: Bool
  private let bufferRows: Int
  private let width: Int
  private let targetWidth: Int
  private var bufX: [Float] = []
  private var bufY: [Float] = []
  private var buffered = 0
  private var pending: RowBlock?
  private var pendingIndex = 0
  private var inputDone = false
  private var row: [Float]
  /// Rows handed out so far in this pass.
  public private(set) var rowsOut = 0

  /// Starts the reader thread over `stream`.
  public init(_ stream: StreamDataset, batchSize: Int, shuffle: Bool, bufferRows: Int = 10_000,
              blockRows: Int = 4096, aheadBlocks: Int = 4, rng: SeededRandom) {
    self.stream = stream
    self.batchSize = max(1, batchSize)
    self.shuffle = shuffle
    self.bufferRows = max(1, bufferRows)
    self.rng = rng
    width = stream.featureCount
    targetWidth = stream.source.targetWidth
    row = [Float](repeating: 0, count: width)
    queue = BlockQueue(capacity: aheadBlocks)
    let (source, queue) = (stream.source, queue)
    let thread = Thread {
      do {
        try source.read(blockRows: blockRows) { queue.put($0) }
        queue.finish(nil)
      } catch {
        queue.finish(error)
      }
    }
    thread.name = "dl stream reader"
    thread.start()
  }

  deinit { queue.cancel() }

  /// The next batch of features (rows, width) and targets (rows, targetWidth) as flat arrays,
  /// or nil at the end of the pass. A read error (a bad row in the middle of the file) is
  /// thrown here, located by file and row.
  public func next() throws -> (x: [Float], y: [Float], rows: Int)? {
    var x = [Float](), y = [Float]()
    x.reserveCapacity(batchSize * width)
    y.reserveCapacity(batchSize * targetWidth)
    var n = 0
    while n < batchSize, try emit(into: &x, &y) { n += 1 }
    rowsOut += n
    return n == 0 ? nil : (x, y, n)
  }

  /// Moves one row into the batch; false when the pass is over.
  private func emit(into x: inout [Float], _ y: inout [Float]) throws -> Bool {
    if !shuffle {
      guard try nextInput() else { return false }
      x.append(contentsOf: row)
      y.append(contentsOf: pendingTarget)
      return true
    }
    while buffered < bufferRows, try nextInput() { store(at: buffered); buffered += 1 }
    guard buffered > 0 else { return false }
    let j = rng.int(below: buffered)
    x.append(contentsOf: bufX[(j * width)..<((j + 1) * width)])
    y.append(contentsOf: bufY[(j * targetWidth)..<((j + 1) * targetWidth)])
    if try nextInput() {
      store(at: j)
    } else {
      buffered -= 1
      move(from: buffered, to: j)
    }
    return true
  }

  private var pendingTarget: ArraySlice<Float> = []

  /// Reads the next kept row into `row` / `pendingTarget`; false at the end of the input.
  private func nextInput() throws -> Bool {
    while !inputDone {
      if let b = pending, pendingIndex < b.rows {
        let k = pendingIndex
        pendingIndex += 1
        guard stream.keeps(b.firstRow + k) else { continue }
        for j in 0..<width { row[j] = b.x[k * width + j] }
        stream.applyScaling(&row)
        pendingTarget = b.y[(k * targetWidth)..<((k + 1) * targetWidth)]
        return true
      }
      pending = try queue.take()
      pendingIndex = 0
      if pending == nil { inputDone = true }
    }
    return false
  }

  private func store(at j: Int) {
    if bufX.count < (j + 1) * width {
      bufX.append(contentsOf: row)
      bufY.append(contentsOf: pendingTarget)
      return
    }
    for k in 0..<width { bufX[j * width + k] = row[k] }
    for (k, v) in pendingTarget.enumerated() { bufY[j * targetWidth + k] = v }
  }

  private func move(from a: Int, to b: Int) {
    guard a != b else { return }
    for k in 0..<width { bufX[b * width + k] = bufX[a * width + k] }
    for k in 0..<targetWidth { bufY[b * targetWidth + k] = bufY[a * targetWidth + k] }
  }

  /// The generator after the pass (so the caller's stream of random numbers moves on).
  public var generator: SeededRandom { rng }
}
