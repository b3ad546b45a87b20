/// IPv6 address text as RFC 5952 and Go's `net.IP.String()` write it: lowercase hex groups
/// without leading zeros, the first longest run of two or more zero groups written as `::`.
public enum IPv6Text {
    /// Formats eight 16-bit groups, most significant first.
    public static func format(groups: [UInt16]) -> String {
        precondition(groups.count == 8, "an IPv6 address has eight groups")
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > bestLength {
                bestStart = index
                bestLength = end - index
            }
            index = end
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestLength >= 2 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    /// Formats sixteen bytes in network order.
    public static func format(bytes: [UInt8]) -> String {
        format(groups: (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) })
    }
}
