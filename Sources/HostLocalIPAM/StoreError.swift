import CNISpec
import SystemSupport

/// A failed system call on the reservation store: which operation, on which path, errno.
/// Reported to the runtime as an I/O failure (code 5).
public struct StoreError: Error, Sendable, CustomStringConvertible, CNIErrorConvertible {
    public let operation: String
    public let path: String
    public let errno: Int32

    public init(_ operation: String, _ path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "\(operation) \(path): \(SystemError.describe(errno))" }

    public var cniError: CNIError {
        CNIError(.ioFailure, "host-local store: \(operation) failed", details: "\(path): \(SystemError.describe(errno))")
    }
}
