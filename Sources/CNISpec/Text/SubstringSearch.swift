/// Substring search without the regex engine. Plugin modules are built without Swift's
/// implicit `_StringProcessing` import (Package.swift), which otherwise links the whole regex
/// engine (~1 MB) into every plugin for its collection algorithms; these are the two of them
/// the package uses, with the same meaning: Character by Character, first match.
/// Non-generic in their argument, so that where `_StringProcessing` or Foundation is imported
/// too (tests, cnictl) a call with a `String` resolves to these instead of being ambiguous.
extension StringProtocol {
    /// The range of the first occurrence of `other`, or nil; an empty `other` occurs at the
    /// start.
    package func firstRange(of other: String) -> Range<Index>? {
        guard let first = other.first else { return startIndex..<startIndex }
        var index = startIndex
        while index != endIndex {
            if self[index] == first && self[index...].starts(with: other) {
                return index..<self.index(index, offsetBy: other.count)
            }
            index = self.index(after: index)
        }
        return nil
    }

    /// Whether `other` occurs in this text.
    package func contains(_ other: String) -> Bool { firstRange(of: other) != nil }
}
