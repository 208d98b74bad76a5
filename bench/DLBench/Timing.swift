#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic time in seconds.
@inline(__always)
func now() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Seconds taken by `body`.
@inline(__always)
func seconds(_ body: () -> Void) -> Double {
  let t0 = now()
  body()
  return now() - t0
}

/// The median of `xs` (mean of the middle two for an even count).
func median(_ xs: [Double]) -> Double {
  precondition(!xs.isEmpty)
  let s = xs.sorted()
  let m = s.count / 2
  return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

/// Keeps a value alive and opaque to the optimizer.
@inline(never)
func blackHole<T>(_ x: T) { _ = x }

/// `x` formatted with `digits` decimals.
func fmt(_ x: Double, _ digits: Int = 1) -> String {
  if !x.isFinite { return "\(x)" }
  var p = 1.0
  for _ in 0..<digits { p *= 10 }
  let r = (abs(x) * p).rounded()
  let whole = Int(r / p)
  var s = (x < 0 ? "-" : "") + String(whole)
  if digits > 0 {
    let frac = Int(r - Double(whole) * p)
    let f = String(frac)
    s += "." + String(repeating: "0", count: digits - f.count) + f
  }
  return s
}

/// `s` padded on the left (numbers) or right (labels) to `width`.
func pad(_ s: String, _ width: Int, left: Bool = true) -> String {
  let n = Swift.max(0, width - s.count)
  return left ? String(repeating: " ", count: n) + s : s + String(repeating: " ", count: n)
}

/// Writes a line to standard error.
func printError(_ s: String) {
  _ = s.withCString { write(2, $0, strlen($0)) }
  _ = write(2, "\n", 1)
}
