import Autograd
import TermPlot

/// Text forms of values for `print`, `vars` and messages.
public enum ValueFormat {
  /// `(None, 16)`-style shape with the batch axis, or `(4,)` for a plain shape.
  public static func batchShape(_ shape: [Int]) -> String {
    "(" + (["None"] + shape.map(String.init)).joined(separator: ", ") + ")"
  }

  /// `(3, 4)` / `(4,)` / `()`.
  public static func shape(_ shape: [Int]) -> String {
    if shape.count == 1 { return "(\(shape[0]),)" }
    return "(" + shape.map(String.init).joined(separator: ", ") + ")"
  }

  /// A number as a user wrote it: integers without a decimal point, others in shortest form.
  public static func number(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
  }

  /// A float element in fixed 4-decimal form (`0.1234`, `-1.5000`), scientific when tiny/huge.
  public static func element(_ x: Float) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    let a = abs(x)
    if a != 0 && (a < 1e-4 || a >= 1e6) { return Format.scientific(Double(x), decimals: 4) }
    return Format.fixed(Double(x), decimals: 4)
  }


  /// A tensor NumPy-style, elided in the middle beyond `edge` items per axis.
  public static func tensor(_ t: Tensor, edge: Int = 3, maxItems: Int = 1000) -> String {
    let integral = t.data.allSatisfy { $0 == $0.rounded() && abs($0) < 1e7 }
    let format: (Float) -> String = integral ? { (x: Float) in String(Int(x)) } : { (x: Float) in element(x) }
    if t.rank == 0 { return format(t.scalar) }
    let elide = t.count > maxItems
    let strings = t.data.map(format)
    let width = strings.map(\.count).max() ?? 1
    func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
    let strides = Tensor.strides(of: t.shape)
    func render(axis: Int, offset: Int, indent: Int) -> String {
      let n = t.shape[axis]
      let idx: [Int?] = elide && n > 2 * edge
        ? Array(0..<edge).map { Optional($0) } + [nil] + Array((n - edge)..<n).map { Optional($0) }
        : Array(0..<n).map { Optional($0) }
      if axis == t.rank - 1 {
        let items = idx.map { i in i.map { pad(strings[offset + $0 * strides[axis]]) } ?? "…" }
        return "[" + items.joined(separator: ", ") + "]"
      }
      let sep = ",\n" + String(repeating: "\n", count: max(0, t.rank - axis - 2))
        + String(repeating: " ", count: indent + 1)
      let items = idx.map { i in
        i.map { render(axis: axis + 1, offset: offset + $0 * strides[axis], indent: indent + 1) } ?? "…"
      }
      return "[" + items.joined(separator: sep) + "]"
    }
    if t.count == 0 { return "[]  shape \(shape(t.shape))" }
    return render(axis: 0, offset: 0, indent: 0)
  }
}
