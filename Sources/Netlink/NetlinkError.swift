import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// A failed netlink operation: what we asked, the errno, and the kernel's own words.
public struct NetlinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done, e.g. `create bridge cni0` or `add address 10.1.0.1/24 to eth0 (ifindex 4)`.
    public var operation: String
    /// The positive errno reported by the kernel or by the socket call.
    public var errno: Int32
    /// The kernel's extended-ack message (`NLMSGERR_ATTR_MSG`), when it gave one.
    public var kernelMessage: String?

    public init(operation: String, errno: Int32, kernelMessage: String? = nil) {
        self.operation = operation
        self.errno = errno
        self.kernelMessage = kernelMessage
    }

    /// `EEXIST`: the object is already there (callers adding addresses treat this as success).
    public var alreadyExists: Bool { errno == EEXIST }

    /// The object (link, address, route, neighbour) does not exist.
    public var notFound: Bool { errno == ENODEV || errno == ENOENT || errno == ESRCH || errno == EADDRNOTAVAIL }

    public var description: String {
        var text = "\(operation): \(SystemError.describe(errno))"
        if let kernelMessage, !kernelMessage.isEmpty { text += ": kernel says \"\(kernelMessage)\"" }
        return text
    }
}
