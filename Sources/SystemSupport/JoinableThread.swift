#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A POSIX thread running `body` once, waited for with `join()`.
///
/// The one place that creates threads: namespace switches need a thread of their own (setns
/// changes the calling thread), and background steps overlap waits of a plugin.
public final class JoinableThread: @unchecked Sendable {
    private let body: @Sendable () -> Void
    private var thread = pthread_t()
    private var running = false

    /// Starts the thread; throws the error of `pthread_create` when none can be made.
    public init(_ body: @escaping @Sendable () -> Void) throws(SystemError) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let me = Unmanaged<JoinableThread>.fromOpaque(raw!).takeRetainedValue()
            me.body()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<JoinableThread>.fromOpaque(context).release()
            throw SystemError("pthread_create", errno: rc)
        }
        running = true
    }

    /// Waits for the thread (at most once; later calls return at once).
    public func join() {
        guard running else { return }
        pthread_join(thread, nil)
        running = false
    }
}
