import CLinux
import SystemSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Moves the calling thread into a network namespace for the length of one call.
enum NamespaceSwitch {
    /// Enters the namespace open on `target` (`path` names it in errors), runs `body`, then
    /// returns the thread to its original namespace, or aborts the process if it cannot: a
    /// thread stuck in the wrong namespace must never run anything else.
    static func run<T>(entering target: Int32, path: String, _ body: () throws -> T) throws -> T {
        let original = Glibc.open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        if original < 0 {
            let e = errno
            throw NetNSError(kind: .systemCall, operation: "open", path: "/proc/thread-self/ns/net", errno: e)
        }
        defer { close(original) }
        if cni_setns_net(target) != 0 {
            let e = errno
            throw NetNSError(kind: .systemCall, operation: "setns", path: path, errno: e)
        }
        defer {
            if cni_setns_net(original) != 0 {
                Log.line("fatal: cannot return to the original network namespace after \(path)")
                abort()
            }
        }
        return try body()
    }
}
