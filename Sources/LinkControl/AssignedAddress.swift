import CNISpec

/// An IP address assigned to an interface, with its prefix length.
public struct AssignedAddress: Sendable, Hashable, CustomStringConvertible {
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
            return IPv6Text.format(bytes: bytes)
        }
    }

    /// CIDR text, e.g. `127.0.0.1/8`, `::1/128`.
    public var cidr: String { "\(addressText)/\(prefixLength)" }

    public var description: String { cidr }
}
