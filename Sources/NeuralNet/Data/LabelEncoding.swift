/// Whole-number targets as class labels. Targets that are all whole numbers (written without a
/// decimal point in a CSV file) with at most `maxClasses` distinct values are classes: their
/// sorted values map to the indices 0…K-1 and name the classes, as text labels do. Labels
/// that already are 0…K-1 (digits 0–9) keep their values.
enum LabelEncoding {
  /// The most distinct values that still count as classes; more make a numeric target.
  static let maxClasses = 1000

  /// The class encoding of `values`, or nil when they are not class labels.
  /// `mapped` is false when the values already were the indices 0…K-1.
  static func classes(_ values: [Float]) -> (values: [Float], names: [String], mapped: Bool)? {
    var distinct = Set<Float>()
    for v in values {
      guard v == v.rounded(), abs(v) < 16_777_216 else { return nil }
      distinct.insert(v)
      if distinct.count > maxClasses { return nil }
    }
    guard !distinct.isEmpty else { return nil }
    let sorted = distinct.sorted()
    let identity = sorted.enumerated().allSatisfy { Float($0.offset) == $0.element }
    let names = sorted.map { String(Int($0)) }
    if identity { return (values, names, false) }
    var index: [Float: Float] = [:]
    for (i, v) in sorted.enumerated() { index[v] = Float(i) }
    return (values.map { index[$0] ?? 0 }, names, true)
  }

  /// Whether the bytes are a whole number as written: an optional sign and digits only.
  static func isWrittenAsInteger(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var i = start
    if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") { i += 1 }
    guard i < end else { return false }
    while i < end {
      guard p[i] >= 48, p[i] <= 57 else { return false }
      i += 1
    }
    return true
  }
}
