import Autograd
import NeuralNet

/// Evaluates expressions to values against a session's names.
///
/// Numbers, strings, booleans, list literals (nested lists become tensors), arithmetic on
/// numbers and tensors (broadcasting), unary minus, member access (`net.dense_1.weights`,
/// `train.x`, `net.history.loss`) and indexing (`x[0]`).
struct Evaluator {
  let session: Session

  /// The value of `e`; errors are located at the offending sub-expression.
  func evaluate(_ e: Expr) throws -> Value {
    switch e.kind {
    case .number(let x, _): return .number(x)
    case .string(let s): return .string(s)
    case .bool(let b): return .bool(b)
    case .shape(let dims): return .tensor(Tensor(shape: [dims.count], data: dims.map(Float.init)))
    case .identifier(let name): return try lookup(name, e.range)
    case .list(let items): return try list(items, e.range)
    case .member(let base, let member):
      if member.text == Evaluator.gradMember, let g = try gradient(base, member) { return g }
      return try self.member(try evaluate(base), member, base)
    case .index(let base, let index): return try self.index(try evaluate(base), index, e.range)
    case .call(let name, let args, let options):
      guard Functions.named(name.text) != nil else {
        throw Diagnostic.unknown("unknown function '\(name.text)'", name.text, in: Functions.all.map(\.name), at: name.range,
                                 fallbackHint: "calls such as adam(lr=0.01) are written as option values: optimizer=adam(lr=0.01)")
      }
      return try call(name, args, options, e.range)
    case .apply(let base, let args): return try apply(base, args, e.range)
    case .unary(_, let x): return try negate(try evaluate(x), e.range)
    case .binary(.matmul, let l, let r):
      return try matrixProduct(try evaluate(l), try evaluate(r), l, r, e.range)
    case .binary(let op, let l, let r): return try arithmetic(op, try evaluate(l), try evaluate(r), e.range)
    }
  }

  /// A name's value, with a suggestion when it is unknown.
  func lookup(_ name: String, _ range: SourceRange) throws -> Value {
    if let v = session.value(named: name) { return v }
    throw Diagnostic.unknown("unknown name '\(name)'", name, in: session.names, at: range)
  }

  /// A list literal: numbers (at any nesting, rectangular) become a tensor, else a list.
  func list(_ items: [Expr], _ range: SourceRange) throws -> Value {
    let values = try items.map(evaluate)
    if values.isEmpty { return .tensor(Tensor(shape: [0], data: [])) }
    var tensors: [Tensor] = []
    for v in values {
      switch v {
      case .number(let x): tensors.append(Tensor(scalar: Float(x)))
      case .bool(let b): tensors.append(Tensor(scalar: b ? 1 : 0))
      case .tensor(let t): tensors.append(t)
      default: return .list(values)
      }
    }
    let first = tensors[0].shape
    for (i, t) in tensors.enumerated() where t.shape != first {
      throw Diagnostic.error(
        "rows of a matrix must have the same shape: item \(i + 1) has shape \(ValueFormat.shape(t.shape)), item 1 has \(ValueFormat.shape(first))",
        at: items[i].range)
    }
    var data: [Float] = []
    data.reserveCapacity(tensors.count * (tensors.first?.count ?? 0))
    for t in tensors { data.append(contentsOf: t.data) }
    return .tensor(Tensor(shape: [tensors.count] + first, data: data))
  }

  func member(_ base: Value, _ m: Name, _ baseExpr: Expr) throws -> Value {
    switch base {
    case .model(let ref): return try modelMember(ref, m)
    case .layer(let ref, let layer):
      if let p = ref.network.parameter(layer: layer, name: m.text) { return .tensor(p.variable.value) }
      let names = ref.network.parameterNames(of: layer)
      throw Diagnostic.unknown("layer '\(layer)' has no parameter '\(m.text)'", m.text, in: names, at: m.range,
                               fallbackHint: names.isEmpty ? "'\(layer)' has no parameters"
                                 : "its parameters: " + names.joined(separator: ", "))
    case .dataset(let d): return try datasetMember(d, m)
    case .stream(let s): return try streamMember(s, m)
    case .tensor(let t):
      if m.text == "shape" { return .list(t.shape.map { .number(Double($0)) }) }
      throw Diagnostic.error("a tensor has no member '\(m.text)'", at: m.range,
                             hint: m.text == Evaluator.gradMember ? "a layer's parameter has one: net.dense_1.weights.grad"
                               : "tensors have: shape")
    default:
      throw Diagnostic.error("\(base.kindName) has no members", at: m.range)
    }
  }

  func modelMember(_ ref: ModelRef, _ m: Name) throws -> Value {
    if ref.network.layers.contains(where: { $0.name == m.text }) { return .layer(ref, m.text) }
    if m.text == "history" { return .list(ref.history.names.map { .string($0) }) }
    if m.text == Evaluator.vocabularyMember, let t = ref.tokenizer { return Evaluator.vocabulary(t) }
    let names = ref.network.layers.map(\.name)
    throw Diagnostic.unknown("model '\(ref.name)' has no layer '\(m.text)'", m.text, in: names, at: m.range,
                             fallbackHint: "its layers: " + names.joined(separator: ", "))
  }

  func datasetMember(_ d: Dataset, _ m: Name) throws -> Value {
    switch m.text {
    case "x": return .tensor(d.x)
    case "y":
      guard let y = d.y else { throw Diagnostic.error("this dataset has no target", at: m.range) }
      return .tensor(y)
    case "rows", "count": return .number(Double(d.count))
    case "shape": return .list(d.x.shape.map { .number(Double($0)) })
    case "features": return .list(d.featureNames.map { .string($0) })
    case "classes": return .list((d.classNames ?? []).map { .string($0) })
    case Evaluator.vocabularyMember:
      guard let t = d.tokenizer else {
        throw Diagnostic.error("this dataset has no vocabulary", at: m.range,
                               hint: "a text column loaded with text=COLUMN vocab=V length=L has one")
      }
      return Evaluator.vocabulary(t)
    default:
      throw Diagnostic.error("a dataset has no member '\(m.text)'", at: m.range,
                             hint: "datasets have: x, y, rows, shape, features, classes, vocab")
    }
  }

  /// The members of a streamed dataset: what its survey and splits know without reading it.
  func streamMember(_ s: StreamDataset, _ m: Name) throws -> Value {
    switch m.text {
    case "rows", "count": return .number(Double(s.count))
    case "shape": return .list(([s.count] + s.featureShape).map { .number(Double($0)) })
    case "features": return .list(s.featureNames.map { .string($0) })
    case "classes": return .list((s.classNames ?? []).map { .string($0) })
    case "x", "y":
      throw Diagnostic.error("a streamed dataset is not in memory: it has no '\(m.text)' tensor", at: m.range,
                             hint: "load it without stream=true to use its tensors; a stream has rows, shape, features, classes")
    default:
      throw Diagnostic.error("a streamed dataset has no member '\(m.text)'", at: m.range,
                             hint: "streamed datasets have: rows, shape, features, classes")
    }
  }

  /// `reviews.vocab`, `model.vocab`: the words by id (`<pad>`, `<unk>`, then the vocabulary).
  static let vocabularyMember = "vocab"

  static func vocabulary(_ t: Tokenizer) -> Value {
    .list((Tokenizer.reservedNames + t.words).map { .string($0) })
  }

  func index(_ base: Value, _ indexExpr: Expr, _ range: SourceRange) throws -> Value {
    // A dataset indexes its samples: `test[0]` is the first sample's features (e.g. 8×8×1).
    if case .dataset(let d) = base { return try index(.tensor(d.x), indexExpr, range) }
    guard case .tensor(let t) = base, t.rank >= 1 else {
      throw Diagnostic.error("only tensors can be indexed; this is \(base.kindName)", at: range)
    }
    guard case .number(let x) = try evaluate(indexExpr), x == x.rounded() else {
      throw Diagnostic.error("an index must be a whole number", at: indexExpr.range)
    }
    let n = t.shape[0]
    guard abs(x) < 1e15 else {
      throw Diagnostic.error("index \(ValueFormat.number(x)) is out of range for \(plural(n, "row"))", at: indexExpr.range)
    }
    var i = Int(x)
    if i < 0 { i += n }
    guard i >= 0 && i < n else {
      throw Diagnostic.error("index \(Int(x)) is out of range for \(plural(n, "row"))", at: indexExpr.range)
    }
    let inner = Array(t.shape.dropFirst())
    let size = inner.reduce(1, *)
    let row = Tensor(shape: inner, data: Array(t.data[(i * size)..<((i + 1) * size)]))
    return inner.isEmpty ? .number(Double(row.scalar)) : .tensor(row)
  }

  func negate(_ v: Value, _ range: SourceRange) throws -> Value {
    switch v {
    case .number(let x): return .number(-x)
    case .tensor(let t): return .tensor(t.map { -$0 })
    default: throw Diagnostic.error("cannot negate \(v.kindName)", at: range)
    }
  }

  func arithmetic(_ op: BinaryOp, _ l: Value, _ r: Value, _ range: SourceRange) throws -> Value {
    let f: (Float, Float) -> Float
    switch op {
    case .add: f = (+)
    case .subtract: f = (-)
    case .multiply: f = (*)
    case .divide: f = (/)
    case .matmul: f = (*)  // not reached: `@` is `matrixProduct`
    }
    switch (l, r) {
    case (.number(let a), .number(let b)):
      switch op {
      case .add: return .number(a + b)
      case .subtract: return .number(a - b)
      case .multiply: return .number(a * b)
      case .divide:
        if b == 0 { throw Diagnostic.error("division by zero", at: range) }
        return .number(a / b)
      case .matmul:
        throw Diagnostic.error("'@' multiplies matrices, not numbers", at: range, hint: "for numbers use '*'")
      }
    case (.string(let a), .string(let b)) where op == .add: return .string(a + b)
    default:
      guard let a = tensorOf(l), let b = tensorOf(r) else {
        throw Diagnostic.error("cannot combine \(l.kindName) and \(r.kindName) with '\(op.rawValue)'", at: range)
      }
      guard let shape = Broadcast.shape(a.shape, b.shape) else {
        let product = op == .multiply && a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[0]
        throw Diagnostic.error(
          "shapes \(ValueFormat.shape(a.shape)) and \(ValueFormat.shape(b.shape)) do not broadcast", at: range,
          hint: product ? "'*' multiplies element by element; for the matrix product write '@'" : nil)
      }
      if op == .multiply { try checkBroadcastTrap(a, b, shape, range) }
      return .tensor(Broadcast.apply(a, b, shape, f))
    }
  }

  func tensorOf(_ v: Value) -> Tensor? {
    switch v {
    case .number(let x): return Tensor(scalar: Float(x))
    case .tensor(let t): return t
    default: return nil
    }
  }
}
