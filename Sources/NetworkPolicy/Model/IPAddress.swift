import CNISpec

/// An IPv4 or IPv6 address as its network-order bytes (4 or 16), parsed without Foundation.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Family: Sendable, Hashable { case ipv4, ipv6 }

    public let bytes: [UInt8]

    public var family: Family { bytes.count == 4 ? .ipv4 : .ipv6 }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses `10.0.0.1`, `fd00::1`, `::ffff:1.2.3.4`; `nil` when the text is not an address.
    /// Leading zeros in a dotted quad are read as decimal, as the Kubernetes API server's
    /// "sloppy" parsing of object fields accepts them.
    public init?(_ text: String) {
        guard let bytes = IPText.parse(text, allowLeadingZeros: true) else { return nil }
        self.bytes = bytes
    }

    public var description: String { IPText.format(bytes) }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        if lhs.bytes.count != rhs.bytes.count { return lhs.bytes.count < rhs.bytes.count }
        return lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}

/// An address prefix (`10.0.0.0/16`), as in `ipBlock.cidr` and `ipBlock.except`.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The network address (host bits cleared).
    public let address: IPAddress
    public let length: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let length = Int(parts[1]),
            length >= 0, length <= address.bytes.count * 8
        else { return nil }
        self.init(address: address, length: length)
    }

    public init(address: IPAddress, length: Int) {
        var bytes = address.bytes
        for index in bytes.indices {
            let keep = min(max(length - index * 8, 0), 8)
            bytes[index] &= keep == 8 ? 0xff : ~(UInt8(0xff) >> UInt8(keep))
        }
        self.address = IPAddress(bytes: bytes)!
        self.length = length
    }

    public var family: IPAddress.Family { address.family }

    public func contains(_ ip: IPAddress) -> Bool {
        guard ip.family == family else { return false }
        return CIDR(address: ip, length: length).address == address
    }

    /// True when every address of `other` is in `self`.
    public func contains(_ other: CIDR) -> Bool { other.length >= length && contains(other.address) }

    public var description: String { "\(address)/\(length)" }
}
