/// Validation of identifiers the runtime passes, with the reference's rules and codes.
public enum CNIValidation {
    /// `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`: container ids and network names. Such a name can be
    /// used as a file name: it has no `/` and cannot be `.` or `..`.
    public static func isValidIdentifier(_ text: String) -> Bool {
        var first = true
        for b in text.utf8 {
            let alnum = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            if first {
                guard alnum else { return false }
                first = false
            } else {
                guard alnum || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") else {
                    return false
                }
            }
        }
        return !first
    }

    /// `CNI_CONTAINERID`: empty is code 3, bad characters code 4.
    public static func validateContainerID(_ id: String) throws(CNIError) {
        if id.isEmpty { throw CNIError(.unknownContainer, "missing containerID") }
        guard isValidIdentifier(id) else {
            throw CNIError(
                .invalidEnvironment, "invalid characters in CNI_CONTAINERID",
                details: "\"\(id)\" must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$")
        }
    }

    /// A network name: code 7 when missing or invalid.
    public static func validateNetworkName(_ name: String) throws(CNIError) {
        if name.isEmpty { throw CNIError(.invalidNetworkConfig, "missing network name") }
        guard isValidIdentifier(name) else {
            throw CNIError(
                .invalidNetworkConfig, "invalid characters found in network name",
                details: "\"\(name)\" must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$")
        }
    }

    /// `CNI_IFNAME`: the kernel's rules for interface names (IFNAMSIZ-1 bytes), code 4.
    public static func validateInterfaceName(_ name: String) throws(CNIError) {
        if name.isEmpty { throw CNIError(.invalidEnvironment, "interface name is empty", details: "CNI_IFNAME") }
        if name.utf8.count > 15 {
            throw CNIError(
                .invalidEnvironment, "interface name is too long",
                details: "CNI_IFNAME \"\(name)\" is \(name.utf8.count) bytes; at most 15 are allowed")
        }
        if name == "." || name == ".." {
            throw CNIError(.invalidEnvironment, "interface name cannot be . or ..", details: "CNI_IFNAME \"\(name)\"")
        }
        for b in name.utf8 where b == UInt8(ascii: "/") || b == UInt8(ascii: ":") || b == 0x20 || (b >= 0x09 && b <= 0x0D) {
            throw CNIError(
                .invalidEnvironment, "interface name contains / or : or whitespace characters",
                details: "CNI_IFNAME \"\(name)\"")
        }
    }
}
