import Testing
@testable import Autograd

/// The registry of gradient checks: every op's cases, from one file per op family.
enum GradCases {
  static var all: [GradCase] { core + math + layers + weighted + recurrentCases + attentionCases }
}

@Suite("Gradient checks against central differences")
struct GradientTests {
  @Test("backward matches finite differences", arguments: GradCases.all)
  func gradient(_ c: GradCase) {
    let problems = gradientMismatches(c)
    #expect(problems.isEmpty, "\(c.testDescription): \(problems.joined(separator: "; "))")
  }

  @Test("every op has a gradient check")
  func completeness() {
    let checked = Set(GradCases.all.map(\.op))
    let missing = OpKind.allCases.filter { !checked.contains($0) }.map(\.rawValue)
    #expect(missing.isEmpty, "ops without a gradient check: \(missing)")
  }
}
