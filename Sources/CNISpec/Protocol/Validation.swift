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
        guard let problem = interfaceNameProblem(name) else { return }
        switch problem {
        case .empty: throw CNIError(.invalidEnvironment, "interface name is empty", details: "CNI_IFNAME")
        case .tooLong(let bytes):
            throw CNIError(
                .invalidEnvironment, "interface name is too long",
                details: "CNI_IFNAME \(quoted(name)) is \(bytes) bytes; at most 15 are allowed")
        default:
            throw CNIError(.invalidEnvironment, "interface name \(problem.summary)", details: "CNI_IFNAME \(quoted(name))")
        }
    }

    /// What is wrong with a name given to the kernel as an interface name, or nil. The
    /// kernel's own rules (`dev_valid_name`: 1 to 15 bytes, not `.` or `..`, no `/`, `:` or
    /// white space), and also no `%` (the kernel expands `eth%d` to a name of its choice, so
    /// the interface would not be found again by the name asked for) and no control
    /// characters (a NUL would cut the name short on its way to the kernel).
    public static func interfaceNameProblem(_ name: String) -> NameProblem? {
        if name.isEmpty { return .empty }
        if name.utf8.count > 15 { return .tooLong(name.utf8.count) }
        if name == "." || name == ".." { return .dotName }
        for b in name.utf8 {
            if b == UInt8(ascii: "/") || b == UInt8(ascii: ":") || b == 0x20 || (0x09...0x0D).contains(b) { return .separator }
            if b < 0x20 || b == 0x7F { return .controlCharacter }
            if b == UInt8(ascii: "%") { return .template }
        }
        return nil
    }

    /// Why a name cannot be used.
    public enum NameProblem: Sendable, Equatable {
        case empty, tooLong(Int), dotName, separator, template, controlCharacter

        public var summary: String {
            switch self {
            case .empty: return "is empty"
            case .tooLong(let bytes): return "is \(bytes) bytes long; at most 15 are allowed"
            case .dotName: return "cannot be . or .."
            case .separator: return "contains / or : or whitespace characters"
            case .template: return "contains %, which the kernel would replace by a number of its choice"
            case .controlCharacter: return "contains a control character (NUL, newline, ...)"
            }
        }
    }

    /// A name from the configuration that becomes an interface name (a bridge, a VTEP, an
    /// underlay device): code 7 when the kernel could not take it as it is.
    public static func validateConfiguredInterfaceName(_ name: String, field: String, label: String? = nil) throws(CNIError) {
        if let problem = interfaceNameProblem(name) {
            throw CNIError(
                .invalidNetworkConfig, "invalid \(label ?? field) \(quoted(name))",
                details: "field \(field): the name \(problem.summary)")
        }
    }

    /// A path or file-name part from the configuration (`dataDir`, `resolvConf`, a peers
    /// file): code 7 when it holds a control character, which the file system would not see
    /// (a NUL ends the path early) or a person reading it could not.
    public static func validateConfiguredPath(_ path: String, field: String) throws(CNIError) {
        if path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw CNIError(
                .invalidNetworkConfig, "invalid \(field) \(quoted(path))",
                details: "field \(field) contains a control character (NUL, newline, ...)")
        }
    }

    /// A name quoted for a message, control characters escaped so the message stays one line.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0..<0x20, 0x7F: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
