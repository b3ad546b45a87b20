#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A network namespace named by a path (`/run/netns/x`, `/proc/<pid>/ns/net`).
///
/// `setns(2)` changes the namespace of the calling thread only, so work inside a namespace runs
/// on a dedicated OS thread created for it: the caller's thread never changes namespace, and
/// nothing else (no Swift concurrency task, no other code) can run on the namespaced thread.
/// The thread returns to its original namespace before it ends, or the process aborts.
public struct NetworkNamespace: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Checks that `path` names a network namespace: it exists and lives on nsfs or procfs
    /// (as the reference's `ns.IsNSorErr` does).
    public func validate() throws(NetNSError) {
        let fd = try NamespaceFile.open(path)
        close(fd)
    }

    /// An open, close-on-exec descriptor of this namespace (for `IFLA_NET_NS_FD`), after the
    /// same checks as `validate`; the caller closes it.
    public func openDescriptor() throws(NetNSError) -> Int32 {
        try NamespaceFile.open(path)
    }

    /// Runs `body` on a new OS thread inside this namespace and returns its result.
    ///
    /// Throws `NetNSError` when the namespace cannot be opened or entered, and rethrows what
    /// `body` throws. Sockets created by `body` stay bound to this namespace after it returns.
    public func run<T>(_ body: () throws -> T) throws -> T {
        let target = try NamespaceFile.open(path)
        defer { close(target) }
        return try withoutActuallyEscaping(body) { escapable in
            try NamespaceThread.run(entering: target, path: path, escapable)
        }
    }
}
