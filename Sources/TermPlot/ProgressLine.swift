/// One Keras 3 style progress line for a training or evaluation loop:
///
///     3/8 ━━━━━━━╺━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.9100 - loss: 0.2412
///
/// While in progress (known `total`, `step < total`) the time field is the
/// ETA; when finished or when the total is unknown it is the elapsed time.
/// `render` produces the in-place terminal line (the caller handles `\r`);
/// `renderPlain` produces the one-line per-epoch log format for non-terminals.
public struct ProgressLine: Sendable {
  /// Steps completed so far.
  public var step: Int
  /// Total number of steps, or `nil` when unknown.
  public var total: Int?
  /// Seconds since the start of the epoch.
  public var elapsed: Double
  /// Average seconds per step.
  public var secondsPerStep: Double
  /// Metrics in display order, e.g. `[("accuracy", 0.91), ("loss", 0.2412)]`.
  public var metrics: [(String, Double)]
  /// Width of the bar in characters (Keras uses 20).
  public var barWidth: Int
  /// Unit shown after the per-step time (`step` → `2ms/step`).
  public var unitName: String

  /// Creates a progress line.
  public init(step: Int, total: Int?, elapsed: Double, secondsPerStep: Double,
              metrics: [(String, Double)] = [], barWidth: Int = 20, unitName: String = "step") {
    self.step = step
    self.total = total
    self.elapsed = elapsed
    self.secondsPerStep = secondsPerStep
    self.metrics = metrics
    self.barWidth = barWidth
    self.unitName = unitName
  }

  /// `true` once `step` has reached a known `total`.
  public var isFinished: Bool {
    guard let total else { return false }
    return step >= total
  }

  /// The terminal progress line, without trailing newline or carriage return.
  ///
  /// Unicode: `━` for the done part, `╺` then `━` for the rest (with colour the
  /// rest is dimmed and the done part green, as Keras does). ASCII:
  /// `[=======>............]`.
  public func render(style: RenderStyle = .unicode) -> String {
    var parts = [ANSI.wrap(counter(padded: true), ANSI.bold, enabled: style.color)]
    if let bar = bar(style: style) { parts.append(bar) }
    let time = isFinished || total == nil ? Format.duration(elapsed) : Format.duration(eta)
    parts.append(ANSI.wrap(time, ANSI.bold, enabled: style.color && !isFinished && total != nil))
    parts.append(Format.perStep(secondsPerStep, unit: unitName))
    return parts.joined(separator: " ") + metricsText
  }

  /// The plain one-line epoch summary for logs and non-terminals (never any
  /// escape codes): `Epoch 3/60 - 8/8 - 0s - 2ms/step - accuracy: 0.9100 - loss: 0.2412`.
  /// `epochs` may be `nil` when unknown.
  public func renderPlain(epoch: Int, epochs: Int?) -> String {
    let head = ProgressLine.epochHeader(epoch: epoch, epochs: epochs)
    let fields = [head, counter(padded: false), Format.duration(elapsed),
                  Format.perStep(secondsPerStep, unit: unitName)]
    return fields.joined(separator: " - ") + metricsText
  }

  /// Keras' epoch header line: `Epoch 3/60` (or `Epoch 3` when the count is unknown).
  public static func epochHeader(epoch: Int, epochs: Int?) -> String {
    guard let epochs else { return "Epoch \(epoch)" }
    return "Epoch \(epoch)/\(epochs)"
  }

  // MARK: - Pieces

  /// Estimated seconds remaining.
  var eta: Double {
    guard let total else { return 0 }
    return secondsPerStep * Double(max(0, total - step))
  }

  /// `3/8`, right-aligned to the width of the total when `padded`; `3/Unknown`.
  func counter(padded: Bool) -> String {
    guard let total else { return "\(step)/Unknown" }
    let text = String(step)
    let width = padded ? String(total).count : 0
    return TextLayout.padLeft(text, width) + "/\(total)"
  }

  /// ` - name: value` for each metric.
  var metricsText: String {
    metrics.map { " - \(TextLayout.singleLine($0.0)): \(Format.logValue($0.1, named: $0.0))" }.joined()
  }

  /// Number of filled bar cells (floor, clamped to the bar).
  func doneCells(width: Int) -> Int? {
    guard let total, total > 0 else { return nil }
    let fraction = Double(min(max(step, 0), total)) / Double(total)
    return Numeric.clamp(Numeric.int(fraction * Double(width), .down), 0...width)
  }

  /// The bar, or `nil` when the total is unknown.
  func bar(style: RenderStyle) -> String? {
    let width = max(1, barWidth)
    guard let done = doneCells(width: width) else { return nil }
    let rest = width - done
    if !style.unicode {
      let tail = rest > 0 ? ">" + TextLayout.repeated(".", rest - 1) : ""
      return "[" + TextLayout.repeated("=", done) + tail + "]"
    }
    let head = TextLayout.repeated("━", done)
    if style.color {
      return ANSI.wrap(head, ANSI.green, enabled: true)
        + ANSI.wrap(TextLayout.repeated("━", rest), ANSI.dim, enabled: true)
    }
    return head + (rest > 0 ? "╺" + TextLayout.repeated("━", rest - 1) : "")
  }
}
