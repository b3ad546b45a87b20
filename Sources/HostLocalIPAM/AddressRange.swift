
/// One pool of a range set: a subnet, the inclusive range allocated from, and the gateway
/// (never allocated). Built by `AddressRange.canonical`, which fills the defaults and
/// validates like the reference's `Range.Canonicalize`.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    public let subnet: IPSubnet
    public let rangeStart: IPAddress
    public let rangeEnd: IPAddress
    public let gateway: IPAddress

    public init(subnet: IPSubnet, rangeStart: IPAddress, rangeEnd: IPAddress, gateway: IPAddress) {
        self.subnet = subnet
        self.rangeStart = rangeStart
        self.rangeEnd = rangeEnd
        self.gateway = gateway
    }

    /// Fills defaults and validates. Reasons are thrown as plain text (`RangeError`), the
    /// caller adds which range set and field it was.
    ///
    /// Defaults: gateway = network + 1; rangeStart = network + 1 (the gateway is skipped by
    /// the allocator); rangeEnd = last address, minus one for IPv4 (the broadcast).
    public static func canonical(
        subnet: IPSubnet, rangeStart: IPAddress?, rangeEnd: IPAddress?, gateway: IPAddress?
    ) throws(RangeError) -> AddressRange {
        let width = subnet.family.bitWidth
        if subnet.prefixLength > width - 2 {
            throw RangeError("Network \(subnet) too small to allocate from")
        }
        if subnet.hasHostBits {
            throw RangeError(
                "Network has host bits set. For a subnet mask of length \(subnet.prefixLength) the network address is \(subnet.network)"
            )
        }
        let network = subnet.network
        let gw: IPAddress
        if let gateway {
            guard subnet.contains(gateway) else {
                throw RangeError("gateway \(gateway) not in network \(subnet)")
            }
            gw = gateway
        } else {
            gw = network.next
        }
        let start = rangeStart ?? network.next
        try checkInSubnet(start, subnet)
        var end = subnet.last
        if subnet.family == .v4 { end = end.previous }
        if let rangeEnd {
            try checkInSubnet(rangeEnd, subnet)
            end = rangeEnd
        }
        if end < start {
            throw RangeError("\(end) is in network \(subnet) but before start \(start)")
        }
        return AddressRange(subnet: subnet, rangeStart: start, rangeEnd: end, gateway: gw)
    }

    private static func checkInSubnet(_ ip: IPAddress, _ subnet: IPSubnet) throws(RangeError) {
        if ip.family != subnet.family {
            throw RangeError("IP \(ip) is not the same protocol as subnet \(subnet)")
        }
        if !subnet.contains(ip) {
            throw RangeError("\(ip) not in network \(subnet)")
        }
    }

    /// Whether `ip` is allocatable from this range: inside the subnet and in
    /// [rangeStart, rangeEnd]. (The gateway is inside but is never handed out.)
    public func contains(_ ip: IPAddress) -> Bool {
        ip.family == subnet.family && subnet.contains(ip) && rangeStart <= ip && ip <= rangeEnd
    }

    /// Whether two ranges share an address (same family, intersecting [start, end]).
    public func overlaps(_ other: AddressRange) -> Bool {
        subnet.family == other.subnet.family && rangeStart <= other.rangeEnd && other.rangeStart <= rangeEnd
    }

    /// How many addresses this range can hand out (the gateway excluded when inside).
    public var capacity: UInt128 {
        // Prefixes are at most /126, so the span never covers the whole 128-bit space.
        let count = rangeEnd.value - rangeStart.value + 1
        return contains(gateway) ? count - 1 : count
    }

    /// `start-end`, as the reference prints a range in errors.
    public var description: String { "\(rangeStart)-\(rangeEnd)" }
}

/// A validation failure of a range, without context (the caller knows which set/field).
public struct RangeError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
