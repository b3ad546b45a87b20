import CNISpec

extension IPAddress {
    /// Parses address text as Go's `net.ParseIP` does (`IPText`); IPv4-mapped IPv6 text is
    /// IPv4 for host-local, as Go's `To4()` makes it. Nil when the text is not an address.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        if bytes.contains(UInt8(ascii: ":")) {
            guard let value = IPText.parseIPv6(bytes[...]) else { return nil }
            if value >> 32 == 0xFFFF {
                self.init(family: .v4, value: value & 0xFFFF_FFFF)
            } else {
                self.init(family: .v6, value: value)
            }
            return
        }
        guard let v4 = IPText.parseIPv4(bytes[...]) else { return nil }
        self.init(family: .v4, value: UInt128(v4))
    }
}
