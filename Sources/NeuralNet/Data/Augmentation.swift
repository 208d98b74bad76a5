#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd

/// Random image augmentation applied to training batches on the fly (`fit … augment=[…]`),
/// with the semantics of Keras' preprocessing layers: RandomFlip, RandomTranslation,
/// RandomRotation, RandomZoom and GaussianNoise, applied in the order listed, with fresh
/// random draws for every image of every batch, all from the caller's seeded generator (the
/// same seed gives the same copies).
///
/// Images are (height, width, channels), NHWC in a batch. The geometric steps of one image
/// (flips, shift, rotation, zoom) are composed into one affine map from output pixel to input
/// point, and the image is sampled once, bilinearly (Keras samples once per layer: the same
/// geometry, one interpolation instead of several). Points that fall outside the image are
/// filled by `fill`: `reflect` (Keras' default, `d c b a | a b c d | d c b a`), `constant`
/// (the value `fillValue`, 0 unless set), `nearest` (the edge pixel) or `wrap`.
public struct Augmentation: Sendable, Equatable {
  /// One augmentation step.
  public enum Step: Sendable, Equatable {
    /// Mirror left–right with probability 1/2 (RandomFlip("horizontal")).
    case flipHorizontal
    /// Mirror top–bottom with probability 1/2 (RandomFlip("vertical")).
    case flipVertical
    /// Move by a uniform amount in [-s, s] on each axis independently: `s` pixels when
    /// s ≥ 1, a fraction `s` of the height (width) when s < 1 (RandomTranslation's factor).
    case shift(Double)
    /// Turn by a uniform angle in [-d, d] degrees about the centre; positive turns
    /// counter-clockwise (RandomRotation with factor d / 360).
    case rotate(Double)
    /// Scale by 1 + u, u uniform in [-f, f], the same on both axes; u > 0 zooms out (the
    /// content gets smaller), as RandomZoom(f).
    case zoom(Double)
    /// Add normal noise of standard deviation s to every value (GaussianNoise(s)).
    case noise(Double)

    /// Whether the step moves pixels (needs an image).
    var isGeometric: Bool {
      if case .noise = self { return false }
      return true
    }
  }

  /// How points outside the image are filled.
  public enum Fill: String, Sendable, CaseIterable {
    case reflect, constant, nearest, wrap
  }

  public var steps: [Step]
  public var fill: Fill
  /// The value of `constant` fill.
  public var fillValue: Float

  /// The steps, applied in order.
  public init(_ steps: [Step], fill: Fill = .reflect, fillValue: Float = 0) {
    self.steps = steps
    self.fill = fill
    self.fillValue = fillValue
  }

  /// The step names, their settings and meaning, for the language's table and help.
  public static let table: [(name: String, setting: String, help: String)] = [
    ("flip_h", "", "mirror left-right with probability 1/2 (RandomFlip horizontal)"),
    ("flip_v", "", "mirror top-bottom with probability 1/2 (RandomFlip vertical)"),
    ("shift", "S", "move up to S pixels each way (S < 1: a fraction of the side) (RandomTranslation)"),
    ("rotate", "DEGREES", "turn by up to DEGREES either way about the centre (RandomRotation)"),
    ("zoom", "F", "scale by 1 ± F, the same on both axes; above 1 zooms out (RandomZoom)"),
    ("noise", "STD", "add normal noise of standard deviation STD (GaussianNoise)"),
    ("fill", "reflect|constant|nearest|wrap", "how points outside the image are filled (default reflect; constant fills 0)"),
  ]

  /// Checks the steps' settings and that samples of `shape` can take them.
  public func validate(sampleShape shape: [Int]) throws {
    for step in steps {
      switch step {
      case .shift(let s), .rotate(let s), .zoom(let s), .noise(let s):
        guard s.isFinite, s >= 0 else { throw ModelError("augmentation settings must be finite and at least 0, not \(s)") }
        if case .zoom = step, s >= 1 { throw ModelError("zoom must be below 1 (a scale of 1 ± F), not \(s)") }
        if case .rotate = step, s > 180 { throw ModelError("rotate takes at most 180 degrees, not \(s)") }
      default: break
      }
    }
    if steps.contains(where: \.isGeometric) && shape.count != 3 {
      throw ModelError("flips, shifts, rotations and zooms need image samples (height, width, channels), "
                       + "but these samples have shape \(shape)")
    }
  }

  /// Augments every sample of a batch (N, sample…) in place, drawing from `rng`.
  public func apply(_ batch: inout Tensor, rng: inout SeededRandom) {
    guard batch.rank >= 1, batch.shape[0] > 0, !steps.isEmpty else { return }
    let n = batch.shape[0]
    let size = batch.count / n
    let image = Array(batch.shape.dropFirst())
    let geometric = image.count == 3 && steps.contains(where: \.isGeometric)
    var scratch = [Float](repeating: 0, count: geometric ? size : 0)
    batch.data.withUnsafeMutableBufferPointer { all in
      for i in 0..<n {
        let sample = UnsafeMutableBufferPointer(rebasing: all[(i * size)..<((i + 1) * size)])
        augmentOne(sample, image: image, geometric: geometric, scratch: &scratch, rng: &rng)
      }
    }
  }

  /// `count` augmented copies of one sample, stacked (count, sample…).
  public func copies(of sample: Tensor, count: Int, rng: inout SeededRandom) -> Tensor {
    var batch = Tensor.zeros([count] + sample.shape)
    batch.data.withUnsafeMutableBufferPointer { p in
      for i in 0..<count { for k in 0..<sample.count { p[i * sample.count + k] = sample.data[k] } }
    }
    apply(&batch, rng: &rng)
    return batch
  }

  /// One sample: its draws in step order, one resampling for the geometry, then the noise.
  private func augmentOne(_ x: UnsafeMutableBufferPointer<Float>, image: [Int], geometric: Bool,
                          scratch: inout [Float], rng: inout SeededRandom) {
    var map = AffineMap.identity
    var noise: [Double] = []
    let (h, w) = image.count == 3 ? (image[0], image[1]) : (1, 1)
    let cy = Double(h - 1) / 2, cx = Double(w - 1) / 2
    for step in steps {
      switch step {
      case .flipHorizontal:
        if rng.nextUnit() < 0.5 { map = map.then(AffineMap(a: -1, b: 0, c: Double(w - 1), d: 0, e: 1, f: 0)) }
      case .flipVertical:
        if rng.nextUnit() < 0.5 { map = map.then(AffineMap(a: 1, b: 0, c: 0, d: 0, e: -1, f: Double(h - 1))) }
      case .shift(let s):
        let maxY = s >= 1 ? s : s * Double(h), maxX = s >= 1 ? s : s * Double(w)
        let dy = Double(rng.uniform(Float(-maxY), Float(maxY)))
        let dx = Double(rng.uniform(Float(-maxX), Float(maxX)))
        map = map.then(AffineMap(a: 1, b: 0, c: -dx, d: 0, e: 1, f: -dy))
      case .rotate(let degrees):
        let t = Double(rng.uniform(Float(-degrees), Float(degrees))) * Double.pi / 180
        let (cs, sn) = (cos(t), sin(t))
        map = map.then(AffineMap(a: cs, b: -sn, c: cx - cs * cx + sn * cy,
                                 d: sn, e: cs, f: cy - sn * cx - cs * cy))
      case .zoom(let f):
        let z = 1 + Double(rng.uniform(Float(-f), Float(f)))
        map = map.then(AffineMap(a: z, b: 0, c: cx * (1 - z), d: 0, e: z, f: cy * (1 - z)))
      case .noise(let s):
        noise.append(s)
      }
    }
    if geometric && !map.isIdentity {
      scratch.withUnsafeMutableBufferPointer { out in
        resample(x, into: out, height: h, width: w, channels: image[2], map: map)
      }
      for k in 0..<x.count { x[k] = scratch[k] }
    }
    for s in noise where s > 0 {
      for k in 0..<x.count { x[k] += rng.normal(mean: 0, std: Float(s)) }
    }
  }

  /// Bilinear sampling of `x` at `map(p)` for every output pixel p, outside points filled.
  private func resample(_ x: UnsafeMutableBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>,
                        height h: Int, width w: Int, channels c: Int, map m: AffineMap) {
    for oy in 0..<h {
      for ox in 0..<w {
        let xi = m.a * Double(ox) + m.b * Double(oy) + m.c
        let yi = m.d * Double(ox) + m.e * Double(oy) + m.f
        let x0 = xi.rounded(.down), y0 = yi.rounded(.down)
        let fx = Float(xi - x0), fy = Float(yi - y0)
        // Far outside (or not finite): every neighbour is a fill point.
        let ix = x0.isFinite && abs(x0) < 1e9 ? Int(x0) : Int.min / 2
        let iy = y0.isFinite && abs(y0) < 1e9 ? Int(y0) : Int.min / 2
        let cols = (index(ix, w), index(ix + 1, w)), rows = (index(iy, h), index(iy + 1, h))
        let base = (oy * w + ox) * c
        for ch in 0..<c {
          let v00 = value(x, rows.0, cols.0, w, c, ch), v01 = value(x, rows.0, cols.1, w, c, ch)
          let v10 = value(x, rows.1, cols.0, w, c, ch), v11 = value(x, rows.1, cols.1, w, c, ch)
          let top = v00 + (v01 - v00) * fx, bottom = v10 + (v11 - v10) * fx
          out[base + ch] = top + (bottom - top) * fy
        }
      }
    }
  }

  /// The pixel index that `i` reads along a side of `n` by the fill mode (-1: the fill value).
  @inline(__always)
  private func index(_ i: Int, _ n: Int) -> Int {
    if i >= 0 && i < n { return i }
    switch fill {
    case .constant: return -1
    case .nearest: return i < 0 ? 0 : n - 1
    case .wrap:
      let r = i % n
      return r < 0 ? r + n : r
    case .reflect:
      let period = 2 * n
      var r = i % period
      if r < 0 { r += period }
      return r < n ? r : period - 1 - r
    }
  }

  @inline(__always)
  private func value(_ x: UnsafeMutableBufferPointer<Float>, _ row: Int, _ col: Int, _ w: Int, _ c: Int,
                     _ ch: Int) -> Float {
    row < 0 || col < 0 ? fillValue : x[(row * w + col) * c + ch]
  }
}

/// A map from output pixel (x, y) to input point (a x + b y + c, d x + e y + f).
struct AffineMap: Equatable {
  var a, b, c, d, e, f: Double

  static let identity = AffineMap(a: 1, b: 0, c: 0, d: 0, e: 1, f: 0)

  var isIdentity: Bool { self == .identity }

  /// The map of a later step `m` composed with this one: the output of both is `m`'s output,
  /// so a point goes through `m` first (back to this step's output), then through `self`.
  func then(_ m: AffineMap) -> AffineMap {
    AffineMap(a: a * m.a + b * m.d, b: a * m.b + b * m.e, c: a * m.c + b * m.f + c,
              d: d * m.a + e * m.d, e: d * m.b + e * m.e, f: d * m.c + e * m.f + f)
  }
}
