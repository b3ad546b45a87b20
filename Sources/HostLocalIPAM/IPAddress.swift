/// An IPv4 or IPv6 address, as host-local stores and compares it.
///
/// The value is held as a 128-bit integer so next/previous and range comparisons are plain
/// arithmetic. IPv4-mapped IPv6 text (`::ffff:10.0.0.1`) is read as IPv4, as Go's
/// `net.IP.To4()` canonicalisation in the reference does, so file names agree.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Family: Sendable, Hashable {
        case v4
        case v6

        /// Number of address bits.
        public var bitWidth: Int { self == .v4 ? 32 : 128 }
    }

    public let family: Family
    /// The address as an unsigned integer (only the low 32 bits are used for IPv4).
    public let value: UInt128

    public init(family: Family, value: UInt128) {
        self.family = family
        self.value = family == .v4 ? value & 0xFFFF_FFFF : value
    }

    public var isIPv4: Bool { family == .v4 }

    /// Largest value of the family.
    var maxValue: UInt128 { family == .v4 ? 0xFFFF_FFFF : UInt128.max }

    /// The next address, wrapping to zero after the last address of the family (as Go's
    /// `ip.NextIP` does).
    public var next: IPAddress {
        IPAddress(family: family, value: value == maxValue ? 0 : value + 1)
    }

    /// The previous address, wrapping to the last address after zero.
    public var previous: IPAddress {
        IPAddress(family: family, value: value == 0 ? maxValue : value - 1)
    }

    /// Orders IPv4 before IPv6, then numerically.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        if lhs.family != rhs.family { return lhs.family == .v4 }
        return lhs.value < rhs.value
    }

    /// Canonical text, identical to Go's `net.IP.String()` (the reference's file names).
    public var description: String { IPAddressFormatter.format(self) }
}
