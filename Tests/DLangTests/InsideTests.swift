import Autograd
import Foundation
import NeuralNet
import TermPlot
import Testing
@testable import DLang

/// Seeing inside: the calculator functions and `@`, loops, gradients and activations as
/// values, and `trace` on the notes' worked example, checked against numbers computed by hand.
@Suite("inside: calculator, loops, trace")
struct InsideTests {
  /// Runs `source` in a fresh session; its stdout and stderr, and whether it succeeded.
  static func run(_ source: String, style: RenderStyle = .unicode) -> (ok: Bool, out: String, err: String, session: Session) {
    let out = RecordingOutput(style: style)
    let s = Session(output: out)
    let ok = s.run(source, file: "<test>")
    return (ok, out.stdout, out.stderr + out.diagnostics.map { "\($0)" }.joined(separator: "\n"), s)
  }

  /// The number a name holds after running `source`.
  static func number(_ source: String, _ name: String) -> Double? {
    let r = run(source)
    switch r.session.value(named: name) {
    case .number(let x)?: return x
    case .tensor(let t)? where t.count == 1: return Double(t.data[0])
    default: return nil
    }
  }

  static func tensor(_ source: String, _ name: String) -> Tensor? {
    if case .tensor(let t)? = run(source).session.value(named: name) { return t }
    return nil
  }

  // MARK: the calculator

  @Test("element-wise functions match Foundation's, on numbers and tensors")
  func elementwise() throws {
    let cases: [(String, Double)] = [
      ("exp(2.5)", Foundation.exp(2.5)), ("log(0.25)", Foundation.log(0.25)), ("sqrt(2)", 2.0.squareRoot()),
      ("abs(-3)", 3), ("sigmoid(2.5)", 1 / (1 + Foundation.exp(-2.5))), ("tanh(0.5)", Foundation.tanh(0.5)),
      ("relu(-2)", 0), ("relu(1.5)", 1.5),
    ]
    for (expr, want) in cases {
      let got = try #require(Self.number("v = \(expr)", "v"), "\(expr)")
      #expect(Swift.abs(got - want) < 1e-12, "\(expr): \(got) vs \(want)")
    }
    let t = try #require(Self.tensor("v = sigmoid([[0, 2.5], [-1, 1]])", "v"))
    #expect(t.shape == [2, 2])
    #expect(Swift.abs(Double(t.data[1]) - 0.9241418) < 1e-6)
    #expect(Swift.abs(Double(t.data[2]) - 1 / (1 + Foundation.exp(1.0))) < 1e-6)
  }

  @Test("reductions over everything and along an axis; argmax; softmax rows sum to one; transpose")
  func reductions() throws {
    let m = "m = [[1, 5, 3], [4, 2, 6]]\n"
    #expect(Self.number(m + "v = sum(m)", "v") == 21)
    #expect(Self.number(m + "v = mean(m)", "v") == 3.5)
    #expect(Self.number(m + "v = max(m)", "v") == 6)
    #expect(Self.number(m + "v = min(m)", "v") == 1)
    #expect(Self.number(m + "v = argmax(m)", "v") == 5)
    #expect(Self.tensor(m + "v = sum(m, axis=0)", "v")?.data == [5, 7, 9])
    #expect(Self.tensor(m + "v = max(m, axis=1)", "v")?.data == [5, 6])
    #expect(Self.tensor(m + "v = argmax(m, axis=-1)", "v")?.data == [1, 2])
    #expect(Self.tensor(m + "v = mean(m, axis=1)", "v")?.data == [3, 4])
    let t = try #require(Self.tensor(m + "v = transpose(m)", "v"))
    #expect(t.shape == [3, 2] && t.data == [1, 4, 5, 2, 3, 6])
    let s = try #require(Self.tensor(m + "v = softmax(m)", "v"))
    let e = [1.0, 5, 3].map { Foundation.exp($0 - 5) }
    #expect(Swift.abs(Double(s.data[0]) - e[0] / e.reduce(0, +)) < 1e-6)
    #expect(Swift.abs(Double(s.data[0] + s.data[1] + s.data[2]) - 1) < 1e-6)
    let c = try #require(Self.tensor(m + "v = softmax(m, axis=0)", "v"))
    #expect(Swift.abs(Double(c.data[0] + c.data[3]) - 1) < 1e-6)
  }

  @Test("range as Python's")
  func ranges() {
    #expect(Self.tensor("v = range(4)", "v")?.data == [0, 1, 2, 3])
    #expect(Self.tensor("v = range(1, 10, 3)", "v")?.data == [1, 4, 7])
    #expect(Self.tensor("v = range(3, 0, -1)", "v")?.data == [3, 2, 1])
    #expect(Self.tensor("v = range(0)", "v")?.count == 0)
  }

  @Test("@ is the matrix product with NumPy's vector rules")
  func matrixProduct() throws {
    let z = try #require(Self.tensor("v = [[2, 5]] @ [[0.4], [0.3]] + [0.2]", "v"))
    #expect(z.shape == [1, 1])
    #expect(Swift.abs(Double(z.data[0]) - 2.5) < 1e-6)
    let m = try #require(Self.tensor("v = [[1, 2], [3, 4]] @ [[5, 6], [7, 8]]", "v"))
    #expect(m.data == [19, 22, 43, 50])
    #expect(Self.number("v = [1, 2, 3] @ [4, 5, 6]", "v") == 32)
    #expect(Self.tensor("v = [[1, 2], [3, 4]] @ [1, 1]", "v")?.data == [3, 7])
    #expect(Self.tensor("v = [1, 1] @ [[1, 2], [3, 4]]", "v")?.data == [4, 6])
  }

  @Test("checker errors of the calculator are located")
  func calculatorErrors() {
    func first(_ source: String) -> String {
      let out = RecordingOutput()
      _ = Session(output: out).run(source, file: "<t>")
      return out.diagnostics.first.map { "\($0.range.start): \($0.message)" } ?? "(none)"
    }
    #expect(first("v = [[1, 2]] @ [[1, 2]]")
            == "1:5: shapes (1, 2) and (1, 2) do not fit for '@': the left side has 2 columns, the right side 1 row")
    #expect(first("v = [[2, 5]] * [[0.4], [0.3]]").hasPrefix("1:5: '*' multiplies element by element: (1, 2) * (2, 1)"))
    #expect(first("v = expp(1)") == "1:5: unknown function 'expp'; did you mean 'exp'?")
    #expect(first("v = exp(1, 2)") == "1:5: exp takes 1 argument, not 2")
    #expect(first("v = sum([1, 2], axes=0)") == "1:17: sum has no option 'axes'")
    #expect(first("v = log([1, -1])") == "1:9: log needs positive values, but element [1] is -1")
    #expect(first("v = sum([[1]], axis=2)") == "1:21: axis 2 is out of range for a value of 2 axes")
    #expect(first("v = range(1, 5, 0)") == "1:17: the step of range cannot be 0")
    #expect(first("v = 2 @ 3") == "1:5: '@' multiplies matrices, but this is a number")
  }

  @Test("the parser: '@' binds as '*', a layer applied to a value, loops with nested blocks")
  func parsing() throws {
    func sketch(_ source: String) -> [String] {
      let p = Parser.parse(source: source)
      return p.diagnostics.isEmpty ? p.statements.map(\.sketch) : p.diagnostics.map { "\($0.range.start): \($0.message)" }
    }
    #expect(sketch("v = a + b @ c * d") == ["v = (a + ((b @ c) * d))"])
    #expect(sketch("v = net.dense_1(x[0]) + 1") == ["v = (net.dense_1(x[0]) + 1)"])
    #expect(sketch("v = sum(x, axis=0)") == ["v = sum(x, axis=0)"])
    #expect(sketch("for i in range(3) { for j in [1, 2] { print i; print j }\n  print i\n}")
            == ["for i in range(3) { for j in [1, 2] { print i; print j }; print i }"])
    #expect(sketch("for s in [1] {\n}") == ["for s in [1] {  }"])
  }

  // MARK: loops

  @Test("for runs its block per item, nested, with one-line and multi-line bodies")
  func loops() {
    let r = Self.run("""
      total = 0
      for i in range(3) {
        for j in [10, 20] { total = total + i * j }
      }
      for row in [[1, 2], [3, 4]] { print sum(row) }
      for name in ["a", "b"] {
        print name
      }
      """)
    #expect(r.ok, "\(r.err)")
    guard case .number(let total)? = r.session.value(named: "total") else { Issue.record("no total"); return }
    #expect(total == 90)
    #expect(r.out == "3\n7\na\nb\n")
  }

  @Test("the same seed gives the same result, in a loop")
  func seedsInALoop() {
    let r = Self.run("""
      x = [[0, 0], [0, 1], [1, 0], [1, 1]]
      y = [0, 1, 1, 0]
      for s in [1, 2, 1] {
        seed s
        model net { input 2; dense 4 tanh; dense 1 sigmoid }
        print net.dense_1.weights[0][0]
      }
      """)
    #expect(r.ok, "\(r.err)")
    // The model block echoes its layers; the printed weights are the lines that are numbers.
    let lines = r.out.split(separator: "\n").filter { Double($0) != nil }
    #expect(lines.count == 3)
    #expect(lines.count == 3 && lines[0] == lines[2] && lines[0] != lines[1], "\(r.out)")
  }

  @Test("loop mistakes are located; a block's statements are checked before anything runs")
  func loopErrors() {
    func messages(_ source: String) -> [String] {
      let out = RecordingOutput()
      _ = Session(output: out).run(source, file: "<t>")
      return out.diagnostics.map { "\($0.range.start): \($0.message)" }
    }
    #expect(messages("for s [1, 2] { print s }") == ["1:7: expected 'in' after 'for s'"])
    #expect(messages("for s in 3 { print s }")
            == ["1:10: a loop runs over a list, a range(…) or a tensor's rows, not over a number"])
    #expect(messages("print 1\nfor s in [1] {\n  print t\n}") == ["3:9: unknown name 't'"])
    #expect(messages("for s in [1] {\n  print s\n") == ["2:10: unclosed '{' opened at 1:14"])
    #expect(messages("for s in [1] print s") == ["1:14: expected '{' after 'for s in …'"])
  }

  @Test("an open for block continues in the REPL")
  func inputStatus() {
    #expect(InputStatus.of("for i in range(3) {") == .incomplete)
    #expect(InputStatus.of("for i in range(3) {\n  for j in [1] {\n    print i\n  }") == .incomplete)
    #expect(InputStatus.of("for i in range(3) {\n  print i\n}") == .complete)
  }

  // MARK: gradients and activations

  @Test(".grad is the last step's gradient; an error before any step")
  func gradValues() throws {
    let setup = """
      x = [[2, 5]]
      y = [0]
      model n { input 2; dense 1 sigmoid }
      n.dense_1.weights = [[0.4], [0.3]]
      n.dense_1.bias = [0.2]
      compile n loss=mse optimizer=sgd(lr=0.1)
      """
    let before = Self.run(setup + "\nprint n.dense_1.weights.grad")
    #expect(!before.ok)
    #expect(before.err.contains("n.dense_1.weights has no gradient yet"), "\(before.err)")
    let after = try #require(Self.tensor(setup + "\nfit n x y epochs=1 batch=1 verbose=0\ng = n.dense_1.weights.grad", "g"))
    let p = 1 / (1 + Foundation.exp(-2.5))
    let dz = 2 * p * p * (1 - p)
    #expect(after.shape == [2, 1])
    #expect(Swift.abs(Double(after.data[0]) - 2 * dz) < 1e-5 && Swift.abs(Double(after.data[1]) - 5 * dz) < 1e-5)
  }

  @Test("a layer applied to a value, and activations, give the layer outputs")
  func layerOutputs() throws {
    let setup = """
      x = [[2, 5], [0, 0]]
      model n { input 2; dense 2 relu; dense 1 sigmoid }
      n.dense_1.weights = [[1, -1], [0.5, 0]]
      n.dense_1.bias = [0, 1]
      n.dense_2.weights = [[1], [2]]
      n.dense_2.bias = [-1]
      """
    let h = try #require(Self.tensor(setup + "\nh = n.dense_1(x)", "h"))
    #expect(h.shape == [2, 2] && h.data == [4.5, 0, 0, 1])
    let one = try #require(Self.tensor(setup + "\nh = n.dense_2(x[1])", "h"))
    #expect(one.shape == [1, 1] && Swift.abs(Double(one.data[0]) - 1 / (1 + Foundation.exp(-1.0))) < 1e-6)
    let r = Self.run(setup + "\nactivations n x")
    #expect(r.ok, "\(r.err)")
    #expect(r.out.contains("dense_1 (Dense) (2, 2)\n  [[4.5000, 0.0000], [0.0000, 1.0000]]"), "\(r.out)")
  }

  // MARK: trace and the worked example

  /// The notes' neuron: inputs 2 and 5, weights 0.4 and 0.3, bias 0.2, true answer 0.
  static let neuron = """
    x = [[2, 5]]
    y = [0]
    model neuron { input 2; dense 1 sigmoid }
    neuron.dense_1.weights = [[0.4], [0.3]]
    neuron.dense_1.bias = [0.2]
    """

  @Test("trace reproduces the worked example under MSE: numbers computed by hand")
  func traceMSE() throws {
    let r = Self.run(Self.neuron + "\ncompile neuron loss=mse optimizer=sgd(lr=0.1)\ntrace neuron x y")
    #expect(r.ok, "\(r.err)")
    // By hand: z = 2·0.4 + 5·0.3 + 0.2; p = σ(z); L = (p − 0)²; dL/dp = 2p; dp/dz = p(1 − p).
    let z = 2 * 0.4 + 5 * 0.3 + 0.2
    let p = 1 / (1 + Foundation.exp(-z))
    let loss = p * p
    let dz = 2 * p * p * (1 - p)
    let w1 = 0.4 - 0.1 * 2 * dz, w2 = 0.3 - 0.1 * 5 * dz, b = 0.2 - 0.1 * dz
    func f(_ x: Double) -> String { String(format: "%.4f", x) }
    #expect(f(z) == "2.5000" && f(p) == "0.9241" && f(loss) == "0.8540")
    #expect(r.out.contains("z = 2.0000·0.4000 + 5.0000·0.3000 + 0.2000 = \(f(z))"), "\(r.out)")
    #expect(r.out.contains("y = sigmoid(z) = [[\(f(p))]]"))
    #expect(r.out.contains("(\(f(p)) − 0.0000)²"))
    #expect(r.out.contains("= \(f(loss))   (t = [[0.0000]])"))
    #expect(r.out.contains("dL/dy = [[\(f(2 * p))]]"))
    #expect(r.out.contains("dL/dz = dL/dy ⊙ y(1 − y) = [[\(f(dz))]]"))
    #expect(r.out.contains("dL/dW = xᵀ·dL/dz = [[\(f(2 * dz))], [\(f(5 * dz))]]"))
    #expect(r.out.contains("after:  [[\(f(w1))], [\(f(w2))]]"))
    #expect(r.out.contains("after:  [\(f(b))]"))
    // The step really updated the model.
    guard case .model(let m)? = r.session.value(named: "neuron"),
          let w = m.network.parameter(layer: "dense_1", name: "weights")?.variable.value else {
      Issue.record("no model"); return
    }
    #expect(Swift.abs(Double(w.data[0]) - w1) < 1e-6 && Swift.abs(Double(w.data[1]) - w2) < 1e-6)
    #expect(m.lastGradients["dense_1.weights"].map { Swift.abs(Double($0.data[1]) - 5 * dz) < 1e-6 } == true)
  }

  @Test("trace under binary cross-entropy: −ln(1 − p) and dL/dz = p − t")
  func traceBCE() throws {
    let r = Self.run(Self.neuron + "\ncompile neuron loss=binary_crossentropy optimizer=sgd(lr=0.1)\ntrace neuron x y")
    #expect(r.ok, "\(r.err)")
    let p = 1 / (1 + Foundation.exp(-2.5))
    let bce = -Foundation.log(1 - p)
    func f(_ x: Double) -> String { String(format: "%.4f", x) }
    #expect(f(bce) == "2.5789")
    #expect(r.out.contains("−ln(1 − \(f(p)))"), "\(r.out)")
    #expect(r.out.contains("= \(f(bce))   (t = [[0.0000]])"))
    #expect(r.out.contains("dL/dz = dL/dy ⊙ y(1 − y) = [[\(f(p))]]"))
    #expect(r.out.contains("after:  [[\(f(0.4 - 0.1 * 2 * p))], [\(f(0.3 - 0.1 * 5 * p))]]"))
  }

  @Test("trace summarises large layers and refuses what it cannot explain")
  func traceLimits() {
    let big = Self.run("""
      seed 0
      x = [[1, 2, 3, 4]]
      model m { input 4; dense 16 relu; dense 1 }
      compile m loss=mse optimizer=adam
      trace m x [1]
      """)
    #expect(big.ok, "\(big.err)")
    #expect(big.out.contains("W = shape (4, 16), norm "), "\(big.out)")
    #expect(big.out.contains("update: adam's step from dL/dw"))
    // Piped output spells the math in ASCII.
    let piped = Self.run(Self.neuron + "\ncompile neuron loss=mse optimizer=sgd(lr=0.1)\ntrace neuron x y", style: .ascii)
    #expect(piped.out.contains("z = 2.0000*0.4000 + 5.0000*0.3000 + 0.2000 = 2.5000"), "\(piped.out)")
    #expect(piped.out.contains("update: w <- w - lr*dL/dw with lr = 0.1"))
    #expect(!piped.out.contains("−") && !piped.out.contains("·"))
    let conv = Self.run("""
      model c { input 4x4x1; conv2d 1 3x3; flatten; dense 1 }
      compile c loss=mse optimizer=sgd
      trace c [[[[0], [0], [0], [0]], [[0], [0], [0], [0]], [[0], [0], [0], [0]], [[0], [0], [0], [0]]]] [1]
      """)
    #expect(!conv.ok)
    #expect(conv.err.contains("trace explains dense and activation layers; conv2d_1 is a Conv2D layer"), "\(conv.err)")
    let uncompiled = Self.run("model u { input 1; dense 1 }\ntrace u [[1]] [1]")
    #expect(uncompiled.err.contains("model 'u' is not compiled yet"), "\(uncompiled.err)")
  }
}
