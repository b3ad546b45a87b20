/// FNV-1a: short names and identifiers that must come out the same on every node and every
/// run (nftables set names and rule tags, derived MAC addresses). Not a security boundary:
/// the inputs come from the runtime and the operator, not from an adversary.
public enum StableHash {
    public static func fnv1a64<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// The 64-bit hash of `parts`' UTF-8 bytes, each part after the first preceded by a 0
    /// byte, so `["ab", "c"]` and `["a", "bc"]` differ.
    public static func fnv1a64(parts: [String]) -> UInt64 {
        var bytes: [UInt8] = []
        for (index, part) in parts.enumerated() {
            if index > 0 { bytes.append(0) }
            bytes += part.utf8
        }
        return fnv1a64(bytes)
    }

    public static func fnv1a32<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var hash: UInt32 = 0x811c_9dc5
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }

    /// The hash of `text`'s UTF-8 bytes as 16 hex digits.
    public static func hex(_ text: String) -> String { hex(fnv1a64(text.utf8)) }

    /// 16 lowercase hex digits.
    public static func hex(_ value: UInt64) -> String { padded(String(value, radix: 16), 16) }

    /// 8 lowercase hex digits.
    public static func hex(_ value: UInt32) -> String { padded(String(value, radix: 16), 8) }

    /// A locally administered unicast MAC (`02` and 5 bytes of the hash of `bytes`).
    public static func localMAC<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let hash = fnv1a64(bytes)
        var mac: [UInt8] = [0x02]
        for shift in stride(from: 56, through: 24, by: -8) { mac.append(UInt8(hash >> UInt64(shift) & 0xff)) }
        return mac
    }

    private static func padded(_ digits: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
