import Autograd
import NeuralNet
import Testing

/// A parameter holding `w` with gradient `g`.
private func param(_ w: [Float], grad g: [Float]) -> Parameter {
  let v = Variable(Tensor(shape: [w.count], data: w), requiresGrad: true)
  v.grad = Tensor(shape: [g.count], data: g)
  return Parameter(name: "weights", variable: v)
}

private func step(_ opt: Optimizer, _ p: Parameter, grad g: [Float]) {
  p.variable.grad = Tensor(shape: [g.count], data: g)
  opt.step([p])
}

@Suite struct OptimizerTests {
  @Test func kerasDefaults() {
    let a = Adam()
    #expect(a.learningRate == 0.001 && a.beta1 == 0.9 && a.beta2 == 0.999 && a.epsilon == 1e-7)
    let s = SGD()
    #expect(s.learningRate == 0.01 && s.momentum == 0 && !s.nesterov)
    let r = RMSprop()
    #expect(r.learningRate == 0.001 && r.rho == 0.9 && r.epsilon == 1e-7)
    #expect(Optimizers.allNames == ["adam", "sgd", "rmsprop"])
    #expect(Optimizers.info("adam")!.parameters.map(\.name) == ["lr", "beta1", "beta2", "eps"])
    #expect(Optimizers.info("sgd")!.parameters.map(\.name) == ["lr", "momentum", "nesterov"])
    #expect(Optimizers.info("rmsprop")!.parameters.map(\.name) == ["lr", "rho", "eps"])
  }

  @Test func makeByName() throws {
    let o = try Optimizers.make("SGD", arguments: ["lr": 0.1, "momentum": 0.9, "nesterov": 1])
    let s = try #require(o as? SGD)
    #expect(s.learningRate == 0.1 && s.momentum == 0.9 && s.nesterov)
    let a = try #require(try Optimizers.make("adam", arguments: ["learning_rate": 0.05]) as? Adam)
    #expect(a.learningRate == 0.05 && a.beta2 == 0.999)
    #expect(throws: ModelError.self) { try Optimizers.make("adamw") }
    if let error = #expect(throws: (any Error).self, performing: { _ = try Optimizers.make("adam", arguments: ["momentum": 0.9]) }) {
      #expect("\(error)" == "adam has no setting 'momentum'; its settings are: lr, beta1, beta2, eps")
    }
  }

  @Test func sgdStep() {
    let p = param([1, -2], grad: [0.5, -1])
    SGD(lr: 0.1).step([p])
    #expect(p.variable.value.data == [1 - 0.05, -2 + 0.1])
    #expect(p.variable.grad == nil)
  }

  @Test func sgdMomentum() {
    let opt = SGD(lr: 0.1, momentum: 0.9)
    let p = param([1], grad: [0.5])
    opt.step([p])                // v = −0.05; w = 0.95
    #expect(close(p.variable.value.data[0], 0.95))
    step(opt, p, grad: [0.5])    // v = 0.9·(−0.05) − 0.05 = −0.095; w = 0.855
    #expect(close(p.variable.value.data[0], 0.855))
  }

  @Test func sgdNesterov() {
    let opt = SGD(lr: 0.1, momentum: 0.9, nesterov: true)
    let p = param([1], grad: [0.5])
    opt.step([p])                // v = −0.05; w += 0.9·v − 0.05 = −0.095 → 0.905
    #expect(close(p.variable.value.data[0], 0.905))
    step(opt, p, grad: [0.5])    // v = −0.095; w += 0.9·(−0.095) − 0.05 = −0.1355 → 0.7695
    #expect(close(p.variable.value.data[0], 0.7695))
  }

  @Test func adamFirstStepIsLrTimesSign() {
    let opt = Adam(lr: 0.01)
    let p = param([1, -2, 3], grad: [0.3, -4, 1e-3])
    opt.step([p])
    let w = p.variable.value.data
    #expect(close(w[0], 0.99, 1e-6) && close(w[1], -1.99, 1e-6) && close(w[2], 2.99, 1e-4))  // ε shows at tiny g
    // Second step by the formula.
    step(opt, p, grad: [0.1, -4, 1e-3])
    let m = 0.9 * 0.03 + 0.1 * 0.1, v = 0.999 * 0.001 * 0.09 + 0.001 * 0.01
    let alpha = 0.01 * (1 - 0.999 * 0.999).squareRoot() / (1 - 0.81)
    #expect(close(Double(p.variable.value.data[0]), 0.99 - alpha * m / (v.squareRoot() + 1e-7), 1e-6))
    #expect(opt.iterations == 2)
  }

  @Test func rmspropStep() {
    let opt = RMSprop(lr: 0.01)
    let p = param([1], grad: [0.5])
    opt.step([p])   // v = 0.1·0.25 = 0.025; w −= 0.01·0.5/√(0.025 + 1e-7)
    #expect(close(Double(p.variable.value.data[0]), 1 - 0.005 / (0.025 + 1e-7).squareRoot(), 1e-6))
  }

  @Test func stateIsPerParameterAndFrozenParametersStay() {
    let opt = SGD(lr: 0.1, momentum: 0.5)
    let a = param([0], grad: [1]), b = param([0], grad: [2])
    let frozen = Parameter(name: "bias", variable: Variable(Tensor(shape: [1], data: [7]),
                                                            requiresGrad: true), trainable: false)
    frozen.variable.grad = Tensor(shape: [1], data: [1])
    opt.step([a, b, frozen])
    step(opt, b, grad: [2])   // b alone: its own velocity (−0.2) continues
    #expect(close(a.variable.value.data[0], -0.1))
    #expect(close(b.variable.value.data[0], -0.2 + (0.5 * -0.2 - 0.2)))
    #expect(frozen.variable.value.data[0] == 7 && frozen.variable.grad == nil)
  }
}
