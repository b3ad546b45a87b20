import Testing

@testable import CNISpec

/// CNISpec's substring search (plugin modules are built without `_StringProcessing`): first
/// occurrence, Character by Character, on String and Substring.
struct SubstringSearchTests {
    @Test func firstRangeFindsTheFirstOccurrence() {
        let text = "internal:0:0-0: Error: Could not process rule: No such file or directory"
        let range = text.firstRange(of: ": ")
        #expect(range.map { text.distance(from: text.startIndex, to: $0.lowerBound) } == 14)
        #expect(range.map { String(text[$0.upperBound...]) } == "Error: Could not process rule: No such file or directory")
        #expect(text.firstRange(of: "directory").map { text[$0] } == "directory")
        #expect(text.firstRange(of: "directoryX") == nil)
        #expect("ab".firstRange(of: "abc") == nil)
        #expect("aab".firstRange(of: "ab").map { "aab".distance(from: "aab".startIndex, to: $0.lowerBound) } == 1)
    }

    @Test func worksOnSubstringsWithTheirOwnIndices() {
        let whole = "xx Parsing command array at index 3: bad"
        let tail = whole.dropFirst(3)
        let range = tail.firstRange(of: "index ")
        #expect(range.map { String(tail[$0.upperBound...]) } == "3: bad")
        #expect(tail.contains("Parsing"))
        #expect(!tail.contains("xx"))
    }

    @Test func containsComparesCharacters() {
        #expect("No such file or directory".contains("such file"))
        #expect(!"No such file".contains("such  file"))
        #expect("anything".contains(""), "the empty string occurs at the start")
        #expect(!"".contains("a"))
        // Characters, not bytes: "e" + combining acute is one Character, equal to "é".
        #expect("caf\u{65}\u{301} au lait".contains("café"))
        #expect(!"cafe\u{301}".contains("cafe"), "the last Character is é, not e")
    }
}
