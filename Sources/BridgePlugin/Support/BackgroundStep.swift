import CNISpec

#if canImport(Glibc)
import Glibc
#endif

/// One step run on its own OS thread while the caller does something else; `join()` waits
/// for it and returns its error. Used where two steps each wait for the kernel (an RCU grace
/// period when a veth is deleted and when nftables rules are deleted), so the waits overlap.
/// When no thread can be created, the step runs at once on the caller's thread.
final class BackgroundStep: @unchecked Sendable {
    // Touched by the caller before start and after join, by the step's thread in between.
    private let body: @Sendable () -> CNIError?
    private var outcome: CNIError?
    private var thread = pthread_t()
    private var started = false

    init(_ body: @escaping @Sendable () -> CNIError?) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let step = Unmanaged<BackgroundStep>.fromOpaque(raw!).takeRetainedValue()
            step.outcome = step.body()
            return nil
        }, context)
        if rc == 0 {
            started = true
        } else {
            Unmanaged<BackgroundStep>.fromOpaque(context).release()
            outcome = body()
        }
    }

    /// Waits for the step; its error, if any.
    func join() -> CNIError? {
        if started {
            pthread_join(thread, nil)
            started = false
        }
        return outcome
    }
}
