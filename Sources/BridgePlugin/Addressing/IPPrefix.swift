import CNISpec

/// An IP address with a prefix length, as CNI results carry them (`10.1.0.5/16`).
///
/// Kept minimal and local to the bridge plugin: parse, format like Go's `net.IPNet.String`
/// for the host address, network/first-host arithmetic and containment.
public struct IPPrefix: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, network byte order.
    public let bytes: [UInt8]
    public let prefixLength: Int

    public init?(bytes: [UInt8], prefixLength: Int) {
        guard bytes.count == 4 || bytes.count == 16, prefixLength >= 0, prefixLength <= bytes.count * 8 else {
            return nil
        }
        self.bytes = bytes
        self.prefixLength = prefixLength
    }

    /// Parses `address/prefix`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPText.parse(String(parts[0])),
            let length = Int(parts[1]), parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        self.init(bytes: address, prefixLength: length)
    }

    public var isIPv4: Bool { bytes.count == 4 }
    public var bitWidth: Int { bytes.count * 8 }

    /// The host address alone, e.g. `10.1.0.5`.
    public var addressText: String { IPText.format(bytes) }
    /// `address/prefix` with the host bits kept, e.g. `10.1.0.5/16`.
    public var description: String { "\(addressText)/\(prefixLength)" }

    /// The network address (host bits cleared).
    public var networkBytes: [UInt8] {
        var out = bytes
        for i in 0..<out.count {
            let bitsBefore = i * 8
            if prefixLength >= bitsBefore + 8 { continue }
            let keep = max(0, prefixLength - bitsBefore)
            out[i] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        return out
    }

    /// The subnet this address lies in, e.g. `10.1.0.0/16`.
    public var network: IPPrefix { IPPrefix(bytes: networkBytes, prefixLength: prefixLength)! }

    /// Whether `address` (same family) lies inside this prefix.
    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        let other = IPPrefix(bytes: address, prefixLength: prefixLength)!
        return other.networkBytes == networkBytes
    }

    /// This prefix with another host address, e.g. the gateway in the same subnet.
    public func withAddress(_ address: [UInt8]) -> IPPrefix? {
        IPPrefix(bytes: address, prefixLength: prefixLength)
    }

    /// The address after `bytes` (wrapping), Go's `ip.NextIP`.
    public static func next(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        var i = out.count - 1
        while i >= 0 {
            out[i] &+= 1
            if out[i] != 0 { break }
            i -= 1
        }
        return out
    }
}
