import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

@Suite("Data: CSV loading")
struct DataCSVTests {
  typealias S = DataTestSupport

  @Test("iris.csv: 150 × 4, target 'label' with 3 classes")
  func iris() throws {
    let path = S.exampleData("iris.csv")
    let (d, report) = try CSVLoader.load(path: path, target: .named("label"))
    #expect(d.x.shape == [150, 4])
    #expect(d.y?.shape == [150])
    #expect(d.featureNames == ["sepal_length_cm", "sepal_width_cm", "petal_length_cm",
                               "petal_width_cm"])
    #expect(d.targetName == "label")
    #expect(d.classNames == ["0", "1", "2"], "whole-number labels name their classes")
    #expect(d.classCount == 3)
    #expect(d.describe == "150 rows × 4 features, target 'label' (3 classes)")
    #expect(report.rowsRead == 150 && report.rowsDropped == 0 && report.labelMapping.isEmpty)
    #expect(d.x[0, 0] == 5.1 && d.x[1, 1] == 3 && d.x[149, 3] == 1.8)
    #expect(d.y?.data.prefix(3) == [0, 0, 0] && d.y?.data.last == 2)
  }

  @Test("digits.csv: 1797 × 64 with label last")
  func digits() throws {
    let (d, _) = try CSVLoader.load(path: S.exampleData("digits.csv"), target: .last)
    #expect(d.x.shape == [1797, 64])
    #expect(d.classCount == 10)
    #expect(d.featureNames.first == "px0" && d.featureNames.last == "px63")
  }

  @Test("the examples/data copies match the shared data",
        .enabled(if: S.hasSharedData, "../shared/data not found"))
  func copiesMatch() throws {
    for name in ["iris.csv", "digits.csv"] {
      let shared = try #require(S.sharedData(name))
      #expect(FileManager.default.contents(atPath: shared)
        == FileManager.default.contents(atPath: S.exampleData(name)))
    }
  }

  @Test("no target, target by name in the middle, no header")
  func targets() throws {
    let text = "a,b,c\n1,2,3\n4,5,6\n"
    let (none, _) = try S.load(text, target: .none)
    #expect(none.x.shape == [2, 3] && none.y == nil)
    #expect(none.describe == "2 rows × 3 features, no target")
    let (mid, _) = try S.load(text, target: .named("b"))
    #expect(mid.x.data == [1, 3, 4, 6] && mid.y?.data == [0, 1] && mid.featureNames == ["a", "c"])
    #expect(mid.classNames == ["2", "5"], "whole-number labels 2, 5 are classes 0, 1")
    let (raw, _) = try S.load("1,2,3\n4,5,6\n", target: .named("col2"), header: false)
    #expect(raw.x.data == [1, 3, 4, 6] && raw.featureNames == ["col1", "col3"])
  }

  @Test("text labels map to sorted indices")
  func labels() throws {
    let text = "x,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n"
    let (d, report) = try S.load(text)
    #expect(d.classNames == ["setosa", "versicolor", "virginica"])
    #expect(d.y?.data == [2, 0, 1, 0])
    #expect(report.labelMapping.map(\.0) == ["setosa", "versicolor", "virginica"])
    #expect(report.labelMapping.map(\.1) == [0, 1, 2])
    #expect(d.describe == "4 rows × 1 feature, target 'species' (3 classes)")
  }

  @Test("non-integer numeric target is kept as values")
  func regressionTarget() throws {
    let (d, _) = try S.load("x,price\n1,2.5\n2,3.25\n")
    #expect(d.y?.data == [2.5, 3.25] && d.classCount == nil && d.classNames == nil)
    #expect(d.describe == "2 rows × 1 feature, target 'price' (numeric)")
  }

  @Test("quoting: commas, doubled quotes and newlines inside quotes")
  func quoting() throws {
    let text = "\"a,1\",\"b \"\"q\"\"\",label\n\"1.5\",2,\"x, y\"\n3,\"4\",\"say \"\"hi\"\"\nthere\"\n"
    let (d, report) = try S.load(text)
    #expect(d.featureNames == ["a,1", "b \"q\""])
    #expect(d.x.data == [1.5, 2, 3, 4])
    #expect(d.classNames == ["say \"hi\"\nthere", "x, y"])
    #expect(d.y?.data == [1, 0])
    #expect(report.rowsRead == 2)
  }

  @Test("CRLF line ends, BOM, blanks around fields, blank lines")
  func lineEndsAndBOM() throws {
    let (crlf, _) = try S.load("a,b\r\n1,2\r\n3,4\r\n\r\n")
    #expect(crlf.x.data == [1, 3] && crlf.y?.data == [0, 1] && crlf.classNames == ["2", "4"])
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n".utf8)
    let (d, _) = try CSVLoader.load(path: S.write(bom), target: .named("a"))
    #expect(d.targetName == "a" && d.x.data == [2])
    let (spaced, _) = try S.load(" a , b \n\n 1 , 2 \n\n  \n3,\t4\n\n\n")
    #expect(spaced.featureNames == ["a"] && spaced.x.data == [1, 3] && spaced.y?.data == [0, 1])
    let (noFinalNewline, _) = try S.load("a,b\n1,2")
    #expect(noFinalNewline.count == 1)
  }

  @Test("number syntax: signs, exponents, leading dot, long mantissas")
  func numbers() throws {
    let values = ["-1.5", "+2", ".5", "5.", "1e3", "2.5E-2", "0.1", "3.4028234e38",
                  "1.00000000000000000000001", "123456789012345678901234", "1e-50"]
    let text = "v,t\n" + values.map { "\($0),0" }.joined(separator: "\n")
    let (d, _) = try S.load(text)
    #expect(d.x.data == values.map { Float($0) ?? .nan })
  }

  @Test("missing values under each policy")
  func missingPolicies() throws {
    let text = "a,b,y\n1,,0\n3,4,1\nNA,8,0\n5,nan,1\n"
    #expect(S.csvError(text) ==
      "t.csv:2: column 2 ('b'): missing value; fill or remove this cell (or its row) and load "
      + "the file again, or load with missing=drop|keep|mean|median|zero|VALUE")
    let (dropped, r1) = try S.load(text, missing: .drop)
    #expect(dropped.x.data == [3, 4] && dropped.y?.data == [0] && dropped.classNames == ["1"])
    #expect(r1.rowsRead == 4 && r1.rowsDropped == 3)
    let (meaned, r2) = try S.load(text, missing: .mean)
    #expect(meaned.x.data == [1, 6, 3, 4, 3, 8, 5, 6])
    #expect(r2.missingFilled == [MissingFill(column: "a", count: 1, value: 3),
                                 MissingFill(column: "b", count: 2, value: 6)])
    let (zeroed, r3) = try S.load(text, missing: .zero)
    #expect(zeroed.x.data == [1, 0, 3, 4, 0, 8, 5, 0] && r3.rowsDropped == 0)
    #expect(zeroed.y?.data == [0, 1, 0, 1])
  }

  @Test("missing targets: dropped under drop, an error otherwise")
  func missingTargets() throws {
    let text = "a,y\n1,cat\n2,\n3,dog\n"
    #expect(S.csvError(text, missing: .mean) ==
      "t.csv:3: column 2 ('y'): missing target value; fill it in or remove the row, then load the file again")
    let (d, report) = try S.load(text, missing: .drop)
    #expect(d.x.data == [1, 3] && d.classNames == ["cat", "dog"] && report.rowsDropped == 1)
  }

  @Test("a 100k-row synthetic file parses")
  func largeFile() throws {
    var text = "a,b,c,d,label\n"
    text.reserveCapacity(3_000_000)
    for i in 0..<100_000 {
      text += "\(i % 97).25,-\(i % 13).5,\(i),1e-\(i % 7),\(i % 3)\n"
    }
    let (d, report) = try S.load(text)
    #expect(d.x.shape == [100_000, 4] && report.rowsRead == 100_000)
    #expect(d.x[99_999, 2] == 99_999 && d.x[12, 0] == 12.25 && d.x[6, 3] == 1e-6)
    #expect(d.classCount == 3)
  }
}
