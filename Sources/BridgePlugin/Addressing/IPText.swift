import CNISpec

/// Text form of IP addresses: parsing (dotted quad, RFC 4291 IPv6 including `::` and an
/// embedded dotted quad) and formatting as Go's `net.IP.String` does (RFC 5952: lower case,
/// the longest run of two or more zero groups compressed, the first one on a tie).
public enum IPText {
    public static func parse(_ text: String) -> [UInt8]? {
        text.utf8.contains(UInt8(ascii: ":")) ? parseV6(Substring(text)) : parseV4(Substring(text))
    }

    static func parseV4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.utf8.count <= 3, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let value = UInt8(part)
            else { return nil }
            // Go rejects leading zeros ("010") as ambiguous octal.
            if part.utf8.count > 1 && part.utf8.first == 0x30 { return nil }
            out.append(value)
        }
        return out
    }

    static func parseV6(_ text: Substring) -> [UInt8]? {
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        var embeddedV4: [UInt8]? = nil
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        if halves.count == 2 { sawGap = true }
        for (index, half) in halves.enumerated() {
            if half.isEmpty { continue }
            let groups = half.split(separator: ":", omittingEmptySubsequences: false)
            for (g, group) in groups.enumerated() {
                let isLastGroup = index == halves.count - 1 && g == groups.count - 1
                if isLastGroup, group.utf8.contains(UInt8(ascii: ".")) {
                    guard let v4 = parseV4(group) else { return nil }
                    embeddedV4 = v4
                    continue
                }
                guard !group.isEmpty, group.utf8.count <= 4, let value = UInt16(group, radix: 16) else { return nil }
                if index == 0 { head.append(value) } else { tail.append(value) }
            }
        }
        var groupsTotal = head.count + tail.count + (embeddedV4 == nil ? 0 : 2)
        if sawGap {
            guard groupsTotal < 8 else { return nil }
        } else {
            guard groupsTotal == 8 else { return nil }
        }
        var words = head
        if sawGap {
            while groupsTotal < 8 {
                words.append(0)
                groupsTotal += 1
            }
        }
        words += tail
        var out: [UInt8] = []
        for w in words { out += [UInt8(w >> 8), UInt8(w & 0xFF)] }
        if let embeddedV4 { out += embeddedV4 }
        return out.count == 16 ? out : nil
    }

    public static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map { String($0) }.joined(separator: ".") }
        guard bytes.count == 16 else { return "?" }
        return IPv6Text.format(bytes: bytes)
    }
}

extension Substring {
    /// Splits on a multi-character separator (no Foundation).
    fileprivate func components(separatedBy separator: String) -> [Substring] {
        let sep = Array(separator.utf8)
        let chars = Array(self.utf8)
        var result: [Substring] = []
        var start = startIndex
        var i = 0
        var current = startIndex
        while i < chars.count {
            if i + sep.count <= chars.count && Array(chars[i..<(i + sep.count)]) == sep {
                result.append(self[start..<current])
                current = utf8.index(current, offsetBy: sep.count)
                start = current
                i += sep.count
            } else {
                current = utf8.index(after: current)
                i += 1
            }
        }
        result.append(self[start..<endIndex])
        return result
    }
}
