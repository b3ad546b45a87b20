/// One step run on its own OS thread while the caller does something else; `join()` waits
/// for it and returns its outcome. Used where steps wait on something other than this
/// process (an exec'd plugin, the kernel's RCU grace periods), so the waits overlap. When no
/// thread can be created, the step runs at once on the caller's thread.
public final class BackgroundStep<Success: Sendable, Failure: Error>: Sendable {
    private let box: OutcomeBox<Success, Failure>
    private let thread: JoinableThread?

    public init(_ body: @escaping @Sendable () -> Result<Success, Failure>) {
        let box = OutcomeBox<Success, Failure>()
        self.box = box
        do {
            thread = try JoinableThread { box.value = body() }
        } catch {
            thread = nil
            box.value = body()
        }
    }

    /// Waits for the step; its outcome.
    public func join() -> Result<Success, Failure> {
        thread?.join()
        return box.value!
    }
}

/// Written by the step's thread before it ends, read by the caller after `join`.
private final class OutcomeBox<Success: Sendable, Failure: Error>: @unchecked Sendable {
    var value: Result<Success, Failure>?
}
