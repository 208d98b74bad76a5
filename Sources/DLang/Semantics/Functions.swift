import Autograd
import Foundation

// The language as a calculator: the functions an expression may call (`exp(x)`,
// `sum(x, axis=0)`, `range(3)`), and the matrix product `@`. One table lists them; the
// checker (unknown names, argument counts, options), the evaluator and `help` read it.
// Every function works on numbers and tensors in Float64 and returns float32 tensors (or a
// number for a number, or for a whole reduction); bad arguments are located errors.

/// One function of the expression language.
struct FunctionInfo: Sendable {
  let name: String
  /// Usage, e.g. `sum(X, axis=K)`.
  let synopsis: String
  let summary: String
  let example: String
  /// How many positional arguments it takes.
  let arity: ClosedRange<Int>
  /// Whether it takes `axis=K`.
  let takesAxis: Bool
}

/// The table of functions.
enum Functions {
  static let all: [FunctionInfo] = [
    elementwise("exp", "e to the power of each element", "exp(2.5)"),
    elementwise("log", "the natural logarithm of each element (they must be positive)", "log(0.0759)"),
    elementwise("sqrt", "the square root of each element (none may be negative)", "sqrt(2)"),
    elementwise("abs", "the absolute value of each element", "abs([-1, 2])"),
    elementwise("sigmoid", "σ(x) = 1 / (1 + e^−x) of each element", "sigmoid(2.5)"),
    elementwise("tanh", "the hyperbolic tangent of each element", "tanh([0, 1])"),
    elementwise("relu", "max(0, x) of each element", "relu([-1, 2])"),
    FunctionInfo(name: "softmax", synopsis: "softmax(X, axis=-1)",
                 summary: "e^x / Σ e^x along an axis (the last by default): each row sums to 1",
                 example: "softmax([1, 2, 3])", arity: 1...1, takesAxis: true),
    reduction("sum", "the sum of all elements, or along one axis", "sum([[1, 2], [3, 4]], axis=0)"),
    reduction("mean", "the mean of all elements, or along one axis", "mean([1, 2, 3, 4])"),
    reduction("max", "the largest element, or the largest along one axis", "max([3, 1, 2])"),
    reduction("min", "the smallest element, or the smallest along one axis", "min([3, 1, 2])"),
    reduction("argmax", "the index of the largest element (of the flattened values), or along one axis",
              "argmax([[0.1, 0.9], [0.8, 0.2]], axis=1)"),
    FunctionInfo(name: "transpose", synopsis: "transpose(X)",
                 summary: "the axes reversed: a (2, 3) matrix becomes (3, 2); a vector is unchanged",
                 example: "transpose([[1, 2, 3]])", arity: 1...1, takesAxis: false),
    FunctionInfo(name: "range", synopsis: "range(N) | range(START, STOP) | range(START, STOP, STEP)",
                 summary: "the numbers START, START+STEP, … below STOP (Python's range), for a loop: for i in range(3) { … }",
                 example: "range(1, 10, 2)", arity: 1...3, takesAxis: false),
  ]

  private static func elementwise(_ name: String, _ summary: String, _ example: String) -> FunctionInfo {
    FunctionInfo(name: name, synopsis: "\(name)(X)", summary: summary, example: example,
                 arity: 1...1, takesAxis: false)
  }

  private static func reduction(_ name: String, _ summary: String, _ example: String) -> FunctionInfo {
    FunctionInfo(name: name, synopsis: "\(name)(X, axis=K)", summary: summary, example: example,
                 arity: 1...1, takesAxis: true)
  }

  private static let byName = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

  /// The function called `name`, if there is one.
  static func named(_ name: String) -> FunctionInfo? { byName[name] }

  /// The most elements `range` makes.
  static let maxRange = 10_000_000

  /// The checks that need no values: a known function, the number of arguments, `axis=` only
  /// where it is taken. Thrown as a located diagnostic.
  static func validate(_ name: Name, args: [Expr], options: [Option], at range: SourceRange) throws {
    guard let f = named(name.text) else {
      throw Diagnostic.unknown("unknown function '\(name.text)'", name.text, in: all.map(\.name), at: name.range,
                               fallbackHint: "functions: " + all.map(\.name).joined(separator: ", "))
    }
    if !f.arity.contains(args.count) {
      let want = f.arity.count == 1 ? plural(f.arity.lowerBound, "argument")
        : "\(f.arity.lowerBound) to \(f.arity.upperBound) arguments"
      throw Diagnostic.error("\(f.name) takes \(want), not \(args.count)", at: range, hint: "e.g. \(f.example)")
    }
    for o in options where !(o.name.text == "axis" && f.takesAxis) {
      let hint = f.takesAxis ? "\(f.name) takes axis=K" : "\(f.name) takes no options"
      throw Diagnostic.error("\(f.name) has no option '\(o.name.text)'", at: o.name.range, hint: hint)
    }
  }
}

/// A number or a tensor argument, as Float64 values with a shape (`[]` for a number).
struct Numbers {
  var shape: [Int]
  var values: [Double]
  /// Whether it was a plain number (the result of an element-wise function is one too).
  var isNumber: Bool

  var value: Value {
    if isNumber || shape.isEmpty, values.count == 1 { return .number(values[0]) }
    return .tensor(Tensor(shape: shape, data: values.map { Float($0) }))
  }
}

extension Evaluator {
  /// `name(args, axis=K)`: one of `Functions.all`.
  func call(_ name: Name, _ args: [Expr], _ options: [Option], _ range: SourceRange) throws -> Value {
    try Functions.validate(name, args: args, options: options, at: range)
    if name.text == "range" { return try rangeValues(args, range) }
    guard let first = args.first else { throw Diagnostic.error("\(name.text) needs a value", at: range) }
    let x = try numbers(try evaluate(first), first.range, for: name.text)
    let axis = try options.first.map { try axisValue($0, rank: x.shape.count, for: name.text) }
    switch name.text {
    case "exp": return map(x) { Foundation.exp($0) }
    case "log":
      if let (i, v) = x.values.enumerated().first(where: { !($0.element > 0) && !$0.element.isNaN }) {
        throw Diagnostic.error("log needs positive values, but \(elementText(x, i)) is \(ValueFormat.number(v))",
                               at: first.range)
      }
      return map(x) { Foundation.log($0) }
    case "sqrt":
      if let (i, v) = x.values.enumerated().first(where: { $0.element < 0 }) {
        throw Diagnostic.error("sqrt needs values of 0 or more, but \(elementText(x, i)) is \(ValueFormat.number(v))",
                               at: first.range)
      }
      return map(x) { $0.squareRoot() }
    case "abs": return map(x) { Swift.abs($0) }
    case "sigmoid": return map(x) { 1 / (1 + Foundation.exp(-$0)) }
    case "tanh": return map(x) { Foundation.tanh($0) }
    case "relu": return map(x) { Swift.max(0, $0) }
    case "softmax": return try softmax(x, axis: axis ?? Swift.max(0, x.shape.count - 1), first.range)
    case "transpose": return transpose(x)
    default: return try reduce(name.text, x, axis: axis, first.range)
    }
  }

  /// A value as numbers, or an error naming what it is.
  func numbers(_ v: Value, _ range: SourceRange, for function: String) throws -> Numbers {
    switch v {
    case .number(let x): return Numbers(shape: [], values: [x], isNumber: true)
    case .bool(let b): return Numbers(shape: [], values: [b ? 1 : 0], isNumber: true)
    case .tensor(let t): return Numbers(shape: t.shape, values: t.data.map(Double.init), isNumber: false)
    default:
      throw Diagnostic.error("\(function) needs a number or a tensor, not \(v.kindName)", at: range)
    }
  }

  /// `axis=K` as an axis of a value of `rank` (negative counts from the end).
  func axisValue(_ o: Option, rank: Int, for function: String) throws -> Int {
    guard case .number(let k) = try evaluate(o.value), k == k.rounded(), Swift.abs(k) < 1e9 else {
      throw Diagnostic.error("axis must be a whole number", at: o.value.range)
    }
    guard rank > 0 else {
      throw Diagnostic.error("\(function) of a number has no axis", at: o.range, hint: "leave axis= out")
    }
    let a = Int(k) < 0 ? Int(k) + rank : Int(k)
    guard a >= 0 && a < rank else {
      throw Diagnostic.error("axis \(Int(k)) is out of range for a value of \(rank == 1 ? "1 axis" : "\(rank) axes")",
                             at: o.value.range,
                             hint: "axes of this value: 0…\(rank - 1) (or −1 for the last)")
    }
    return a
  }

  /// Where element `i` of `x` is, for messages: `element [1, 0]`, or `the value`.
  func elementText(_ x: Numbers, _ i: Int) -> String {
    guard !x.shape.isEmpty else { return "the value" }
    var rest = i
    var index = [Int](repeating: 0, count: x.shape.count)
    for a in stride(from: x.shape.count - 1, through: 0, by: -1) where x.shape[a] > 0 {
      index[a] = rest % x.shape[a]
      rest /= x.shape[a]
    }
    return "element [" + index.map(String.init).joined(separator: ", ") + "]"
  }

  func map(_ x: Numbers, _ f: (Double) -> Double) -> Value {
    var y = x
    y.values = x.values.map(f)
    return y.value
  }

  /// Sizes of the axes before `axis`, of `axis`, and after it.
  private func split(_ shape: [Int], _ axis: Int) -> (outer: Int, n: Int, inner: Int) {
    (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
  }

  func softmax(_ x: Numbers, axis: Int, _ range: SourceRange) throws -> Value {
    if x.shape.isEmpty { return .number(1) }
    let (outer, n, inner) = split(x.shape, axis)
    var y = x
    for o in 0..<outer {
      for i in 0..<inner {
        let idx = (0..<n).map { (o * n + $0) * inner + i }
        let top = idx.map { x.values[$0] }.max() ?? 0
        let e = idx.map { Foundation.exp(x.values[$0] - top) }
        let total = e.reduce(0, +)
        for (k, j) in idx.enumerated() { y.values[j] = e[k] / total }
      }
    }
    return y.value
  }

  func transpose(_ x: Numbers) -> Value {
    guard x.shape.count >= 2 else { return x.value }
    let shape = Array(x.shape.reversed())
    let rank = shape.count
    var strides = [Int](repeating: 1, count: rank)
    for a in stride(from: rank - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * x.shape[a + 1] }
    var out = [Double](repeating: 0, count: x.values.count)
    var index = [Int](repeating: 0, count: rank)  // index into the result
    for k in 0..<out.count {
      var source = 0
      for a in 0..<rank { source += index[a] * strides[rank - 1 - a] }
      out[k] = x.values[source]
      var a = rank - 1
      while a >= 0 {
        index[a] += 1
        if index[a] < shape[a] { break }
        index[a] = 0
        a -= 1
      }
    }
    return Numbers(shape: shape, values: out, isNumber: false).value
  }

  /// sum, mean, max, min, argmax: over everything (a number), or along `axis`.
  func reduce(_ name: String, _ x: Numbers, axis: Int?, _ range: SourceRange) throws -> Value {
    if x.values.isEmpty && name != "sum" {
      throw Diagnostic.error("\(name) of an empty tensor has no value", at: range)
    }
    let f: ([Double]) -> Double
    switch name {
    case "sum": f = { $0.reduce(0, +) }
    case "mean": f = { $0.reduce(0, +) / Double(Swift.max($0.count, 1)) }
    case "max": f = { $0.max() ?? .nan }
    case "min": f = { $0.min() ?? .nan }
    default: f = { v in Double(v.indices.max(by: { v[$0] < v[$1] || (v[$0].isNaN && !v[$1].isNaN) }) ?? 0) }
    }
    guard let axis else { return .number(f(x.values)) }
    let (outer, n, inner) = split(x.shape, axis)
    if n == 0 && name != "sum" { throw Diagnostic.error("\(name) along an empty axis has no value", at: range) }
    var out: [Double] = []
    out.reserveCapacity(outer * inner)
    for o in 0..<outer {
      for i in 0..<inner { out.append(f((0..<n).map { x.values[(o * n + $0) * inner + i] })) }
    }
    var shape = x.shape
    shape.remove(at: axis)
    return Numbers(shape: shape, values: out, isNumber: false).value
  }

  /// `range(N)`, `range(A, B)`, `range(A, B, STEP)`: whole numbers or not, as Python's (and
  /// NumPy's arange) but at most `Functions.maxRange` values.
  func rangeValues(_ args: [Expr], _ range: SourceRange) throws -> Value {
    let xs = try args.map { e -> Double in
      guard case .number(let x) = try evaluate(e), x.isFinite else {
        throw Diagnostic.error("range needs numbers", at: e.range, hint: "e.g. range(3) or range(1, 10, 2)")
      }
      return x
    }
    let (start, stop, step) = xs.count == 1 ? (0, xs[0], 1.0) : (xs[0], xs[1], xs.count == 3 ? xs[2] : 1)
    guard step != 0 else {
      throw Diagnostic.error("the step of range cannot be 0", at: args[2].range)
    }
    let count = Swift.max(0, ((stop - start) / step).rounded(.up))
    guard count <= Double(Functions.maxRange) else {
      throw Diagnostic.error("range(…) would make \(ValueFormat.number(count)) numbers; at most \(Functions.maxRange) are allowed",
                             at: range)
    }
    let values = (0..<Int(count)).map { start + Double($0) * step }
    return .tensor(Tensor(shape: [values.count], data: values.map { Float($0) }))
  }

  // MARK: the matrix product

  /// `a @ b`: (m, k) @ (k, n) → (m, n); a vector on either side counts as a row (left) or a
  /// column (right), as NumPy's; two vectors give their dot product.
  func matrixProduct(_ l: Value, _ r: Value, _ lhs: Expr, _ rhs: Expr, _ range: SourceRange) throws -> Value {
    guard case .tensor(let a) = l, a.rank >= 1 else {
      throw Diagnostic.error("'@' multiplies matrices, but this is \(l.kindName)", at: lhs.range,
                             hint: "for a number use '*'")
    }
    guard case .tensor(let b) = r, b.rank >= 1 else {
      throw Diagnostic.error("'@' multiplies matrices, but this is \(r.kindName)", at: rhs.range,
                             hint: "for a number use '*'")
    }
    guard a.rank <= 2, b.rank <= 2 else {
      let big = a.rank > 2 ? lhs : rhs
      throw Diagnostic.error("'@' takes vectors and matrices, not a tensor of shape \(ValueFormat.shape(a.rank > 2 ? a.shape : b.shape))",
                             at: big.range)
    }
    let (m, k) = a.rank == 2 ? (a.shape[0], a.shape[1]) : (1, a.shape[0])
    let (k2, n) = b.rank == 2 ? (b.shape[0], b.shape[1]) : (b.shape[0], 1)
    guard k == k2 else {
      let left = a.rank == 2 ? "\(plural(k, "column"))" : "\(k) elements"
      let right = b.rank == 2 ? "\(plural(k2, "row"))" : "\(k2) elements"
      throw Diagnostic.error(
        "shapes \(ValueFormat.shape(a.shape)) and \(ValueFormat.shape(b.shape)) do not fit for '@': "
          + "the left side has \(left), the right side \(right)", at: range,
        hint: "the left's columns must match the right's rows; transpose(…) swaps them")
    }
    var out = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for t in 0..<k { s += Double(a.data[i * k + t]) * Double(b.data[t * n + j]) }
        out[i * n + j] = Float(s)
      }
    }
    if a.rank == 1 && b.rank == 1 { return .number(Double(out[0])) }
    let shape = a.rank == 1 ? [n] : b.rank == 1 ? [m] : [m, n]
    return .tensor(Tensor(shape: shape, data: out))
  }

  /// The broadcasting trap: `x * w` with two matrices that both get stretched (a (1, 2) row
  /// times a (2, 1) column gives a (2, 2) table of every product) when `x @ w` would fit.
  /// That is almost never what a learner computing z = x·w meant, so it is an error.
  func checkBroadcastTrap(_ a: Tensor, _ b: Tensor, _ result: [Int], _ range: SourceRange) throws {
    guard a.rank == 2, b.rank == 2, a.shape != result, b.shape != result, a.shape[1] == b.shape[0] else { return }
    throw Diagnostic.error(
      "'*' multiplies element by element: \(ValueFormat.shape(a.shape)) * \(ValueFormat.shape(b.shape)) "
        + "would broadcast both sides to a \(ValueFormat.shape(result)) table of every product", at: range,
      hint: "for the matrix product (z = x·w) write x @ w; for element-wise products give both sides the same shape")
  }
}
