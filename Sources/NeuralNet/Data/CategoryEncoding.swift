import Autograd

/// The one-hot encoding of a table's categorical (string) feature columns: for each column,
/// its categories in sorted order. Column `c` with categories `[a, b]` becomes the features
/// `c=a`, `c=b`; a row holding `b` has 0, 1 there. Kept with the dataset (and the model trained
/// on it) so that later loads and `predict` encode the same way.
public struct CategoryEncoding: Sendable, Equatable {
  /// One encoded column.
  public struct Column: Sendable, Equatable {
    /// The column's header name.
    public var name: String
    /// Its categories in index order.
    public var categories: [String]

    /// A column.
    public init(name: String, categories: [String]) {
      self.name = name
      self.categories = categories
    }

    /// The one-hot feature names, `name=category`.
    public var featureNames: [String] { categories.map { "\(name)=\($0)" } }
  }

  /// The encoded columns, in file order.
  public var columns: [Column]

  /// An encoding.
  public init(columns: [Column]) { self.columns = columns }

  /// The column called `name`.
  public func column(_ name: String) -> Column? { columns.first { $0.name == name } }

  /// Every one-hot feature name.
  public var featureNames: Set<String> { Set(columns.flatMap(\.featureNames)) }

  /// The encoding as text: one line per column, the name and then the categories, separated
  /// by tabs: the form the model file keeps.
  public var text: String {
    columns.map { c in c.name + "\t" + c.categories.joined(separator: "\t") }.joined(separator: "\n")
  }

  /// Reads `text`; nil when it is not of that form.
  public init?(text: String) {
    var columns: [Column] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard parts.count >= 2, !parts[0].isEmpty, Set(parts.dropFirst()).count == parts.count - 1
      else { return nil }
      columns.append(Column(name: parts[0], categories: Array(parts.dropFirst())))
    }
    guard !columns.isEmpty else { return nil }
    self.columns = columns
  }
}

/// The codes of one categorical column while a CSV file is read: categories in the order first
/// seen, or fixed in advance.
struct CategoryCodes {
  private(set) var names: [String] = []
  private var index: [String: Int] = [:]
  /// Whether the categories were given (then a new one is an error).
  let fixed: Bool

  init(known: [String]?) {
    fixed = known != nil
    for name in known ?? [] where index[name] == nil {
      index[name] = names.count
      names.append(name)
    }
  }

  /// The code of `name`, adding it unless the categories are fixed.
  mutating func code(_ name: String) -> Int? {
    if let k = index[name] { return k }
    if fixed { return nil }
    index[name] = names.count
    names.append(name)
    return names.count - 1
  }

  /// The categories in their final order (sorted, unless fixed) and each code's new index.
  func finalOrder() -> (names: [String], remap: [Int]) {
    if fixed { return (names, Array(names.indices)) }
    let sorted = names.indices.sorted { names[$0] < names[$1] }
    var remap = [Int](repeating: 0, count: names.count)
    for (newIndex, old) in sorted.enumerated() { remap[old] = newIndex }
    return (sorted.map { names[$0] }, remap)
  }
}

extension CSVTable {
  /// The feature tensor with each categorical column replaced by its one-hot columns (a
  /// missing category is all zeros), the feature names, and the encoding (nil without
  /// categorical columns).
  func oneHot(width: Int) -> (Tensor, [String], CategoryEncoding?) {
    let featureColumns = names.indices.filter { $0 != targetIndex }
    guard featureColumns.contains(where: { codes[$0] != nil }) else {
      return (Tensor(shape: [rows, width], data: features), featureColumns.map { names[$0] }, nil)
    }
    var encoded: [CategoryEncoding.Column] = []
    var orders: [(names: [String], remap: [Int])?] = []
    var featureNames: [String] = []
    for column in featureColumns {
      guard let c = codes[column] else {
        orders.append(nil)
        featureNames.append(names[column])
        continue
      }
      let order = c.finalOrder()
      orders.append(order)
      let col = CategoryEncoding.Column(name: names[column], categories: order.names)
      encoded.append(col)
      featureNames += col.featureNames
    }
    let outWidth = featureNames.count
    var out = [Float](repeating: 0, count: rows * outWidth)
    for row in 0..<rows {
      var k = row * outWidth
      for j in 0..<width {
        let v = features[row * width + j]
        guard let order = orders[j] else { out[k] = v; k += 1; continue }
        if !v.isNaN, let code = Int(exactly: v), code >= 0, code < order.remap.count {
          out[k + order.remap[code]] = 1
        }
        k += order.names.count
      }
    }
    return (Tensor(shape: [rows, outWidth], data: out), featureNames, CategoryEncoding(columns: encoded))
  }
}
