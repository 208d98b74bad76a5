/// A model that cannot be exported: a layer kind or a setting the target format has no
/// equivalent for, or a model that is not ready (not built, not a chain).
public struct ExportError: Error, CustomStringConvertible, Equatable {
  /// What is wrong, naming the layer.
  public var message: String
  /// What the user can do instead, when there is something.
  public var hint: String?

  /// An error.
  public init(_ message: String, hint: String? = nil) {
    self.message = message
    self.hint = hint
  }

  public var description: String { message }
}
