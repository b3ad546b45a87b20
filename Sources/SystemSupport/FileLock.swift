#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An exclusive `flock()` on a lock file, the host-wide mutex between plugins (and `cnictl`)
/// running at once. The lock belongs to the open file description: it is released by
/// `unlock()`, or when the descriptor is closed as the lock goes away, also if the process dies.
public final class FileLock {
    private let fd: Int32
    /// The lock file, for messages.
    public let path: String
    private var held = false

    /// Opens (creating if needed, mode 0600) the lock file `path`, relative to `directory`
    /// when given. With `createParents`, missing parent directories are made first (0755).
    public init(path: String, relativeTo directory: Int32 = AT_FDCWD, createParents: Bool = false) throws(SystemError) {
        if createParents {
            let parent = Directories.parent(of: path)
            if !parent.isEmpty { try Directories.make(parent, mode: 0o755) }
        }
        let fd = openat(directory, path, O_RDONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("open", path, errno: errno) }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Waits for the lock (a signal does not end the wait).
    public func lock() throws(SystemError) {
        while flock(fd, LOCK_EX) != 0 {
            let code = errno
            if code != EINTR { throw SystemError("flock", path, errno: code) }
        }
        held = true
    }

    public func unlock() {
        if held { _ = flock(fd, LOCK_UN) }
        held = false
    }

    /// Runs `body` holding the lock; `body`'s own failure comes back in the result, a failure
    /// to take the lock is thrown.
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(SystemError) -> Result<T, E> {
        try lock()
        defer { unlock() }
        do {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }

    /// Opens the lock file at `path` (making its parent directories) and runs `body` holding it.
    public static func withLock<T, E: Error>(
        path: String, _ body: () throws(E) -> T
    ) throws(SystemError) -> Result<T, E> {
        try FileLock(path: path, createParents: true).withLock(body)
    }
}
