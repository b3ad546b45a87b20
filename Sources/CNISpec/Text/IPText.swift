/// IP address text as Go's `net.ParseIP` reads it: dotted-quad IPv4 without leading zeros,
/// RFC 4291 IPv6 text (with `::` and an optional dotted-quad tail), no zones. The one parser
/// of the suite (host-local, bridge and NetworkPolicy read addresses through it).
public enum IPText {
    /// The address's bytes in network order: 4 for dotted-quad text, 16 for IPv6 text (an
    /// IPv4-mapped address stays 16 bytes). `allowLeadingZeros` reads `010.1.1.1` as decimal,
    /// as Kubernetes' "sloppy" parsing of API objects does.
    public static func parse(_ text: String, allowLeadingZeros: Bool = false) -> [UInt8]? {
        let bytes = Array(text.utf8)
        if bytes.contains(UInt8(ascii: ":")) {
            guard let value = parseIPv6(bytes[...], allowLeadingZeros: allowLeadingZeros) else { return nil }
            return (0..<16).map { UInt8(truncatingIfNeeded: value >> UInt128(8 * (15 - $0))) }
        }
        guard let value = parseIPv4(bytes[...], allowLeadingZeros: allowLeadingZeros) else { return nil }
        return (0..<4).map { UInt8(truncatingIfNeeded: value >> UInt32(8 * (3 - $0))) }
    }

    /// Dotted quad for 4 bytes, RFC 5952 text for 16 (as Go's `net.IP.String()` writes them).
    public static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map { String($0) }.joined(separator: ".") }
        guard bytes.count == 16 else { return "?" }
        return IPv6Text.format(bytes: bytes)
    }

    /// Dotted-quad IPv4 text as a 32-bit value.
    public static func parseIPv4(_ bytes: ArraySlice<UInt8>, allowLeadingZeros: Bool = false) -> UInt32? {
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
                if digits == 1 && leadingZero && !allowLeadingZeros { return nil }
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


    /// IPv6 text as a 128-bit value.
    public static func parseIPv6(_ bytes: ArraySlice<UInt8>, allowLeadingZeros: Bool = false) -> UInt128? {
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
                guard groups.count <= 6, let v4 = parseIPv4(bytes[i..<end], allowLeadingZeros: allowLeadingZeros) else { return nil }
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
