/// FNV-1a hashes: short, stable identifiers for tags (not a security boundary: container IDs
/// and network names come from the runtime, not from an adversary).
enum FNV1a {
    static func hash64(_ parts: [String]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (i, part) in parts.enumerated() {
            if i > 0 {
                hash ^= 0
                hash = hash &* 0x0000_0100_0000_01B3
            }
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
        }
        return hash
    }

    static func hash32(_ text: String) -> UInt32 {
        var hash: UInt32 = 0x811c_9dc5
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }

    static func hex(_ value: UInt64) -> String { padded(String(value, radix: 16), 16) }
    static func hex(_ value: UInt32) -> String { padded(String(value, radix: 16), 8) }

    private static func padded(_ s: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
