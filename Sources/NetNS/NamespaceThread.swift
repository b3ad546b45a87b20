#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The dedicated OS thread behind `NetworkNamespace.run`: enter, run, return, join.
enum NamespaceThread {
    /// What the thread needs and what it hands back. Only one thread touches it at a time:
    /// the caller before `pthread_create` and after `pthread_join`, the new thread in between.
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
        let context = Unmanaged.passRetained(job).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeUnretainedValue()
            NamespaceThread.execute(job)
            return nil
        }, context)
        if rc != 0 {
            Unmanaged<Job>.fromOpaque(context).release()
            throw NetNSError(kind: .systemCall, operation: "pthread_create", path: path, errno: rc)
        }
        pthread_join(thread, nil)
        Unmanaged<Job>.fromOpaque(context).release()
        return try job.outcome.get() as! T
    }

    /// Runs on the new thread.
    private static func execute(_ job: Job) {
        job.outcome = Result { try NamespaceSwitch.run(entering: job.target, path: job.path, job.body) }
    }
}

enum FileDescriptorLog {
    static func write(_ text: String) {
        let line = Array((text + "\n").utf8)
        _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
