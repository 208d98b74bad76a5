import Testing
@testable import Notebook

@Suite("Completion planning")
struct LineEditorCompletionTests {
  @Test func longestCommonPrefix() {
    #expect(CompletionPlanner.longestCommonPrefix([]) == "")
    #expect(CompletionPlanner.longestCommonPrefix(["dense"]) == "dense")
    #expect(CompletionPlanner.longestCommonPrefix(["conv2d", "concat", "conv1d"]) == "con")
    #expect(CompletionPlanner.longestCommonPrefix(["abc", "xyz"]) == "")
    #expect(CompletionPlanner.longestCommonPrefix(["relu", "re"]) == "re")
    #expect(CompletionPlanner.longestCommonPrefix(["émoi", "émail"]) == "ém")
  }

  @Test func columnsAreColumnMajorAndFitWidth() {
    let items = ["a", "bb", "ccc", "dddd", "e", "f", "g"]
    // widest 4 + gap 2 = 6 per cell; width 20 -> 3 per row -> 3 rows.
    let rows = CompletionPlanner.columns(items, width: 20)
    #expect(rows == [
      "a     dddd  g",
      "bb    e",
      "ccc   f",
    ])
    #expect(rows.allSatisfy { $0.count <= 20 && !$0.hasSuffix(" ") })
  }

  @Test func columnsWithNarrowTerminalUseOnePerRow() {
    let rows = CompletionPlanner.columns(["alpha", "beta"], width: 3)
    #expect(rows == ["alpha", "beta"])
    #expect(CompletionPlanner.columns([], width: 80).isEmpty)
  }

  @Test func singleCandidateInsertsTheRest() {
    let action = CompletionPlanner.plan(
      line: "x = den", cursor: 7, completion: Completion(replaceFrom: 4, candidates: ["dense"]), width: 80)
    #expect(action == CompletionAction(insert: "se"))
  }

  @Test func severalCandidatesInsertCommonPrefixAndList() {
    let action = CompletionPlanner.plan(
      line: "co", cursor: 2,
      completion: Completion(replaceFrom: 0, candidates: ["conv2d", "concat", "conv2d"]), width: 80)
    #expect(action.insert == "n")
    #expect(action.deleteCount == 0)
    #expect(action.listing == "conv2d  concat\n")
  }

  @Test func severalCandidatesWithoutProgressOnlyList() {
    let action = CompletionPlanner.plan(
      line: "d", cursor: 1, completion: Completion(replaceFrom: 0, candidates: ["dense", "dropout"]), width: 80)
    #expect(action.insert == "")
    #expect(action.listing == "dense    dropout\n")
  }

  @Test func noCandidatesDoesNothingButIndentsBlankLines() {
    let none = CompletionPlanner.plan(line: "zz", cursor: 2, completion: .none, width: 80)
    #expect(none == CompletionAction())
    let blank = CompletionPlanner.plan(line: "  ", cursor: 2, completion: .none, width: 80)
    #expect(blank == CompletionAction(insert: CompletionPlanner.indent))
    let blankWithCandidates = CompletionPlanner.plan(
      line: "", cursor: 0, completion: Completion(replaceFrom: 0, candidates: ["dense", "debug"]), width: 80)
    #expect(blankWithCandidates == CompletionAction(insert: CompletionPlanner.indent))
  }

  @Test func caseMismatchReplacesTheWord() {
    let action = CompletionPlanner.plan(
      line: "Den", cursor: 3, completion: Completion(replaceFrom: 0, candidates: ["dense"]), width: 80)
    #expect(action == CompletionAction(deleteCount: 3, insert: "dense"))
  }

  @Test func replacementNeverShortensTheWord() {
    let action = CompletionPlanner.plan(
      line: "Dxyz", cursor: 4, completion: Completion(replaceFrom: 0, candidates: ["da", "db"]), width: 80)
    #expect(action.deleteCount == 0 && action.insert == "")
    #expect(action.listing != nil)
  }

  @Test func utf8OffsetsAndMidLineCursor() {
    // "é" is two UTF-8 bytes; the word "ré" spans bytes 4..<7, cursor before " end".
    let line = "x = ré end"
    let action = CompletionPlanner.plan(
      line: line, cursor: 7, completion: Completion(replaceFrom: 4, candidates: ["résumé"]), width: 80)
    #expect(action == CompletionAction(insert: "sumé"))
    let replaced = CompletionPlanner.plan(
      line: line, cursor: 7, completion: Completion(replaceFrom: 4, candidates: ["RÉSUMÉ"]), width: 80)
    #expect(replaced == CompletionAction(deleteCount: 2, insert: "RÉSUMÉ"))
  }

  @Test func outOfRangeOffsetsAreClamped() {
    let action = CompletionPlanner.plan(
      line: "den", cursor: 99, completion: Completion(replaceFrom: -5, candidates: ["dense"]), width: 80)
    #expect(action == CompletionAction(insert: "se"))
  }

  @Test func longListingsAreCapped() {
    let many = (0..<(CompletionPlanner.maxListed + 5)).map { "w\($0)" }
    let action = CompletionPlanner.plan(
      line: "w", cursor: 1, completion: Completion(replaceFrom: 0, candidates: many), width: 80)
    #expect(action.listing?.hasSuffix("... and 5 more\n") == true)
  }
}
