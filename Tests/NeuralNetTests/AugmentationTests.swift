import Testing
@testable import Autograd
@testable import NeuralNet

/// Image augmentation: the geometry of each step, the fill modes, reproducibility.
@Suite("Data: augmentation")
struct AugmentationTests {
  /// A 5×5 (or h×w×c) image whose pixel values are distinct: 1 + index.
  static func ramp(_ h: Int = 5, _ w: Int = 5, _ c: Int = 1) -> Tensor {
    Tensor(shape: [h, w, c]) { Float($0 + 1) }
  }

  static func mirrored(_ t: Tensor) -> Tensor {
    let (h, w, c) = (t.shape[0], t.shape[1], t.shape[2])
    return Tensor(shape: t.shape) { i in
      let (y, x, ch) = (i / (w * c), (i / c) % w, i % c)
      _ = h
      return t.data[(y * w + (w - 1 - x)) * c + ch]
    }
  }

  static func copies(_ a: Augmentation, _ t: Tensor, _ n: Int, seed: UInt64) -> [[Float]] {
    var rng = SeededRandom(seed: seed)
    let batch = a.copies(of: t, count: n, rng: &rng)
    return (0..<n).map { Array(batch.data[($0 * t.count)..<(($0 + 1) * t.count)]) }
  }

  @Test("flip_h gives the image or its exact mirror, both about half the time")
  func flipIsAnExactMirror() {
    let img = Self.ramp(4, 5, 2)
    let mirror = Self.mirrored(img).data
    let out = Self.copies(Augmentation([.flipHorizontal]), img, 200, seed: 3)
    #expect(out.allSatisfy { $0 == img.data || $0 == mirror })
    let flipped = out.filter { $0 == mirror }.count
    #expect(flipped > 70 && flipped < 130, "flipped \(flipped) of 200")
  }

  @Test("flip_v mirrors top-bottom")
  func flipVertical() {
    let img = Self.ramp(3, 2)
    let upsideDown: [Float] = [5, 6, 3, 4, 1, 2]
    let out = Self.copies(Augmentation([.flipVertical]), img, 50, seed: 9)
    #expect(out.allSatisfy { $0 == img.data || $0 == upsideDown })
    #expect(out.contains(upsideDown))
  }

  @Test("rotation and zoom turn and scale about the centre: an odd image's centre pixel stays")
  func centreIsFixed() {
    let img = Self.ramp(7, 7)
    for a in [Augmentation([.rotate(45)]), Augmentation([.zoom(0.5)]), Augmentation([.rotate(30), .zoom(0.3)])] {
      for copy in Self.copies(a, img, 20, seed: 5) {
        #expect(abs(copy[3 * 7 + 3] - img.data[3 * 7 + 3]) < 1e-4)
      }
    }
  }

  @Test("a positive rotation turns counter-clockwise, as Keras (a point right of the centre moves up)")
  func rotationDirection() {
    // 90° exactly: the affine map of rotate with θ = π/2 sends output (x, y) to the input
    // point the rotation brings there; check through the map's formula.
    let (cx, cy) = (2.0, 2.0)
    let t = Double.pi / 2
    let m = AffineMap(a: cos(t), b: -sin(t), c: cx - cos(t) * cx + sin(t) * cy,
                      d: sin(t), e: cos(t), f: cy - sin(t) * cx - cos(t) * cy)
    // The output pixel above the centre (x 2, y 0) reads the input right of the centre (x 4, y 2).
    let x = m.a * 2 + m.b * 0 + m.c, y = m.d * 2 + m.e * 0 + m.f
    #expect(abs(x - 4) < 1e-9 && abs(y - 2) < 1e-9)
  }

  @Test("maps compose: shift then flip equals the flip of the shifted image")
  func composition() {
    let shift = AffineMap(a: 1, b: 0, c: -1, d: 0, e: 1, f: 0)
    let flip = AffineMap(a: -1, b: 0, c: 4, d: 0, e: 1, f: 0)
    let both = shift.then(flip)
    // Output x 0 → flip reads x 4 → shift reads x 3.
    #expect(both.a * 0 + both.c == 3)
    #expect(AffineMap.identity.then(shift) == shift)
  }

  @Test("reflect, nearest and wrap keep a constant image constant; constant fill brings in 0")
  func fillModes() {
    let ones = Tensor(repeating: 1, shape: [6, 6, 1])
    for fill in [Augmentation.Fill.reflect, .nearest, .wrap] {
      let a = Augmentation([.shift(3), .rotate(60), .zoom(0.4)], fill: fill)
      for copy in Self.copies(a, ones, 10, seed: 11) {
        #expect(copy.allSatisfy { abs($0 - 1) < 1e-5 }, "\(fill)")
      }
    }
    let zeroFill = Augmentation([.rotate(60), .zoom(0.4)], fill: .constant)
    let out = Self.copies(zeroFill, ones, 10, seed: 11)
    #expect(out.contains { $0.contains { $0 < 0.99 } })
    #expect(out.allSatisfy { $0.allSatisfy { $0 >= -1e-6 && $0 <= 1 + 1e-6 } })
  }

  @Test("a whole-pixel shift with constant fill moves the content and fills 0")
  func shiftMovesContent() {
    // shift(1) draws continuous amounts; with fill constant, every copy's values stay within
    // the image's range, and some copies differ from the image.
    let img = Self.ramp(4, 4)
    let out = Self.copies(Augmentation([.shift(1)], fill: .constant), img, 30, seed: 2)
    #expect(out.contains { $0 != img.data })
    #expect(out.allSatisfy { $0.allSatisfy { $0 >= 0 && $0 <= 16 + 1e-4 } })
    // A fraction below 1 scales with the side: shift(0.25) on 4 pixels moves at most 1.
    let frac = Self.copies(Augmentation([.shift(0.25)], fill: .nearest), img, 30, seed: 2)
    for copy in frac { #expect(abs(copy[5] - img.data[5]) <= 5 + 1e-4) }
  }

  @Test("noise adds values of the given standard deviation, mean about 0")
  func noiseStatistics() {
    let zeros = Tensor.zeros([32, 32, 1])
    let out = Self.copies(Augmentation([.noise(0.5)]), zeros, 4, seed: 1).flatMap { $0 }
    let (mean, std) = meanAndStd(out.map(Double.init))
    #expect(abs(mean) < 0.03)
    #expect(abs(std - 0.5) < 0.03)
  }

  @Test("the same seed draws the same copies; another seed other copies")
  func reproducible() {
    let a = Augmentation([.flipHorizontal, .shift(2), .rotate(10), .zoom(0.1), .noise(0.05)])
    let img = Self.ramp(8, 8)
    #expect(Self.copies(a, img, 6, seed: 42) == Self.copies(a, img, 6, seed: 42))
    #expect(Self.copies(a, img, 6, seed: 42) != Self.copies(a, img, 6, seed: 43))
  }

  @Test("settings and sample shapes are validated")
  func validation() throws {
    #expect(throws: ModelError.self) { try Augmentation([.flipHorizontal]).validate(sampleShape: [4]) }
    #expect(throws: ModelError.self) { try Augmentation([.zoom(1)]).validate(sampleShape: [8, 8, 1]) }
    #expect(throws: ModelError.self) { try Augmentation([.rotate(200)]).validate(sampleShape: [8, 8, 1]) }
    #expect(throws: ModelError.self) { try Augmentation([.noise(-1)]).validate(sampleShape: [4]) }
    try Augmentation([.noise(0.1)]).validate(sampleShape: [4])
    try Augmentation([.shift(2), .rotate(10)]).validate(sampleShape: [8, 8, 3])
  }

  @Test("fit with augment trains on changed batches, reproducibly, and refuses non-images")
  func fitAugments() throws {
    func train(_ aug: Augmentation?, seed: UInt64) throws -> [Float] {
      var rng = SeededRandom(seed: seed)
      let m = Model(inputShape: [4, 4, 1])
      try m.add(Flatten(), rng: &rng)
      try m.add(Dense(units: 2, activation: .softmax), rng: &rng)
      try m.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(lr: 0.01))
      let x = Tensor(shape: [8, 4, 4, 1]) { Float($0 % 7) / 7 }
      let y = Tensor(shape: [8], data: [0, 1, 0, 1, 0, 1, 0, 1])
      try m.fit(x: x, y: y, epochs: 2, batchSize: 4, augment: aug, rng: &rng)
      return m.weightsSnapshot().flatMap { $0.1.data }
    }
    let aug = Augmentation([.flipHorizontal, .rotate(20)])
    #expect(try train(aug, seed: 1) == train(aug, seed: 1))
    #expect(try train(aug, seed: 1) != train(nil, seed: 1))
    var rng = SeededRandom(seed: 0)
    let flat = Model(inputShape: [4])
    try flat.add(Dense(units: 1), rng: &rng)
    try flat.compile(loss: .mse, optimizer: Adam(lr: 0.01))
    #expect(throws: ModelError.self) {
      try flat.fit(x: Tensor.zeros([4, 4]), y: Tensor.zeros([4, 1]), augment: Augmentation([.flipHorizontal]), rng: &rng)
    }
  }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
