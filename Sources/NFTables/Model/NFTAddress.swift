import JSONSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An IPv4 or IPv6 address with a prefix length, as nftables matches it.
///
/// `10.1.0.5/24` keeps the address as written (`address`); `network` is the masked prefix
/// (`10.1.0.0/24`), which is what a match on "the pod network" must use.
public struct NFTPrefix: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable { case ipv4, ipv6 }

    public let family: Family
    /// The address in canonical text form (inet_ntop).
    public let address: String
    public let length: Int
    private let bytes: [UInt8]

    /// Parses `a.b.c.d`, `a.b.c.d/len`, `x::y` or `x::y/len`; a bare address is a host prefix.
    public init(_ text: String) throws(NFTablesError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let addressText = String(parts[0])
        guard let (family, bytes) = Self.parseAddress(addressText) else {
            throw .invalidArgument("address \"\(text)\"", "not an IPv4 or IPv6 address")
        }
        let maxLength = bytes.count * 8
        var length = maxLength
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 0, n <= maxLength, parts[1].allSatisfy(\.isNumber) else {
                throw .invalidArgument("address \"\(text)\"", "prefix length must be 0...\(maxLength)")
            }
            length = n
        }
        self.init(family: family, bytes: bytes, length: length)
    }

    private init(family: Family, bytes: [UInt8], length: Int) {
        self.family = family
        self.bytes = bytes
        self.length = length
        self.address = Self.format(family: family, bytes: bytes)
    }

    public var isHost: Bool { length == bytes.count * 8 }

    /// The prefix with host bits cleared (`10.1.0.5/24` -> `10.1.0.0/24`).
    public var network: NFTPrefix {
        var masked = bytes
        for i in 0..<masked.count {
            let bitsBefore = i * 8
            if bitsBefore >= length { masked[i] = 0 }
            else if bitsBefore + 8 > length { masked[i] &= UInt8(truncatingIfNeeded: 0xFF << (8 - (length - bitsBefore))) }
        }
        return NFTPrefix(family: family, bytes: masked, length: length)
    }

    /// The single address as a host prefix (`10.1.0.5/24` -> `10.1.0.5/32`).
    public var host: NFTPrefix { NFTPrefix(family: family, bytes: bytes, length: bytes.count * 8) }

    public var description: String { "\(address)/\(length)" }

    /// The nftables payload protocol for this family (`ip`, `ip6`).
    var payloadProtocol: String { family == .ipv4 ? "ip" : "ip6" }

    /// nftables JSON: a plain address for a host prefix, `{"prefix":{...}}` otherwise.
    public var json: JSONValue {
        if isHost { return .string(address) }
        return .object(JSONObject([("prefix", .object(JSONObject([("addr", .string(address)), ("len", .int(length))])))]))
    }

    /// Multicast destinations, which masquerading must leave alone.
    public static func multicast(_ family: Family) -> NFTPrefix {
        // Both literals are valid; force-try cannot fail.
        family == .ipv4 ? try! NFTPrefix("224.0.0.0/4") : try! NFTPrefix("ff00::/8")
    }

    private static func parseAddress(_ text: String) -> (Family, [UInt8])? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return (.ipv4, withUnsafeBytes(of: &v4) { Array($0) })
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return (.ipv6, withUnsafeBytes(of: &v6) { Array($0) })
        }
        return nil
    }

    private static func format(family: Family, bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let af = family == .ipv4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(af, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        guard ok else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
