#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension NetworkNamespace {
    /// Runs `body` on the calling thread inside this namespace, then returns the thread to its
    /// original namespace (or aborts the process if it cannot).
    ///
    /// For single-threaded, short-lived processes (a plugin's main thread before it has started
    /// any other thread): it saves creating and scheduling a thread, which on a loaded machine
    /// can cost more than the work itself. Anything else must use `run`, which never moves the
    /// caller's thread.
    public func runOnCurrentThread<T>(_ body: () throws -> T) throws -> T {
        let target = try NamespaceFile.open(path)
        defer { close(target) }
        return try NamespaceSwitch.run(entering: target, path: path, body)
    }
}

extension NetworkNamespace {
    /// Whether `path` is the network namespace the calling thread is in (same device and
    /// inode as `/proc/thread-self/ns/net`). False when either cannot be examined.
    public var isCallersNamespace: Bool {
        var target = stat()
        var own = stat()
        guard stat(path, &target) == 0, stat("/proc/thread-self/ns/net", &own) == 0 else { return false }
        return target.st_dev == own.st_dev && target.st_ino == own.st_ino
    }
}
