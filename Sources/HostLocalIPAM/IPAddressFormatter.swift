/// Canonical address text as Go's `net.IP.String()` writes it: dotted quad for IPv4;
/// lowercase hex groups without leading zeros for IPv6, the first longest run of two or
/// more zero groups written as `::`.
enum IPAddressFormatter {
    static func format(_ address: IPAddress) -> String {
        address.isIPv4 ? formatIPv4(UInt32(truncatingIfNeeded: address.value)) : formatIPv6(address.value)
    }

    static func formatIPv4(_ v: UInt32) -> String {
        "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
    }

    static func formatIPv6(_ value: UInt128) -> String {
        var groups: [UInt16] = []
        for shift in stride(from: 112, through: 0, by: -16) {
            groups.append(UInt16(truncatingIfNeeded: value >> UInt128(shift)))
        }
        // Longest run of zero groups (first one wins on ties), at least two groups long.
        var bestStart = -1
        var bestLength = 0
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLength {
                    bestStart = i
                    bestLength = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var out = ""
        i = 0
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLength
                continue
            }
            // A separator before every group except the first and the one right after `::`.
            if i > 0 && !(bestStart >= 0 && i == bestStart + bestLength) { out += ":" }
            out += String(groups[i], radix: 16)
            i += 1
        }
        return out
    }
}
