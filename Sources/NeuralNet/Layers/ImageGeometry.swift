import Autograd

/// Shape inference for the image layers (convolution, pooling), done before any op runs: the
/// Autograd ops check their arguments only with `precondition`s, which the release engine
/// (`-Ounchecked`) removes, so every impossible configuration is rejected here with a message
/// that names the layer and both shapes.
///
/// Geometry (TensorFlow's, as the ops compute it), per spatial axis of extent `in`, window `k`,
/// stride `s`:
///   valid: out = (in − k) / s + 1, needs in ≥ k
///   same:  out = ⌈in / s⌉ (zero padding, or ignored positions for pooling)
enum ImageGeometry {
  /// Largest window or stride a layer accepts: far beyond any image, small enough that the
  /// ops' index arithmetic cannot overflow.
  static let maxExtent = 1 << 24

  /// Largest number of values a single op call may address with 32-bit indices (BLAS
  /// dimensions, pooling's arg-max indices).
  static let maxIndexable = Int(Int32.max)

  /// (H, W, C) of a per-sample image shape; throws unless `input` has rank 3.
  static func image(_ input: [Int], _ layer: String) throws -> (h: Int, w: Int, c: Int) {
    guard input.count == 3 else {
      let hint = input.count == 1
        ? "image layers need height×width×channels maps: declare the input as one (e.g. input "
          + "8x8x1) and put the image layers before flatten or global pooling"
        : "image layers take one height×width×channels map per sample"
      throw ShapeError("\(layer) expects images of shape (None, H, W, C) but gets "
                       + "\(input.kerasBatchShape); \(hint)")
    }
    return (input[0], input[1], input[2])
  }

  /// Checks a window's size and stride (what: "kernel", "window").
  static func checkWindow(_ kh: Int, _ kw: Int, stride: Int, what: String, _ layer: String) throws {
    guard kh >= 1, kw >= 1 else {
      throw ShapeError("\(layer): a \(what) needs sizes of at least 1, not \(kh)x\(kw)")
    }
    guard kh <= maxExtent, kw <= maxExtent else {
      throw ShapeError("\(layer): a \(kh)x\(kw) \(what) is too large (at most \(maxExtent) per side)")
    }
    guard stride >= 1, stride <= maxExtent else {
      throw ShapeError("\(layer): the stride must be between 1 and \(maxExtent), not \(stride)")
    }
  }

  /// Output extent along one axis.
  static func extent(_ input: Int, window: Int, stride: Int, padding: Padding) -> Int {
    switch padding {
    case .valid: return (input - window) / stride + 1
    case .same: return (input - 1) / stride + 1
    }
  }

  /// The (Ho, Wo) of a `kh`×`kw` window with `stride` and `padding` on an `h`×`w` map;
  /// throws when the window does not fit (valid padding) or the result is empty.
  static func output(h: Int, w: Int, kh: Int, kw: Int, stride: Int, padding: Padding,
                     input: [Int], what: String, _ layer: String) throws -> (ho: Int, wo: Int) {
    if padding == .valid && (kh > h || kw > w) {
      throw ShapeError("\(layer): its \(kh)x\(kw) \(what) is larger than its \(h)x\(w) input "
                       + "\(input.kerasBatchShape) with padding=valid; use padding=same or a "
                       + "\(what) of at most \(h)x\(w)")
    }
    let ho = extent(h, window: kh, stride: stride, padding: padding)
    let wo = extent(w, window: kw, stride: stride, padding: padding)
    guard ho >= 1, wo >= 1 else {
      throw ShapeError("\(layer) would output an empty \(ho)x\(wo) map from \(input.kerasBatchShape)")
    }
    return (ho, wo)
  }

  /// The product of `sizes`, or a ShapeError naming `what` when it is above `limit` (or
  /// overflows).
  static func bounded(_ sizes: [Int], limit: Int, _ what: String, _ layer: String) throws -> Int {
    guard let n = checkedProduct(sizes), n <= limit else {
      throw ShapeError("\(layer): \(what) would need more than \(limit) values per sample, more "
                       + "than one op can address; use a smaller input, kernel or stride")
    }
    return n
  }

  /// Batch ranges of at most `maxIndexable / perSample` samples each (one range when the
  /// whole batch fits), so that no single op call exceeds 32-bit indexing.
  static func chunks(batch n: Int, perSample: Int) -> [Range<Int>] {
    let per = Swift.max(1, maxIndexable / Swift.max(perSample, 1))
    if n <= per { return [0..<n] }
    return stride(from: 0, to: n, by: per).map { $0..<Swift.min($0 + per, n) }
  }

  /// `op` applied to `x` in batch chunks (see `chunks`), joined along the batch axis; one call
  /// when the batch fits.
  static func chunked(_ x: Variable, perSample: Int, _ op: (Variable) -> Variable) -> Variable {
    let n = x.shape.first ?? 0
    let parts = chunks(batch: n, perSample: perSample)
    if parts.count == 1 { return op(x) }
    return concat(parts.map { op(x.slice(axis: 0, $0)) }, axis: 0)
  }

  /// a · b · …, saturating at `Int.max` (FLOP counts).
  static func saturatingProduct(_ xs: [Int]) -> Int {
    var p = 1
    for x in xs {
      let (r, o) = p.multipliedReportingOverflow(by: x)
      if o { return Int.max }
      p = r
    }
    return p
  }
}
