#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An exclusive `flock()` on a network's `lock` file, the same lock the reference takes
/// (go-filemutex). Released by `unlock()` or when the handle goes away.
public final class StoreLock {
    private let fd: Int32
    private var held = false

    /// Opens (creating if needed) `lock` in `directory`.
    public init(in directory: DirectoryHandle) throws(StoreError) {
        let fd = openat(directory.fd, "lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError("open", directory.pathOf("lock"), errno: errno) }
        self.fd = fd
        self.path = directory.pathOf("lock")
    }

    private let path: String

    public func lock() throws(StoreError) {
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw StoreError("flock", path, errno: errno) }
        }
        held = true
    }

    public func unlock() {
        if held { flock(fd, LOCK_UN) }
        held = false
    }

    /// Runs `body` with the lock held.
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(StoreError) -> Result<T, E> {
        try lock()
        defer { unlock() }
        do {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }

    deinit { close(fd) }
}
