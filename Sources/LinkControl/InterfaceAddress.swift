/// An IP address assigned to an interface, with its prefix length.
public struct InterfaceAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable {
        case ipv4
        case ipv6
    }

    public let family: Family
    /// Network byte order: 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]
    public let prefixLength: Int

    /// `bytes` must hold 4 (IPv4) or 16 (IPv6) bytes.
    public init?(bytes: [UInt8], prefixLength: Int) {
        switch bytes.count {
        case 4: family = .ipv4
        case 16: family = .ipv6
        default: return nil
        }
        guard prefixLength >= 0, prefixLength <= bytes.count * 8 else { return nil }
        self.bytes = bytes
        self.prefixLength = prefixLength
    }

    /// The prefix length a netmask denotes: its number of leading one bits. Returns nil when the
    /// mask is not contiguous or its size does not match the address.
    public static func prefixLength(ofMask mask: [UInt8]) -> Int? {
        var length = 0
        var seenZero = false
        for byte in mask {
            for bit in (0..<8).reversed() {
                if byte & (1 << bit) != 0 {
                    if seenZero { return nil }
                    length += 1
                } else {
                    seenZero = true
                }
            }
        }
        return length
    }

    /// A loopback address as Go's `net.IP.IsLoopback` defines it: 127.0.0.0/8, `::1`, and
    /// 127.0.0.0/8 written as an IPv4-mapped IPv6 address.
    public var isLoopback: Bool {
        switch family {
        case .ipv4:
            return bytes[0] == 127
        case .ipv6:
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            let mapped = bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff
            return mapped && bytes[12] == 127
        }
    }

    /// The address alone: dotted decimal, or RFC 5952 text for IPv6 (lower case, the longest run
    /// of two or more zero groups shortened to `::`, the first such run on a tie).
    public var addressText: String {
        switch family {
        case .ipv4:
            return bytes.map { String($0) }.joined(separator: ".")
        case .ipv6:
            return Self.ipv6Text(bytes)
        }
    }

    /// CIDR text, e.g. `127.0.0.1/8`, `::1/128`.
    public var cidr: String { "\(addressText)/\(prefixLength)" }

    public var description: String { cidr }

    private static func ipv6Text(_ bytes: [UInt8]) -> String {
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        // The longest run of zero groups (length >= 2), first one on a tie.
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestStart >= 0 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}
