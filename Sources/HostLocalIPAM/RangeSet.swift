/// The pools one address of an attachment is taken from (one entry of `ipam.ranges`).
/// All ranges share one family; they are tried round-robin in order.
public struct RangeSet: Sendable, Hashable, CustomStringConvertible {
    public let ranges: [AddressRange]

    /// Validates a non-empty set: one family, no overlapping ranges.
    public init(_ ranges: [AddressRange]) throws(RangeError) {
        guard let first = ranges.first else { throw RangeError("empty range set") }
        for r in ranges.dropFirst() where r.subnet.family != first.subnet.family {
            throw RangeError("mixed address families")
        }
        for i in ranges.indices {
            for j in ranges.indices where j > i && ranges[i].overlaps(ranges[j]) {
                throw RangeError("subnets \(ranges[i]) and \(ranges[j]) overlap")
            }
        }
        self.ranges = ranges
    }

    public var family: IPAddress.Family { ranges[0].subnet.family }

    /// The range that can hand out `ip`, if any.
    public func range(for ip: IPAddress) -> AddressRange? {
        ranges.first { $0.contains(ip) }
    }

    public func contains(_ ip: IPAddress) -> Bool { range(for: ip) != nil }

    public func overlaps(_ other: RangeSet) -> Bool {
        ranges.contains { r in other.ranges.contains { r.overlaps($0) } }
    }

    /// Whether `ip` is the gateway of any range of the set.
    public func isGateway(_ ip: IPAddress) -> Bool { ranges.contains { $0.gateway == ip } }

    /// Number of addresses the set can hand out (saturating).
    public var capacity: UInt128 {
        var total: UInt128 = 0
        for r in ranges {
            let (sum, overflow) = total.addingReportingOverflow(r.capacity)
            if overflow { return .max }
            total = sum
        }
        return total
    }

    /// Ranges joined by `,`, as the reference prints a set in errors.
    public var description: String { ranges.map(\.description).joined(separator: ",") }
}
