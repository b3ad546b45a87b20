#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call: what was attempted, on what, and the errno it set.
///
/// Callers with an error type of their own (CNI errors, store errors) map it with
/// `operation`, `path` and `errno`, so their messages keep naming the failing step.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The call or step, e.g. `open`, `flock`, `rename to`.
    public let operation: String
    /// The file it was about (empty when none).
    public let path: String
    public let errno: Int32

    public init(_ operation: String, _ path: String = "", errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        path.isEmpty ? "\(operation): \(Self.describe(errno))" : "\(operation) \(path): \(Self.describe(errno))"
    }

    /// `"No such file or directory (ENOENT)"`-style text for an errno value.
    public static func describe(_ code: Int32) -> String {
        let message = String(cString: strerror(code))
        if let name = name(code) { return "\(message) (\(name))" }
        return "\(message) (errno \(code))"
    }

    /// The symbolic name of common errno values.
    public static func name(_ code: Int32) -> String? {
        switch code {
        case EPERM: return "EPERM"
        case ENOENT: return "ENOENT"
        case ESRCH: return "ESRCH"
        case EINTR: return "EINTR"
        case EIO: return "EIO"
        case EBADF: return "EBADF"
        case EAGAIN: return "EAGAIN"
        case ENOMEM: return "ENOMEM"
        case EACCES: return "EACCES"
        case EBUSY: return "EBUSY"
        case EEXIST: return "EEXIST"
        case ENODEV: return "ENODEV"
        case ENOTDIR: return "ENOTDIR"
        case EISDIR: return "EISDIR"
        case EINVAL: return "EINVAL"
        case ENOSPC: return "ENOSPC"
        case EROFS: return "EROFS"
        case EPIPE: return "EPIPE"
        case ERANGE: return "ERANGE"
        case ENAMETOOLONG: return "ENAMETOOLONG"
        case ENOTEMPTY: return "ENOTEMPTY"
        case EOPNOTSUPP: return "EOPNOTSUPP"
        case EADDRINUSE: return "EADDRINUSE"
        case EADDRNOTAVAIL: return "EADDRNOTAVAIL"
        case ENETUNREACH: return "ENETUNREACH"
        case ENOBUFS: return "ENOBUFS"
        case ETIMEDOUT: return "ETIMEDOUT"
        case EPROTONOSUPPORT: return "EPROTONOSUPPORT"
        case ENOEXEC: return "ENOEXEC"
        case ETXTBSY: return "ETXTBSY"
        default: return nil
        }
    }
}
