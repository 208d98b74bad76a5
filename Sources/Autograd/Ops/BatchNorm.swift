#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Batch normalisation over every axis but the last (features): forward and backward side by
// side. M = number of elements per feature (product of the other axes); per feature f:
//   training:  μ = mean(x), σ² = mean((x − μ)²) (biased), s = 1/√(σ² + ε),
//              x̂ = (x − μ)·s, y = γ·x̂ + β
//              dβ = Σ dy      dγ = Σ dy·x̂
//              dx = γ·s/M · (M·dy − dβ − x̂·dγ)        (through μ and σ² as well)
//              running ← running·momentum + batch·(1 − momentum)   (μ and biased σ², Keras 3)
//   inference: μ, σ² are the running statistics (constants):
//              dβ = Σ dy      dγ = Σ dy·x̂      dx = dy·γ·s
// With row weights w (a sequence mask: 1 for a real time step, 0 for padding; Keras 3's
// BatchNormalization `mask`), the statistics count the real rows only, W = Σ w:
//              μ = Σ w·x / W, σ² = Σ w·(x − μ)² / W; every row is normalised with them
//              dx = γ·s · (dy − w/W · (dβ + x̂·dγ))    (dβ, dγ still sum over every row)
// which is the formula above when every w is 1. A batch whose rows are all padding (W = 0)
// uses every row.

/// Running statistics and hyper-parameters of one batch-normalisation layer.
public final class BatchNormState {
  public var runningMean: Tensor
  public var runningVariance: Tensor
  /// Weight of the old running value in each update (Keras default 0.99).
  public var momentum: Float
  /// Added to the variance before the square root (Keras default 1e-3).
  public var epsilon: Float

  /// Running mean 0 and running variance 1 for `features` features.
  public init(features: Int, momentum: Float = 0.99, epsilon: Float = 1e-3) {
    runningMean = Tensor.zeros([features])
    runningVariance = Tensor(repeating: 1, shape: [features])
    self.momentum = momentum
    self.epsilon = epsilon
  }
}

/// Normalises `x` per feature (last axis) with batch statistics (`training`, which also updates
/// `state`'s running statistics) or the running statistics, then scales by `gamma` and shifts
/// by `beta` (both (F,)). `rowWeights` (one non-negative weight per row of the non-feature axes, e.g.
/// a flattened (N, T) sequence mask) restricts the batch statistics to the rows of weight 1.
public func batchNorm(_ x: Variable, gamma: Variable, beta: Variable, state: BatchNormState,
                      training: Bool, rowWeights: [Float]? = nil) -> Variable {
  precondition(!x.shape.isEmpty, "batchNorm: input must have a feature axis")
  let f = x.shape[x.shape.count - 1]
  precondition(gamma.shape == [f] && beta.shape == [f],
               "batchNorm: gamma \(gamma.shape) / beta \(beta.shape) must be [\(f)]")
  precondition(state.runningMean.count == f && state.runningVariance.count == f,
               "batchNorm: state has \(state.runningMean.count) features, input \(f)")
  let total = x.value.count
  let m = f == 0 ? 0 : total / f
  precondition(!training || m > 0, "batchNorm: empty batch in training")
  precondition(rowWeights == nil || rowWeights?.count == m,
               "batchNorm: \(rowWeights?.count ?? 0) row weights for \(m) rows")
  // The weights in use: nil when every row counts (no mask, or a batch of padding only).
  var weights = training ? rowWeights : nil
  if let w = weights, !(w.reduce(0, +) > 0) { weights = nil }
  let count = weights.map { Double($0.reduce(0, +)) } ?? Double(m)

  // Per-feature mean and inverse standard deviation.
  var mean = [Float](repeating: 0, count: f)
  var invStd = [Float](repeating: 0, count: f)
  let eps = state.epsilon
  if training {
    var sum = [Double](repeating: 0, count: f)
    var sq = [Double](repeating: 0, count: f)
    var variance = [Float](repeating: 0, count: f)
    x.value.data.withUnsafeBufferPointer { xp in
      sum.withUnsafeMutableBufferPointer { sp in
        for r in 0..<m {
          let w = Double(weights?[r] ?? 1)
          if w != 0 { for j in 0..<f { sp[j] += w * Double(xp[r * f + j]) } }
        }
        for j in 0..<f { mean[j] = Float(sp[j] / count) }
      }
      sq.withUnsafeMutableBufferPointer { qp in
        mean.withUnsafeBufferPointer { mp in
          for r in 0..<m {
            let w = Double(weights?[r] ?? 1)
            if w == 0 { continue }
            for j in 0..<f { let d = Double(xp[r * f + j]) - Double(mp[j]); qp[j] += w * d * d }
          }
        }
        for j in 0..<f {
          variance[j] = Float(qp[j] / count)
          invStd[j] = 1 / sqrtf(variance[j] + eps)
        }
      }
    }
    let mo = state.momentum
    state.runningMean.data.withUnsafeMutableBufferPointer { rp in
      for j in 0..<f { rp[j] = rp[j] * mo + mean[j] * (1 - mo) }
    }
    state.runningVariance.data.withUnsafeMutableBufferPointer { rp in
      for j in 0..<f { rp[j] = rp[j] * mo + variance[j] * (1 - mo) }
    }
  } else {
    for j in 0..<f {
      mean[j] = state.runningMean.data[j]
      invStd[j] = 1 / sqrtf(state.runningVariance.data[j] + eps)
    }
  }

  // x̂ (kept for the backward pass) and y = γ·x̂ + β.
  var xhat = Tensor.zeros(x.shape)
  var y = Tensor.zeros(x.shape)
  let gv = gamma.value
  x.value.data.withUnsafeBufferPointer { xp in
    xhat.data.withUnsafeMutableBufferPointer { hp in
      y.data.withUnsafeMutableBufferPointer { yp in
        gv.data.withUnsafeBufferPointer { gp in
          beta.value.data.withUnsafeBufferPointer { bp in
            for r in 0..<m {
              let o = r * f
              for j in 0..<f {
                let t = (xp[o + j] - mean[j]) * invStd[j]
                hp[o + j] = t
                yp[o + j] = gp[j] * t + bp[j]
              }
            }
          }
        }
      }
    }
  }

  return Variable.result(y, .batchNorm, x, gamma, beta) { dy in
    var dBeta = [Float](repeating: 0, count: f)
    var dGamma = [Float](repeating: 0, count: f)
    dy.data.withUnsafeBufferPointer { gp in
      xhat.data.withUnsafeBufferPointer { hp in
        for r in 0..<m {
          let o = r * f
          for j in 0..<f { dBeta[j] += gp[o + j]; dGamma[j] += gp[o + j] * hp[o + j] }
        }
        if x.requiresGrad {
          gv.data.withUnsafeBufferPointer { gam in
            x.addIntoGrad { dx in
              if training, let weights {
                let inv = Float(1 / count)
                for r in 0..<m {
                  let o = r * f, share = weights[r] * inv
                  for j in 0..<f {
                    let k = gam[j] * invStd[j]
                    dx[o + j] += k * (gp[o + j] - share * (dBeta[j] + hp[o + j] * dGamma[j]))
                  }
                }
              } else if training {
                let fm = Float(m), inv = 1 / Float(m)
                for r in 0..<m {
                  let o = r * f
                  for j in 0..<f {
                    let k = gam[j] * invStd[j] * inv
                    dx[o + j] += k * (fm * gp[o + j] - dBeta[j] - hp[o + j] * dGamma[j])
                  }
                }
              } else {
                for r in 0..<m {
                  let o = r * f
                  for j in 0..<f { dx[o + j] += gp[o + j] * gam[j] * invStd[j] }
                }
              }
            }
          }
        }
      }
    }
    if gamma.requiresGrad { gamma.accumulate(Tensor(shape: [f], data: dGamma)) }
    if beta.requiresGrad { beta.accumulate(Tensor(shape: [f], data: dBeta)) }
  }
}
