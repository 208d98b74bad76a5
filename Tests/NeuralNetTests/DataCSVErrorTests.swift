import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

@Suite("Data: CSV errors")
struct DataCSVErrorTests {
  typealias S = DataTestSupport

  @Test("field count: missing and extra fields")
  func fieldCounts() {
    #expect(S.csvError("a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n")
      == "t.csv:3: row has 4 fields, the header has 5")
    #expect(S.csvError("a,b\n1,2,3\n") == "t.csv:2: row has 3 fields, the header has 2")
    #expect(S.csvError("a,b\n1\n") == "t.csv:2: row has 1 field, the header has 2")
    #expect(S.csvError("1,2\n1,2,3\n", header: false)
      == "t.csv:2: row has 3 fields, the first row has 2")
  }

  @Test("non-numbers name the line, column and column name")
  func notANumber() {
    var lines = ["sepal_length,sepal_width,petal_length,petal_width,label"]
    lines += Array(repeating: "5.1,3.5,1.4,0.2,0", count: 15)
    lines.append("5.1,3.5,abc,0.2,0")
    #expect(S.csvError(lines.joined(separator: "\n"))
      == "t.csv:17: column 3 ('petal_length'): 'abc' is not a number")
    #expect(S.csvError("a,y\n1.2.3,0\n") == "t.csv:2: column 1 ('a'): '1.2.3' is not a number")
    #expect(S.csvError("a,y\ninf,0\n") == "t.csv:2: column 1 ('a'): 'inf' is not a finite number")
    #expect(S.csvError("a,y\n1e39,0\n") == "t.csv:2: column 1 ('a'): '1e39' is too large for float32")
    #expect(S.csvError("species,y\nsetosa,0\n")
      == "t.csv:2: column 1 ('species'): 'setosa' is not a number")
  }

  @Test("a record spanning lines is reported at its first line")
  func multilineRecord() {
    #expect(S.csvError("a,b,y\n\"x\ny\",1,0\n2,oops,1\n")
      == "t.csv:2: column 1 ('a'): 'x\\ny' is not a number")
    #expect(S.csvError("a,b,y\n1,\"2\n\",0\n2,oops,1\n")
      == "t.csv:4: column 2 ('b'): 'oops' is not a number")
  }

  @Test("empty file, blank file, header only")
  func emptyFiles() {
    #expect(S.csvError("") == "t.csv: file is empty")
    #expect(S.csvError("\n\n  \n") == "t.csv: file is empty")
    #expect(S.csvError("a,b,label\n") == "t.csv: no data rows after the header")
    #expect(S.csvError("a,b,label\n\n\n") == "t.csv: no data rows after the header")
  }

  @Test("no such file, a directory")
  func fileSystem() {
    let missing = "/nonexistent/dir/x.csv"
    #expect(S.message(path: missing) { _ = try CSVLoader.load(path: missing, target: .last) }
      == "f: no such file")
    let dir = S.tempDirectory().path
    #expect(S.message(path: dir) { _ = try CSVLoader.load(path: dir, target: .last) }
      == "f: is a directory, not a file")
  }

  @Test("unknown target: a suggestion, or the column list")
  func unknownTarget() {
    let text = "sepal_length,petal_length,label\n1,2,0\n"
    #expect(S.csvError(text, target: .named("labl"))
      == "t.csv: target column 'labl' not found; did you mean 'label'?")
    #expect(S.csvError(text, target: .named("LABEL"))
      == "t.csv: target column 'LABEL' not found; did you mean 'label'?")
    #expect(S.csvError(text, target: .named("species")) == "t.csv: target column 'species' "
      + "not found; the columns are 'sepal_length', 'petal_length', 'label'")
    #expect(S.csvError("a,a,b\n1,2,3\n", target: .named("a"))
      == "t.csv: target column 'a' is ambiguous: it names columns 1, 2")
    #expect(S.csvError("label\n1\n")
      == "t.csv: no feature columns: the only column, 'label', is the target")
  }

  @Test("quoting errors")
  func quotingErrors() {
    #expect(S.csvError("a,b\n1,\"2\n3,4\n")
      == "t.csv:2: column 2: quoted field is never closed (missing '\"')")
    #expect(S.csvError("a,b\n\"1\"x,2\n") == "t.csv:2: column 1: unexpected 'x' after a closing quote")
  }

  @Test("missing values: an all-missing column under mean, everything dropped")
  func missingEdgeCases() {
    #expect(S.csvError("a,b,y\n1,,0\n2,NA,1\n", missing: .mean)
      == "t.csv: column 2 ('b'): every value is missing, so there is no mean to fill with")
    #expect(S.csvError("a,y\n,0\nNA,1\n", missing: .drop)
      == "t.csv: every one of the 2 rows has a missing value; nothing is left after missing=drop")
    #expect(S.csvError("a,y\nnull,0\n")
      == "t.csv:2: column 1 ('a'): missing value; fill or remove this cell (or its row) and load "
      + "the file again, or load with missing=drop|keep|mean|median|zero|VALUE")
  }

  @Test("DataError formats each combination of parts")
  func errorFormatting() {
    #expect(DataError(path: "p", message: "m").description == "p: m")
    #expect(DataError(path: "p", row: 3, message: "m").description == "p:3: m")
    #expect(DataError(path: "p", row: 3, column: 2, message: "m").description == "p:3: column 2: m")
    #expect(DataError(path: nil, message: "m").description == "m")
    #expect(DataError(path: nil, row: 4, column: 1, columnName: "x", message: "m").description
      == "row 4: column 1 ('x'): m")
  }

  @Test("edit distance")
  func editDistance() {
    func d(_ a: String, _ b: String) -> Int {
      NameSuggestion.distance(Array(a.unicodeScalars), Array(b.unicodeScalars))
    }
    #expect(d("kitten", "sitting") == 3 && d("", "abc") == 3 && d("label", "label") == 0)
    #expect(NameSuggestion.closest(to: "x", in: ["label"]) == nil)
    #expect(NameSuggestion.closest(to: "petal_lenght", in: ["petal_length", "petal_width"])
      == "petal_length")
  }
}
