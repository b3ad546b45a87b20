import CNISpec

#if canImport(Glibc)
import Glibc
#endif

/// One step run on its own OS thread while the caller does something else; `join()` waits
/// for it and returns its outcome. Used where steps wait on something other than this
/// process (the IPAM plugin's exec, the kernel's RCU grace periods when a veth and nftables
/// rules are deleted), so the waits overlap. The step's thread never changes namespace.
final class BackgroundStep<T: Sendable>: Sendable {
    private let box: OutcomeBox<T>
    private let thread: JoinableThread

    init(_ body: @escaping @Sendable () -> Result<T, CNIError>) {
        let box = OutcomeBox<T>()
        self.box = box
        thread = JoinableThread { box.value = body() }
    }

    /// Waits for the step; its outcome.
    func join() -> Result<T, CNIError> {
        thread.join()
        return box.value!
    }
}

/// Written by the step's thread before it ends, read by the caller after `join`.
private final class OutcomeBox<T: Sendable>: @unchecked Sendable {
    var value: Result<T, CNIError>?
}

/// A POSIX thread running `body`; when no thread can be created, `body` runs at once on the
/// caller's thread.
private final class JoinableThread: @unchecked Sendable {
    private let body: @Sendable () -> Void
    private var thread = pthread_t()
    private var running = false

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let me = Unmanaged<JoinableThread>.fromOpaque(raw!).takeRetainedValue()
            me.body()
            return nil
        }, context)
        if rc == 0 {
            running = true
        } else {
            Unmanaged<JoinableThread>.fromOpaque(context).release()
            body()
        }
    }

    /// Waits for the thread (at most once).
    func join() {
        guard running else { return }
        pthread_join(thread, nil)
        running = false
    }
}
