/// A Keras `model.summary()` style table.
///
/// Unicode style draws heavy box characters around the header and light ones
/// around the body, exactly like Keras 3:
///
///     Model: "net"
///     ┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━┓
///     ┃ Layer (type)    ┃ Output Shape ┃ Param # ┃
///     ┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━┩
///     │ dense (Dense)   │ (None, 16)   │      80 │
///     └─────────────────┴──────────────┴─────────┘
///      Total params: 80 (320.00 B)
///
/// ASCII style uses `+---+`, `| a |` and `+===+` under the header. Column
/// widths come from the content (and `minWidths`); newlines in cells become
/// spaces. Rows may be ragged: missing cells are empty.
public struct Table: Sendable {
  /// Horizontal alignment of a column.
  public enum Alignment: Sendable, Hashable {
    /// Left-aligned.
    case left
    /// Right-aligned.
    case right
    /// Centred.
    case center
    /// Right-aligned if every non-empty body cell is a number, else left.
    case auto
  }

  /// Line printed above the table (e.g. `Model: "net"`), if any.
  public var title: String?
  /// Column headers; an empty array draws no header.
  public var headers: [String]
  /// Body rows of cells.
  public var rows: [[String]]
  /// Per-column alignment; missing entries are `.auto`.
  public var alignments: [Alignment]
  /// Per-column minimum content width; missing entries are 0.
  public var minWidths: [Int]
  /// Draw a separator line between body rows (Keras does in Unicode mode).
  public var rowSeparators: Bool
  /// Lines printed verbatim below the table (e.g. ` Total params: 131 (524.00 B)`).
  public var footer: [String]

  /// Creates a table.
  public init(title: String? = nil, headers: [String], rows: [[String]],
              alignments: [Alignment] = [], minWidths: [Int] = [],
              rowSeparators: Bool = false, footer: [String] = []) {
    self.title = title
    self.headers = headers
    self.rows = rows
    self.alignments = alignments
    self.minWidths = minWidths
    self.rowSeparators = rowSeparators
    self.footer = footer
  }

  /// The boxed table, lines joined by `\n`, no trailing newline. With colour
  /// on, header cells are bold.
  public func render(style: RenderStyle = .unicode) -> String {
    let grid = TableGrid(headers: headers, rows: rows, alignments: alignments, minWidths: minWidths)
    let box = BoxSet(style)
    var lines: [String] = []
    if let title { lines.append(TextLayout.singleLine(title)) }
    if grid.columnCount > 0 {
      lines += boxedLines(grid, box, style)
    }
    lines += footer.map(TextLayout.singleLine)
    return lines.joined(separator: "\n")
  }

  /// A compact borderless table for listings such as `predict` output or
  /// `vars`: header, a rule (`─` / `-`), rows; columns separated by two
  /// spaces; numeric columns right-aligned unless `alignments` says otherwise.
  /// All lines have the same display width.
  public static func render(headers: [String], rows: [[String]], alignments: [Alignment] = [],
                            style: RenderStyle = .unicode) -> String {
    let grid = TableGrid(headers: headers, rows: rows, alignments: alignments, minWidths: [])
    guard grid.columnCount > 0 else { return "" }
    var lines: [String] = []
    if !headers.isEmpty {
      lines.append(grid.cells(grid.header).joined(separator: "  "))
      let rule = style.unicode ? "─" : "-"
      lines.append(grid.widths.map { TextLayout.repeated(rule, $0) }.joined(separator: "  "))
    }
    lines += grid.body.map { grid.cells($0).joined(separator: "  ") }
    return lines.joined(separator: "\n")
  }

  // MARK: - Boxed layout

  /// The box lines: top rule, header, header rule, body with separators, bottom rule.
  func boxedLines(_ grid: TableGrid, _ box: BoxSet, _ style: RenderStyle) -> [String] {
    var lines: [String] = []
    let hasHeader = !headers.isEmpty
    lines.append(box.rule(hasHeader ? box.headTop : box.bodyTop, grid.widths))
    if hasHeader {
      let cells = grid.cells(grid.header).map { ANSI.wrap($0, ANSI.bold, enabled: style.color) }
      lines.append(box.row(box.headVertical, cells))
      lines.append(box.rule(box.headBottom, grid.widths))
    }
    for (index, row) in grid.body.enumerated() {
      if index > 0 && rowSeparators { lines.append(box.rule(box.separator, grid.widths)) }
      lines.append(box.row(box.bodyVertical, grid.cells(row)))
    }
    lines.append(box.rule(box.bodyBottom, grid.widths))
    return lines
  }
}

/// Normalised cells, widths and alignments of a table.
struct TableGrid {
  let header: [String]
  let body: [[String]]
  let widths: [Int]
  let aligns: [Table.Alignment]

  var columnCount: Int { widths.count }

  init(headers: [String], rows: [[String]], alignments: [Table.Alignment], minWidths: [Int]) {
    let count = max(headers.count, rows.map(\.count).max() ?? 0)
    func normalise(_ row: [String]) -> [String] {
      (0..<count).map { $0 < row.count ? TextLayout.singleLine(row[$0]) : "" }
    }
    header = headers.isEmpty ? [] : normalise(headers)
    body = rows.map(normalise)
    let all = (header.isEmpty ? [] : [header]) + body
    widths = (0..<count).map { column in
      let minimum = column < minWidths.count ? minWidths[column] : 0
      return all.reduce(max(0, minimum)) { max($0, displayWidth($1[column])) }
    }
    let bodyRows = body
    aligns = (0..<count).map { column in
      let requested = column < alignments.count ? alignments[column] : .auto
      guard requested == .auto else { return requested }
      return TableGrid.isNumericColumn(bodyRows.map { $0[column] }) ? .right : .left
    }
  }

  /// `row`'s cells padded and aligned to the column widths.
  func cells(_ row: [String]) -> [String] {
    row.enumerated().map { column, text in
      let width = widths[column]
      switch aligns[column] {
      case .right: return TextLayout.padLeft(text, width)
      case .center: return TextLayout.center(text, width)
      case .left, .auto: return TextLayout.padRight(text, width)
      }
    }
  }

  /// `true` when every non-empty cell parses as a number (commas and a
  /// trailing `%` allowed) and at least one cell is non-empty.
  static func isNumericColumn(_ cells: [String]) -> Bool {
    let filled = cells.map { $0.trimmingSpaces }.filter { !$0.isEmpty }
    return !filled.isEmpty && filled.allSatisfy(isNumber)
  }

  /// Whether `text` reads as a number: `1,234`, `-0.5`, `1e-3`, `12%`, `nan`.
  static func isNumber(_ text: String) -> Bool {
    var plain = text.filter { $0 != "," }
    if plain.hasSuffix("%") { plain.removeLast() }
    return Double(plain) != nil
  }
}

extension String {
  /// The string without leading and trailing spaces.
  var trimmingSpaces: String {
    String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
  }
}

/// Box-drawing characters for one style.
struct BoxSet {
  /// Characters of a horizontal rule: left corner, fill, junction, right corner.
  struct Rule {
    let left: String, fill: String, junction: String, right: String
  }

  let headTop: Rule, headBottom: Rule, bodyTop: Rule, separator: Rule, bodyBottom: Rule
  let headVertical: String, bodyVertical: String

  init(_ style: RenderStyle) {
    if style.unicode {
      headTop = Rule(left: "┏", fill: "━", junction: "┳", right: "┓")
      headBottom = Rule(left: "┡", fill: "━", junction: "╇", right: "┩")
      bodyTop = Rule(left: "┌", fill: "─", junction: "┬", right: "┐")
      separator = Rule(left: "├", fill: "─", junction: "┼", right: "┤")
      bodyBottom = Rule(left: "└", fill: "─", junction: "┴", right: "┘")
      headVertical = "┃"
      bodyVertical = "│"
    } else {
      let plain = Rule(left: "+", fill: "-", junction: "+", right: "+")
      headTop = plain
      headBottom = Rule(left: "+", fill: "=", junction: "+", right: "+")
      bodyTop = plain
      separator = plain
      bodyBottom = plain
      headVertical = "|"
      bodyVertical = "|"
    }
  }

  /// A horizontal rule over columns of content widths `widths` (plus padding).
  func rule(_ r: Rule, _ widths: [Int]) -> String {
    r.left + widths.map { TextLayout.repeated(r.fill, $0 + 2) }.joined(separator: r.junction) + r.right
  }

  /// A row of already aligned cells between `vertical` bars.
  func row(_ vertical: String, _ cells: [String]) -> String {
    vertical + cells.map { " \($0) " }.joined(separator: vertical) + vertical
  }
}
