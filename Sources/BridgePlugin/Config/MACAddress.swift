/// A 6-byte Ethernet address, as requested for the container interface.
public struct MACAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.bytes = bytes
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (also with `-` separators, any case).
    public init?(_ text: String) {
        let parts = text.split(separator: text.utf8.contains(UInt8(ascii: "-")) ? "-" : ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard part.utf8.count == 2, let value = UInt8(part, radix: 16) else { return nil }
            out.append(value)
        }
        self.bytes = out
    }

    /// Group bit set: not usable as an interface address.
    public var isMulticast: Bool { bytes[0] & 0x01 != 0 }
    public var isZero: Bool { bytes.allSatisfy { $0 == 0 } }

    /// Lower-case colon form, as Go's `net.HardwareAddr.String`.
    public var description: String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: ":")
    }
}
