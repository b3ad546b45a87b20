import CNISpec
import SystemSupport

/// The plugin-specific error codes of `bandwidth` (100 and above, as the spec reserves them).
enum BandwidthFailure {
    /// The container interface, or its veth peer on the host, cannot be found.
    static let hostInterfaceNotFound = CNIErrorCode(rawValue: 100)
    /// The kernel refused a change (IFB, qdisc or filter).
    static let changeFailed = CNIErrorCode(rawValue: 101)
    /// CHECK: the shaping in place is not the configured one.
    static let checkMismatch = CNIErrorCode(rawValue: 102)
}

/// Diagnostics on stderr (never stdout, which carries the result).
let logger = Log(prefix: "bandwidth")
