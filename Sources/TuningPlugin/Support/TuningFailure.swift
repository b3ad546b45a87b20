import CNISpec
import SystemSupport

/// The plugin-specific error codes of `tuning` (100 and above, as the spec reserves them).
enum TuningFailure {
    /// The container's namespace or its interface `CNI_IFNAME` cannot be reached.
    static let interfaceUnreachable = CNIErrorCode(rawValue: 100)
    /// The kernel refused a change (netlink request or sysctl write).
    static let changeFailed = CNIErrorCode(rawValue: 101)
    /// CHECK: the interface or a sysctl does not have the configured value.
    static let checkMismatch = CNIErrorCode(rawValue: 102)
}

/// Diagnostics on stderr (never stdout, which carries the result).
let logger = Log(prefix: "tuning")
