/// Parses address text the way Go's `net.ParseIP` does: dotted-quad IPv4 without leading
/// zeros, RFC 4291 IPv6 text (with `::` and an optional dotted-quad tail), no zones.
enum IPAddressParser {
    static func parse(_ text: String) -> IPAddress? {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        if bytes.contains(UInt8(ascii: ":")) {
            guard let value = parseIPv6(bytes[...]) else { return nil }
            // IPv4-mapped addresses are IPv4 for host-local, as Go's To4() makes them.
            if value >> 32 == 0xFFFF { return IPAddress(family: .v4, value: value & 0xFFFF_FFFF) }
            return IPAddress(family: .v6, value: value)
        }
        guard let v4 = parseIPv4(bytes[...]) else { return nil }
        return IPAddress(family: .v4, value: UInt128(v4))
    }

    static func parseIPv4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var result: UInt32 = 0
        var octets = 0
        var current: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for b in bytes {
            if b == UInt8(ascii: ".") {
                guard digits > 0, octets < 3 else { return nil }
                result = result << 8 | current
                octets += 1
                current = 0
                digits = 0
                leadingZero = false
            } else if b >= 0x30 && b <= 0x39 {
                if digits == 1 && leadingZero { return nil }
                if digits == 0 && b == 0x30 { leadingZero = true }
                current = current * 10 + UInt32(b - 0x30)
                digits += 1
                guard current <= 255, digits <= 3 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        return result << 8 | current
    }

    static func parseIPv6(_ bytes: ArraySlice<UInt8>) -> UInt128? {
        var groups: [UInt16] = []
        var ellipsis: Int? = nil
        var i = bytes.startIndex
        let end = bytes.endIndex
        if bytes.starts(with: [UInt8(ascii: ":"), UInt8(ascii: ":")]) {
            ellipsis = 0
            i += 2
            if i == end { return 0 }
        } else if bytes.first == UInt8(ascii: ":") {
            return nil
        }
        while i < end {
            // A dotted-quad tail takes the last two groups.
            var j = i
            var hexDigits = 0
            var group: UInt32 = 0
            while j < end, let digit = hexValue(bytes[j]) {
                group = group << 4 | UInt32(digit)
                hexDigits += 1
                j += 1
                if hexDigits > 4 { return nil }
            }
            if j < end, bytes[j] == UInt8(ascii: ".") {
                guard groups.count <= 6, let v4 = parseIPv4(bytes[i..<end]) else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xFFFF))
                i = end
                break
            }
            guard hexDigits > 0 else { return nil }
            groups.append(UInt16(group))
            i = j
            if i == end { break }
            guard bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            if i < end, bytes[i] == UInt8(ascii: ":") {
                guard ellipsis == nil else { return nil }
                ellipsis = groups.count
                i += 1
                if i == end { break }
            } else if i == end {
                return nil
            }
            guard groups.count < 8 else { return nil }
        }
        if let ellipsis {
            guard groups.count < 8 else { return nil }
            let zeros = [UInt16](repeating: 0, count: 8 - groups.count)
            groups.insert(contentsOf: zeros, at: ellipsis)
        }
        guard groups.count == 8 else { return nil }
        var value: UInt128 = 0
        for g in groups { value = value << 16 | UInt128(g) }
        return value
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}

extension IPAddress {
    /// Parses address text (see `IPAddressParser`); nil when it is not an address.
    public init?(_ text: String) {
        guard let parsed = IPAddressParser.parse(text) else { return nil }
        self = parsed
    }
}
