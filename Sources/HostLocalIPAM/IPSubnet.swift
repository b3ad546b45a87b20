/// An address with a prefix length, as written in CIDR text (`10.1.0.0/16`, `fd00::/64`).
///
/// `address` keeps the text's address, host bits included, so a range can report "host
/// bits set"; `network` is the address with host bits cleared.
public struct IPSubnet: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    public init(address: IPAddress, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `ADDRESS/PREFIX`. The prefix is decimal, without sign or leading zeros, and at
    /// most the family's bit width.
    public init?(_ text: String) {
        guard let slash = text.utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        let addressText = String(text[..<slash])
        let prefixText = text.utf8[text.utf8.index(after: slash)...]
        guard !prefixText.isEmpty, prefixText.count <= 3,
            prefixText.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            prefixText.count == 1 || prefixText.first != 0x30,
            let prefix = Int(String(decoding: prefixText, as: UTF8.self))
        else { return nil }
        // Go's ParseCIDR does not accept IPv4-mapped IPv6 text with a v4 prefix; keep the
        // family as written: an IPv6 literal stays IPv6 here.
        let isV6Text = addressText.utf8.contains(UInt8(ascii: ":"))
        guard var address = IPAddress(addressText) else { return nil }
        if isV6Text && address.isIPv4 {
            address = IPAddress(family: .v6, value: 0xFFFF_0000_0000 | address.value)
        }
        guard prefix <= address.family.bitWidth else { return nil }
        self.init(address: address, prefixLength: prefix)
    }

    public var family: IPAddress.Family { address.family }

    /// The mask as an integer of the family's width.
    var mask: UInt128 {
        let width = family.bitWidth
        if prefixLength == 0 { return 0 }
        let all: UInt128 = width == 32 ? 0xFFFF_FFFF : .max
        return all & ~((UInt128(1) << UInt128(width - prefixLength)) &- 1)
    }

    /// The network address (host bits cleared).
    public var network: IPAddress { IPAddress(family: family, value: address.value & mask) }

    /// The last address of the subnet (the IPv4 broadcast address).
    public var last: IPAddress {
        let all: UInt128 = family == .v4 ? 0xFFFF_FFFF : .max
        return IPAddress(family: family, value: (address.value & mask) | (all & ~mask))
    }

    /// Alias of `last` for IPv4 readers.
    public var broadcast: IPAddress { last }

    public var hasHostBits: Bool { address.value & ~mask & (family == .v4 ? 0xFFFF_FFFF : .max) != 0 }

    public func contains(_ ip: IPAddress) -> Bool {
        ip.family == family && ip.value & mask == address.value & mask
    }

    /// CIDR text of the network (`10.1.0.0/16`), as Go's `IPNet.String()` writes it.
    public var description: String { "\(network)/\(prefixLength)" }
}
