import Foundation

/// Where the REPL keeps its history, and atomic file replacement.
public enum HistoryFile {
  /// `$XDG_STATE_HOME/dl/history`, else `~/.local/state/dl/history`.
  /// Creates the directory; returns nil if it cannot be created or written.
  public static func defaultPath(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String? {
    guard let directory = stateDirectory(environment: environment) else { return nil }
    let dir = directory + "/dl"
    do {
      try FileManager.default.createDirectory(
        atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
      return nil
    }
    guard access(dir, W_OK | X_OK) == 0 else { return nil }
    return dir + "/history"
  }

  /// The base state directory from the environment, without creating it.
  static func stateDirectory(environment: [String: String]) -> String? {
    if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg }
    guard let home = environment["HOME"], !home.isEmpty else { return nil }
    return home + "/.local/state"
  }

  /// Replaces `path` by what `write` puts in a temporary sibling file, via rename.
  /// The temporary file is removed on failure; the result is mode 0600.
  public static func writeAtomically(to path: String, _ write: (String) -> Bool) -> Bool {
    let temp = path + ".tmp.\(getpid())"
    unlink(temp)
    guard write(temp), chmod(temp, 0o600) == 0, rename(temp, path) == 0 else {
      unlink(temp)
      return false
    }
    return true
  }
}
