#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Choosing OpenBLAS's compute kernel.
///
/// Debian's OpenBLAS 0.3.21 does not recognise recent Intel CPUs and falls back to its SSE3
/// "Prescott" kernels (about a quarter of the speed). OpenBLAS reads `OPENBLAS_CORETYPE` once,
/// when the library loads — before `main` runs — so the only way to pick the right kernel from
/// inside the program is to set the variable and re-execute. A user's own setting always wins.
public enum KernelSelection {
  /// The environment variable OpenBLAS reads.
  public static let variable = "OPENBLAS_CORETYPE"
  /// Set on the re-executed process so that it never loops.
  public static let marker = "DL_KERNEL_SELECTED"

  /// The OpenBLAS core type matching this CPU's features, or nil when OpenBLAS's own choice is
  /// as good as ours (or the features cannot be read).
  public static func preferredCoreType(cpuFlags: Set<String>? = readCPUFlags()) -> String? {
    guard let flags = cpuFlags else { return nil }
    let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
    if avx512.allSatisfy(flags.contains) { return "SkylakeX" }
    if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
    return nil
  }

  /// The `flags` line of /proc/cpuinfo as a set (Linux), or nil.
  public static func readCPUFlags() -> Set<String>? {
    guard let f = fopen("/proc/cpuinfo", "r") else { return nil }
    defer { fclose(f) }
    var line: UnsafeMutablePointer<CChar>? = nil
    var cap = 0
    defer { free(line) }
    while getline(&line, &cap, f) > 0 {
      guard let l = line else { break }
      let s = String(cString: l)
      if s.hasPrefix("flags") {
        let parts = s.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        return Set(parts[1].split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
      }
    }
    return nil
  }

  /// Re-executes the current program with `OPENBLAS_CORETYPE` set when the user has not set it
  /// and this CPU has a better kernel than OpenBLAS would pick. Returns only when no re-exec
  /// happened (already selected, user setting, no better kernel, or exec failed).
  public static func reexecIfNeeded() {
    if getenv(variable) != nil || getenv(marker) != nil { return }
    guard let core = preferredCoreType() else { return }
    setenv(variable, core, 1)
    setenv(marker, "1", 1)
    let args = CommandLine.unsafeArgv
    execv("/proc/self/exe", args)
    // exec failed: carry on with OpenBLAS's own choice.
    unsetenv(variable)
  }

  /// How the kernel was chosen, for `dl --version`.
  public static var origin: String {
    if getenv(marker) != nil { return "selected by dl for this CPU" }
    if getenv(variable) != nil { return "set by \(variable)" }
    return "OpenBLAS's own detection"
  }
}
