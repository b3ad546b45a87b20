import SystemSupport

/// The dedicated OS thread behind `NetworkNamespace.run`: enter, run, return, join.
enum NamespaceThread {
    /// What the thread needs and what it hands back. Only one thread touches it at a time:
    /// the caller before the thread starts and after `join`, the new thread in between.
    private final class Job: @unchecked Sendable {
        let target: Int32
        let path: String
        let body: () throws -> Any
        var outcome: Result<Any, any Error> = .failure(NetNSError(kind: .systemCall, operation: "run", path: "", errno: 0))

        init(target: Int32, path: String, body: @escaping () throws -> Any) {
            self.target = target
            self.path = path
            self.body = body
        }
    }

    static func run<T>(entering target: Int32, path: String, _ body: @escaping () throws -> T) throws -> T {
        let job = Job(target: target, path: path, body: { try body() })
        let thread: JoinableThread
        do {
            thread = try JoinableThread {
                job.outcome = Result { try NamespaceSwitch.run(entering: job.target, path: job.path, job.body) }
            }
        } catch {
            throw NetNSError(kind: .systemCall, operation: "pthread_create", path: path, errno: error.errno)
        }
        thread.join()
        return try job.outcome.get() as! T
    }
}
