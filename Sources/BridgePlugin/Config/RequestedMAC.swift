import Netlink

/// Parsing and checking of a requested container MAC address (Netlink's `MACAddress`).
public enum RequestedMAC {
    /// `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff`, any case; nil for anything else.
    public static func parse(_ text: String) -> MACAddress? {
        let separator: Character = text.utf8.contains(UInt8(ascii: "-")) ? "-" : ":"
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard part.utf8.count == 2, let value = UInt8(part, radix: 16) else { return nil }
            out.append(value)
        }
        return MACAddress(bytes: out)
    }

    /// Group bit set: not usable as an interface address.
    public static func isMulticast(_ mac: MACAddress) -> Bool { mac.bytes[0] & 0x01 != 0 }
    public static func isZero(_ mac: MACAddress) -> Bool { mac.bytes.allSatisfy { $0 == 0 } }
}
