#if canImport(Glibc)
import Glibc
#endif

/// Repeats a netlink dump that the kernel flagged as interrupted (`NLM_F_DUMP_INTR`).
///
/// A dump that races with changes to the table it walks may be inconsistent; the kernel
/// says so with `NLM_F_DUMP_INTR` and the only remedy is to dump again. Like the
/// reference's `netlinksafe` wrapper we try `attempts` times at once, then a few more times after short pauses, then fail with `EINTR`.
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

    /// Passes after the first `attempts`, each after a pause of 1, 2, 4, ... ms: on a node
    /// where many pods start and stop at once (a churn soak at 64 workers saw it), a link dump
    /// can be interrupted more than 5 times in a row; a DEL must not fail for that.
    public static let backoffPasses = 6

    /// Runs `pass` until it returns a consistent dump: `attempts` times at once, then
    /// `backoffPasses` more times with growing pauses (at most ~63 ms in all).
    public static func run(
        operation: String, attempts: Int = DumpRetry.attempts, _ pass: () throws -> Pass
    ) throws -> [NetlinkReply] {
        for index in 0..<(attempts + backoffPasses) {
            if index >= attempts { usleep(UInt32(1000 << (index - attempts))) }
            let result = try pass()
            if !result.interrupted { return result.replies }
        }
        throw NetlinkError(
            operation: "\(operation) (the dump was interrupted by concurrent changes \(attempts + backoffPasses) times in a row)",
            errno: 4 /* EINTR */)
    }
}
