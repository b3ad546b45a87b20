import CNISpec
import LinkControl
import NetNS
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Plugin-specific error codes of `loopback` (the spec reserves 100 and above for plugins).
public enum LoopbackErrorCode {
    /// ADD: `lo` carries an address outside 127.0.0.0/8 and `::1` (the reference reports 999).
    public static let nonLoopbackAddress = CNIErrorCode(rawValue: 100)
    /// CHECK: `lo` is missing or not up (the reference reports 999).
    public static let loopbackNotUp = CNIErrorCode(rawValue: 101)
}

extension NetNSError {
    /// The path is not a network namespace: not on nsfs/procfs, or a namespace of another
    /// type (`/proc/<pid>/ns/uts`), which `setns(fd, CLONE_NEWNET)` refuses with EINVAL.
    var isNotANetworkNamespace: Bool {
        kind == .notANamespace || (kind == .systemCall && operation == "setns" && errno == EINVAL)
    }

    /// How a namespace failure is reported for ADD and CHECK: a path that does not exist is an
    /// unknown container (3); a path that is not a network namespace is an invalid `CNI_NETNS`
    /// (4); anything else is internal (999). The reference reports 999 for all of them.
    var loopbackCNIError: CNIError {
        if isNotANetworkNamespace {
            return CNIError(
                .invalidEnvironment, "CNI_NETNS is not a network namespace",
                details: kind == .notANamespace ? "\(path) is not on nsfs or procfs" : "\(path): \(description)")
        }
        if kind == .notFound {
            return CNIError(.unknownContainer, "network namespace does not exist", details: "CNI_NETNS \(path)")
        }
        return CNIError(.internalError, "failed to enter network namespace \(path)", details: description)
    }
}

extension LinkControlError {
    /// A failed interface operation inside the container namespace (999).
    func loopbackCNIError(netns: String) -> CNIError {
        CNIError(.internalError, "failed to configure lo in \(netns)", details: description)
    }
}
