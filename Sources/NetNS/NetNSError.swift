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
    /// For `notANamespace`: what the path names instead (a FIFO, another namespace type).
    public var reason: String

    public init(kind: Kind, operation: String, path: String, errno: Int32, reason: String = "") {
        self.kind = kind
        self.operation = operation
        self.path = path
        self.errno = errno
        self.reason = reason
    }

    /// Equal when kind, operation, path and errno are: `reason` only explains.
    public static func == (lhs: NetNSError, rhs: NetNSError) -> Bool {
        lhs.kind == rhs.kind && lhs.operation == rhs.operation && lhs.path == rhs.path && lhs.errno == rhs.errno
    }

    public var description: String {
        switch kind {
        case .notFound: return "network namespace \(Self.shown(path)) does not exist"
        case .notANamespace:
            let why = reason.isEmpty ? String(cString: strerror(errno)) : reason
            return "\(Self.shown(path)) is not a network namespace (\(why))"
        case .systemCall:
            let message = String(cString: strerror(errno))
            return "\(operation) \(Self.shown(path)): \(message) (errno \(errno))"
        }
    }

    /// A path as it appears in messages: a hostile 5,000-byte path is cut, not echoed whole.
    public static func shown(_ path: String) -> String {
        let bytes = Array(path.utf8)
        guard bytes.count > 256 else { return path }
        return String(decoding: bytes.prefix(120), as: UTF8.self) + "...(\(bytes.count) bytes)"
    }
}
