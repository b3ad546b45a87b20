import CNISpec

/// Canonical address text as Go's `net.IP.String()` writes it: dotted quad for IPv4;
/// lowercase hex groups without leading zeros for IPv6, the first longest run of two or
/// more zero groups written as `::`.
enum IPAddressFormatter {
    static func format(_ address: IPAddress) -> String {
        address.isIPv4 ? formatIPv4(UInt32(truncatingIfNeeded: address.value)) : formatIPv6(address.value)
    }

    static func formatIPv4(_ v: UInt32) -> String {
        "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
    }

    static func formatIPv6(_ value: UInt128) -> String {
        var groups: [UInt16] = []
        for shift in stride(from: 112, through: 0, by: -16) {
            groups.append(UInt16(truncatingIfNeeded: value >> UInt128(shift)))
        }
        return IPv6Text.format(groups: groups)
    }
}
