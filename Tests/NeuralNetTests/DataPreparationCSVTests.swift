import Foundation
import Testing
@testable import Autograd
@testable import NeuralNet

/// Missing-value rules, categorical columns, imputation, resampling and summaries.
@Suite("Data: missing values and categories")
struct DataPreparationCSVTests {
  typealias S = DataTestSupport

  static func load(_ text: String, target: TargetSpec = .last,
                   _ options: CSVOptions) throws -> (Dataset, LoadReport) {
    let path = S.write(text)
    defer { S.remove(path) }
    return try CSVLoader.load(path: path, target: target, options: options)
  }

  static func error(_ text: String, target: TargetSpec = .last, _ options: CSVOptions) -> String? {
    let path = S.write(text)
    defer { S.remove(path) }
    do {
      _ = try CSVLoader.load(path: path, target: target, options: options)
      return nil
    } catch let e as DataError {
      return e.description.replacingOccurrences(of: path, with: "t.csv")
    } catch {
      return "\(error)"
    }
  }

  @Test("every missing token is counted per column: empty, NA, NaN, ?, null")
  func missingTokens() throws {
    let text = "a,b,y\n1,?,0\nNaN,2,1\nnull,NA,0\n4,,1\n"
    let (d, report) = try Self.load(text, CSVOptions(missing: .keep))
    #expect(report.missingCounts.map(\.column) == ["a", "b"])
    #expect(report.missingCounts.map(\.count) == [2, 3])
    #expect(Imputer.missingCounts(d.x) == [2, 3])
    #expect(d.count == 4 && d.imputer == nil)
  }

  @Test("median, a constant and per-column rules fill from the file's present values")
  func fills() throws {
    let text = "a,b,y\n1,10,0\n,20,1\n3,,0\n10,40,1\n"
    let (median, r1) = try Self.load(text, CSVOptions(missing: .median))
    #expect(median.x.data == [1, 10, 3, 20, 3, 20, 10, 40])
    #expect(r1.missingFilled == [MissingFill(column: "a", count: 1, value: 3),
                                 MissingFill(column: "b", count: 1, value: 20)])
    let (constant, _) = try Self.load(text, CSVOptions(fillValue: -1))
    #expect(constant.x.data == [1, 10, -1, 20, 3, -1, 10, 40])
    let (mixed, r3) = try Self.load(text, CSVOptions(missing: .drop, columnFills: ["a": .mean]))
    // the row missing b is dropped; a's gap gets the mean of the rows kept (1 and 10)
    #expect(r3.rowsDropped == 1 && mixed.count == 3)
    #expect(mixed.x.data == [1, 10, 5.5, 20, 10, 40])
    #expect(mixed.imputer?.values == [5.5, nil])
  }

  @Test("the load's fills make an imputer that fills new data the same way")
  func imputerFromLoad() throws {
    let (d, _) = try Self.load("a,b,y\n1,2,0\n,4,1\n5,6,0\n", CSVOptions(missing: .mean))
    let imputer = try #require(d.imputer)
    #expect(imputer.values == [3, 4] && imputer.rules == [.mean, .mean])
    let (x, filled) = try imputer.apply(to: Tensor(shape: [2, 2], data: [.nan, 1, 2, .nan]))
    #expect(x.data == [3, 1, 2, 4] && filled == [1, 1])
    #expect(Imputer(text: imputer.text) == imputer)
  }

  @Test("impute after a split takes its statistics from the first dataset only")
  func imputeFromTraining() throws {
    let train = try Dataset(x: Tensor(shape: [4, 1], data: [1, 2, .nan, 9]), y: nil)
    let test = try Dataset(x: Tensor(shape: [3, 1], data: [.nan, 100, 200]), y: nil)
    let imputer = try Imputer.fit(train, rule: .median)
    #expect(imputer.values == [2])
    let (filled, counts) = try imputer.apply(test)
    #expect(filled.x.data == [2, 100, 200] && counts == [1] && filled.imputer == imputer)
    let mean = try Imputer.fit(train, rule: .mean)
    #expect(mean.values == [4])
    let empty = try Dataset(x: Tensor(shape: [2, 1], data: [.nan, .nan]), y: nil)
    #expect(throws: DataError.self) { try Imputer.fit(empty, rule: .mean) }
    #expect(throws: DataError.self) { try imputer.apply(Dataset(x: Tensor(shape: [1, 2], data: [1, 2]))) }
  }

  @Test("categorical columns become sorted one-hot features; the split keeps the encoding")
  func oneHotColumns() throws {
    let text = "color,size,city,y\nred,1,Oslo,0\nblue,2,Rome,1\nred,3,\"Oslo\",1\ngreen,NA,Rome,0\n"
    let (d, report) = try Self.load(text, CSVOptions(missing: .zero, categorical: ["color", "city"]))
    #expect(d.featureNames == ["color=blue", "color=green", "color=red", "size", "city=Oslo", "city=Rome"])
    #expect(d.x.shape == [4, 6])
    #expect(Array(d.x.data[0..<6]) == [0, 0, 1, 1, 1, 0])
    #expect(Array(d.x.data[18..<24]) == [0, 1, 0, 0, 0, 1])
    #expect(report.categories?.columns.map(\.categories) == [["blue", "green", "red"], ["Oslo", "Rome"]])
    var rng = SeededRandom(seed: 1)
    let parts = try Split.split(d, fractions: [0.5], rng: &rng)
    #expect(parts.allSatisfy { $0.categories == d.categories })
    // the imputer fills only the numeric column
    #expect(d.imputer?.values == [nil, nil, nil, 0, nil, nil])
  }

  @Test("a missing category is an all-zero row, or drops the row; under error it is located")
  func missingCategory() throws {
    let text = "c,y\na,0\n,1\nb,1\n"
    let (kept, _) = try Self.load(text, CSVOptions(missing: .keep, categorical: ["c"]))
    #expect(kept.x.data == [1, 0, 0, 0, 0, 1])
    let (dropped, r) = try Self.load(text, CSVOptions(missing: .drop, categorical: ["c"]))
    #expect(dropped.count == 2 && r.rowsDropped == 1)
    #expect(Self.error(text, CSVOptions(categorical: ["c"]))?.hasPrefix("t.csv:3: column 1 ('c'): missing value") == true)
  }

  @Test("known categories: the same columns in the same order; an unseen one is an error")
  func knownCategories() throws {
    let known = CategoryEncoding(columns: [.init(name: "c", categories: ["x", "y", "z"])])
    let (d, _) = try Self.load("c,v\ny,1\n", target: .none, CSVOptions(categorical: ["c"], knownCategories: known))
    #expect(d.featureNames == ["c=x", "c=y", "c=z", "v"] && d.x.data == [0, 1, 0, 1])
    #expect(Self.error("c,v\ny,1\nw,2\n", target: .none, CSVOptions(categorical: ["c"], knownCategories: known))
            == "t.csv:3: column 1 ('c'): unknown category 'w': the encoding has 'x', 'y', 'z'")
    #expect(CategoryEncoding(text: known.text) == known)
  }

  @Test("option errors: unknown columns, the target, a fill on a categorical column")
  func optionErrors() {
    let text = "age,city,y\n1,a,0\n2,b,1\n"
    #expect(Self.error(text, CSVOptions(categorical: ["cty"])) == "t.csv: categorical column 'cty' not found; did you mean 'city'?")
    #expect(Self.error(text, CSVOptions(columnFills: ["y": .mean])) == "t.csv: 'y' is the target column; missing= names feature columns")
    #expect(Self.error(text, CSVOptions(columnFills: ["city": .zero], categorical: ["city"]))?
      .contains("'city' is categorical") == true)
    // a string column not declared categorical is still a located number error
    #expect(Self.error(text, CSVOptions()) == "t.csv:2: column 2 ('city'): 'a' is not a number")
  }

  @Test("a target with one class is an error naming the column")
  func oneClassTarget() {
    #expect(Self.error("a,y\n1,cat\n2,cat\n", CSVOptions())
            == "t.csv: column 2 ('y'): the target holds one class ('cat') in all 2 rows; a classifier needs two or more")
  }

  @Test("resample evens out the classes, seeded")
  func resample() throws {
    let d = try Dataset(x: Tensor(shape: [6, 1], data: [0, 1, 2, 3, 4, 5]),
                        y: Tensor(shape: [6], data: [0, 0, 0, 0, 1, 1]))
    var rng = SeededRandom(seed: 3)
    let over = try Resample.balance(d, .oversample, rng: &rng)
    #expect(try ClassBalance(over).counts == [4, 4])
    #expect(over.x.data.filter { $0 < 4 }.count == 4 && Set(over.x.data.filter { $0 >= 4 }) == [4, 5])
    let under = try Resample.balance(d, .undersample, rng: &rng)
    #expect(try ClassBalance(under).counts == [2, 2] && Set(under.x.data.filter { $0 >= 4 }) == [4, 5])
    var again = SeededRandom(seed: 3)
    #expect(try Resample.balance(d, .oversample, rng: &again).x.data == over.x.data)
    let unlabelled = try Dataset(x: Tensor(shape: [2, 1], data: [0, 1]))
    #expect(throws: DataError.self) { try Resample.balance(unlabelled, .oversample, rng: &rng) }
  }

  @Test("onehot targets and describe statistics")
  func oneHotAndSummary() throws {
    let d = try Dataset(x: Tensor(shape: [5, 1], data: [1, 2, .nan, 4, 10]),
                        y: Tensor(shape: [5], data: [0, 2, 1, 0, 2]))
    let o = try d.oneHotTargets()
    #expect(o.y?.shape == [5, 3] && Array(o.y?.data[3..<6] ?? []) == [0, 0, 1])
    #expect(throws: DataError.self) { try o.oneHotTargets() }
    let s = try #require(ColumnSummary.of(d).first)
    // pandas: count 4, mean 4.25, std 4.0311, quartiles 1.75 / 3.0 / 5.5
    #expect(s.count == 4 && s.missing == 1 && s.mean == 4.25 && s.min == 1 && s.max == 10)
    #expect(abs(s.std - 4.031129) < 1e-5 && s.q25 == 1.75 && s.median == 3 && s.q75 == 5.5)
  }
}
