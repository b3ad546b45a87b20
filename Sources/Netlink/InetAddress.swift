#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address as the kernel carries it (4 or 16 bytes, network order).
///
/// Named apart from host-local's `IPAddress` so both libraries can be imported together.
public struct InetAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// 4 or 16 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses dotted-quad or IPv6 text (`inet_pton`).
    public init?(_ text: String) {
        var buffer = [UInt8](repeating: 0, count: 16)
        let family = text.utf8.contains(UInt8(ascii: ":")) ? AF_INET6 : AF_INET
        guard inet_pton(family, text, &buffer) == 1 else { return nil }
        bytes = family == AF_INET ? Array(buffer[0..<4]) : buffer
    }

    public var isIPv4: Bool { bytes.count == 4 }
    /// `AF_INET` or `AF_INET6`.
    public var family: UInt8 { isIPv4 ? UInt8(AF_INET) : UInt8(AF_INET6) }
    public var maxPrefixLength: UInt8 { isIPv4 ? 32 : 128 }

    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isIPv4 ? AF_INET : AF_INET6
        guard inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An address with a prefix length: `10.1.0.5/24`, `fd00::1/64`.
public struct InetPrefix: Sendable, Hashable, CustomStringConvertible {
    public var address: InetAddress
    public var length: UInt8

    public init(_ address: InetAddress, length: UInt8) {
        self.address = address
        self.length = length
    }

    /// Parses `address/length`; a bare address gets the full length.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = InetAddress(String(parts[0])) else { return nil }
        var length = address.maxPrefixLength
        if parts.count == 2 {
            guard let parsed = UInt8(parts[1]), parsed <= address.maxPrefixLength else { return nil }
            length = parsed
        }
        self.init(address, length: length)
    }

    public var description: String { "\(address)/\(length)" }

    /// The network address (host bits cleared).
    public var network: InetAddress {
        InetAddress(bytes: Self.mask(address.bytes, length: Int(length), hostBits: false))!
    }

    /// The IPv4 broadcast address (host bits set), for prefixes shorter than /31.
    public var broadcast: InetAddress? {
        guard address.isIPv4, length < 31 else { return nil }
        return InetAddress(bytes: Self.mask(address.bytes, length: Int(length), hostBits: true))
    }

    private static func mask(_ bytes: [UInt8], length: Int, hostBits: Bool) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bitsHere = max(0, min(8, length - index * 8))
            let networkMask: UInt8 = bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - bitsHere))
            return hostBits ? byte | ~networkMask : byte & networkMask
        }
    }
}
