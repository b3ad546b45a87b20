/// FNV-1a, 64 bits: short names and identifiers that must come out the same on every node
/// and every run (nftables set names, derived MAC addresses). Not a security boundary.
public enum StableHash {
    public static func fnv1a64<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// The hash of `text`'s UTF-8 bytes as 16 hex digits.
    public static func hex(_ text: String) -> String {
        let digits = String(fnv1a64(text.utf8), radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// A locally administered unicast MAC (`02` and 5 bytes of the hash of `bytes`).
    public static func localMAC<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let hash = fnv1a64(bytes)
        var mac: [UInt8] = [0x02]
        for shift in stride(from: 56, through: 24, by: -8) { mac.append(UInt8(hash >> UInt64(shift) & 0xff)) }
        return mac
    }
}
