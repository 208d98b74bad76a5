/// Every differentiable op of the engine. Each op's forward and backward live side by side in
/// `Sources/Autograd/Ops/`; this list is the index the gradient-check completeness test walks:
/// an op without a gradient check fails the test suite.
public enum OpKind: String, CaseIterable, Sendable {
  // Ops/Matmul.swift
  case matmul, batchedMatmul
  // Ops/Arithmetic.swift
  case add, sub, mul, div, neg
  // Ops/Unary.swift
  case pow, sqrt, exp, log, abs, clamp
  // Ops/Activations.swift
  case relu, leakyRelu, sigmoid, tanh, softmax, logSoftmax
  // Ops/Reductions.swift
  case sum, mean, max
  // Ops/Losses.swift
  case softmaxCrossEntropy, softmaxCrossEntropyOneHot, bceWithLogits, bce, mse, mae
  // Ops/Shape.swift
  case reshape, permute, slice, concat, stack, pad
  // Ops/Gather.swift
  case gather
  // Ops/Conv.swift
  case conv2d, conv2dRelu
  // Ops/Pool.swift
  case maxPool2d, minPool2d, avgPool2d
  // Ops/Dropout.swift
  case dropout
  // Ops/BatchNorm.swift
  case batchNorm
  // Ops/Recurrent.swift (one record per sequence: BPTT by hand)
  case simpleRNN, lstm, gru
}

extension Variable {
  /// Wraps an op's forward value in a new variable and, when the tape records and an input
  /// needs a gradient, records `backward`, which receives dLoss/dOutput.
  ///
  /// The output's gradient is moved out of the variable when its rule runs, so intermediate
  /// gradients are freed as the backward pass proceeds.
  static func result(_ value: Tensor, _ op: OpKind, _ inputs: Variable...,
                     backward: @escaping (Tensor) -> Void) -> Variable {
    let tape = Tape.current
    var needs = false
    if tape.recording { for v in inputs where v.requiresGrad { needs = true; break } }
    let out = Variable(value, op: op, requiresGrad: needs)
    if needs { tape.record(out, backward) }
    return out
  }

  /// As `result(_:_:_:backward:)` for ops with a variable number of inputs.
  static func result(_ value: Tensor, _ op: OpKind, inputs: [Variable],
                     backward: @escaping (Tensor) -> Void) -> Variable {
    let tape = Tape.current
    let needs = tape.recording && inputs.contains { $0.requiresGrad }
    let out = Variable(value, op: op, requiresGrad: needs)
    if needs { tape.record(out, backward) }
    return out
  }
}
