#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CNISpec

/// A host-wide exclusive lock (flock) around read-compare-write changes of our tables, so two
/// plugins running at once never both add the same shared rule or delete a table the other
/// is filling. The kernel serialises each transaction; this serialises list + transaction.
public enum NFTablesLock {
    public static let defaultPath = "/run/swift-cni/nftables.lock"

    /// Runs `body` holding the lock at `path`; with `path == nil`, runs it unlocked.
    public static func withLock<T>(path: String?, _ body: () throws(NFTablesError) -> T) throws(NFTablesError) -> T {
        guard let path else { return try body() }
        let fd = try open(path)
        defer { close(fd) }  // closing the descriptor releases the lock
        while flock(fd, LOCK_EX) != 0 {
            let e = errno
            if e == EINTR { continue }
            throw failure("flock", path, e)
        }
        return try body()
    }

    private static func open(_ path: String) throws(NFTablesError) -> Int32 {
        var fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0, errno == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            let directory = String(path[..<slash])
            if mkdir(directory, 0o755) != 0, errno != EEXIST { throw failure("mkdir", directory, errno) }
            fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        }
        if fd < 0 { throw failure("open", path, errno) }
        return fd
    }

    private static func failure(_ operation: String, _ path: String, _ code: Int32) -> NFTablesError {
        NFTablesError(
            kind: .lockFailed, operation: "\(operation) \(path)",
            reason: SystemError.describe(code))
    }
}
