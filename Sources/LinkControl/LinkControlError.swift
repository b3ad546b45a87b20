#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemSupport

/// A failed system call on an interface, with the operation, the interface and errno.
public struct LinkControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The operation that failed, e.g. `ioctl(SIOCSIFFLAGS)`, `getifaddrs`, `socket`.
    public var operation: String
    /// The interface concerned, or empty when the call was not about one.
    public var interface: String
    public var errno: Int32

    public init(operation: String, interface: String, errno: Int32) {
        self.operation = operation
        self.interface = interface
        self.errno = errno
    }

    /// The interface does not exist in the namespace the call ran in.
    public var isNoSuchInterface: Bool { errno == ENODEV || errno == ENXIO }

    public var description: String {
        let subject = interface.isEmpty ? operation : "\(operation) on \(interface)"
        return "\(subject): \(SystemError.describe(errno))"
    }
}
