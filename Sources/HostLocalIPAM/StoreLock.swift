import SystemSupport

/// An exclusive `flock()` on a network's `lock` file, the same lock the reference takes
/// (go-filemutex). Released by `unlock()` or when the handle goes away.
public final class StoreLock {
    private let file: FileLock
    private let path: String

    /// Opens (creating if needed) `lock` in `directory`.
    public init(in directory: DirectoryHandle) throws(StoreError) {
        path = directory.pathOf("lock")
        do {
            file = try FileLock(path: "lock", relativeTo: directory.fd)
        } catch {
            throw StoreError(error.operation, path, errno: error.errno)
        }
    }

    public func lock() throws(StoreError) {
        do {
            try file.lock()
        } catch {
            throw StoreError(error.operation, path, errno: error.errno)
        }
    }

    public func unlock() { file.unlock() }

    /// Runs `body` with the lock held.
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(StoreError) -> Result<T, E> {
        do {
            return try file.withLock(body)
        } catch {
            throw StoreError(error.operation, path, errno: error.errno)
        }
    }
}
