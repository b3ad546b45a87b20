/// Names of host-side veth ends: `veth` + 8 random lower-case hex digits (12 bytes, within
/// the kernel's 15), as the reference does.
public enum HostVethName {
    public static let prefix = "veth"

    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return make(UInt32.random(in: .min ... .max, using: &generator))
    }

    public static func make(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return prefix + String(repeating: "0", count: 8 - hex.utf8.count) + hex
    }

    public static func isHostVethName(_ name: String) -> Bool {
        guard name.hasPrefix(prefix), name.utf8.count == 12 else { return false }
        return name.utf8.dropFirst(4).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
