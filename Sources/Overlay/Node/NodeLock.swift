import CNISpec
#if canImport(Glibc)
import Glibc
#endif

/// A host-wide exclusive lock (flock) around the node reconcile of one VTEP, so concurrent
/// ADDs (and `cnictl reconcile-peers`) never race each other creating the device or
/// pruning entries the other just added.
public enum NodeLock {
    static let directory = "/run/swift-cni/vxlan"

    public static func withLock<T>(device: String, _ body: () throws(CNIError) -> T) throws(CNIError) -> T {
        _ = mkdir("/run/swift-cni", 0o755)
        _ = mkdir(directory, 0o755)
        let path = "\(directory)/\(device).lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            throw CNIError(.ioFailure, "cannot open lock file \(path)", details: SystemError.describe(code))
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            let code = errno
            if code == EINTR { continue }
            throw CNIError(.ioFailure, "cannot lock \(path)", details: SystemError.describe(code))
        }
        defer { _ = flock(fd, LOCK_UN) }
        return try body()
    }
}
