import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// A failure talking to BIRD over its control socket.
public enum BirdControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed: the operation, the socket path and errno.
    case system(operation: String, path: String, errno: Int32)
    /// BIRD did not answer within the time allowed.
    case timeout(operation: String, path: String)
    /// BIRD closed the connection in the middle of a reply.
    case closed(path: String)
    /// Something that is not BIRD's reply syntax.
    case malformed(String)
    /// BIRD refused the command (reply codes 8xxx run-time error, 9xxx parse error).
    case refused(command: String, code: Int, message: String)

    public var description: String {
        switch self {
        case .system(let operation, let path, let errno):
            return "\(operation) \(path): \(SystemError.describe(errno))"
        case .timeout(let operation, let path):
            return "\(operation) \(path): BIRD did not answer in time"
        case .closed(let path):
            return "BIRD closed the control connection \(path)"
        case .malformed(let text):
            return "unexpected reply from BIRD: \(text)"
        case .refused(let command, let code, let message):
            return "BIRD refused \"\(command)\": \(code) \(message)"
        }
    }

    /// Whether BIRD is not running there (no socket, or no one listening on it).
    public var isNotRunning: Bool {
        if case .system(let operation, _, let errno) = self, operation == "connect to" {
            return errno == ENOENT || errno == ECONNREFUSED
        }
        return false
    }
}
