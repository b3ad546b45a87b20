/// Repeats a netlink dump that the kernel flagged as interrupted (`NLM_F_DUMP_INTR`).
///
/// A dump that races with changes to the table it walks may be inconsistent; the kernel
/// says so with `NLM_F_DUMP_INTR` and the only remedy is to dump again. Like the
/// reference's `netlinksafe` wrapper we try up to `attempts` times, then fail with `EINTR`.
public enum DumpRetry {
    public static let attempts = 5

    /// One run of a dump: the messages, and whether any of them was flagged interrupted.
    public struct Pass: Sendable {
        public var replies: [NetlinkReply]
        public var interrupted: Bool
        public init(replies: [NetlinkReply], interrupted: Bool) {
            self.replies = replies
            self.interrupted = interrupted
        }
    }

    /// Runs `pass` until it returns a consistent dump, at most `attempts` times.
    public static func run(
        operation: String, attempts: Int = DumpRetry.attempts, _ pass: () throws -> Pass
    ) throws -> [NetlinkReply] {
        for _ in 0..<attempts {
            let result = try pass()
            if !result.interrupted { return result.replies }
        }
        throw NetlinkError(
            operation: "\(operation) (the dump was interrupted by concurrent changes \(attempts) times in a row)",
            errno: 4 /* EINTR */)
    }
}
