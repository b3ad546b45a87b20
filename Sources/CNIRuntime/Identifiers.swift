import CNISpec

/// Identity rules shared with libcni (`pkg/utils`): names that end up in file names and
/// environment variables must be safe there.
public enum Identifiers {
    /// `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`, used for container IDs and network names.
    public static func isValidID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, isAlnum(first) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// Interface names: non-empty, at most 15 bytes, not `.`/`..`, no `/`, `:` or white space.
    public static func isValidInterfaceName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 15, text != ".", text != ".." else { return false }
        return !bytes.contains { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
    }

    private static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    /// Validates the attachment inputs before any plugin runs.
    public static func validate(network: String, _ rt: RuntimeConf) throws(CNIError) {
        guard isValidID(network) else {
            throw CNIError(.invalidNetworkConfig, "invalid network name \"\(network)\"", details: "must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$")
        }
        guard isValidID(rt.containerID) else {
            throw CNIError(.invalidEnvironment, "invalid container ID \"\(rt.containerID)\"", details: "must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$")
        }
        guard isValidInterfaceName(rt.ifName) else {
            throw CNIError(
                .invalidEnvironment, "invalid interface name \"\(rt.ifName)\"",
                details: "must be 1 to 15 bytes, not . or .., without '/', ':' or white space")
        }
    }

    /// cnitool's default container ID scheme with our prefix: `cnictl-` followed by the hex
    /// of the first 10 bytes of SHA-512 of the absolute netns path.
    public static func defaultContainerID(netnsPath: String) -> String {
        "cnictl-" + SHA512.hex(SHA512.hash(Array(netnsPath.utf8)).prefix(10))
    }
}
