#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failure to open or enter a network namespace, with the operation and errno.
public struct NetNSError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The path does not exist (the namespace is gone): DEL treats this as success.
        case notFound
        /// The path exists but is not a network namespace (not on nsfs or procfs).
        case notANamespace
        /// Any other failure of a system call.
        case systemCall
    }

    public var kind: Kind
    /// The operation that failed, e.g. `open`, `setns`.
    public var operation: String
    public var path: String
    public var errno: Int32

    public init(kind: Kind, operation: String, path: String, errno: Int32) {
        self.kind = kind
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        switch kind {
        case .notFound: return "network namespace \(path) does not exist"
        case .notANamespace: return "\(path) is not a network namespace (not on nsfs or procfs)"
        case .systemCall:
            let message = String(cString: strerror(errno))
            return "\(operation) \(path): \(message) (errno \(errno))"
        }
    }
}
