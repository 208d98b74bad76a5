import Autograd

/// A layer cannot accept the shape it is given (or a value has the wrong shape).
/// `message` is a complete, user-facing sentence naming the layer, both shapes and a fix.
public struct ShapeError: Error, CustomStringConvertible, Sendable {
  /// The user-facing explanation.
  public var message: String
  /// An error with the given message.
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// A model-level mistake: a missing compile, an unknown name, data that does not match the loss,
/// a duplicate layer name, …; `message` is user-facing and says how to fix it.
public struct ModelError: Error, CustomStringConvertible, Sendable {
  /// The user-facing explanation.
  public var message: String
  /// An error with the given message.
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

extension Array where Element == Int {
  /// The Keras way of printing a per-sample shape with its batch axis: `[8, 8, 1]` →
  /// `(None, 8, 8, 1)`.
  public var kerasBatchShape: String {
    "(" + (["None"] + map(String.init)).joined(separator: ", ") + ")"
  }

  /// A shape as a tuple: `[4, 16]` → `(4, 16)`, `[3]` → `(3,)`.
  public var kerasShape: String {
    count == 1 ? "(\(self[0]),)" : "(" + map(String.init).joined(separator: ", ") + ")"
  }
}

/// Formats a float for messages: integers without a fraction, others as Swift prints them.
func formatNumber(_ v: Float) -> String {
  v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(v)
}
