import CNISpec

/// The kernel's rules for a network interface name (`dev_valid_name`): 1 to 15 bytes, not
/// `.` or `..`, no `/`, `:` or whitespace.
public enum InterfaceNameRule {
    /// Nil when `name` is valid, else what is wrong with it.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.utf8.count > 15 { return "is \(name.utf8.count) bytes long; at most 15 are allowed" }
        if name == "." || name == ".." { return "cannot be . or .." }
        for b in name.utf8 where b == UInt8(ascii: "/") || b == UInt8(ascii: ":") || b == 0x20 || (b >= 0x09 && b <= 0x0D) {
            return "contains / or : or whitespace"
        }
        return nil
    }
}
