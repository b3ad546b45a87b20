import SystemSupport

/// A host-wide exclusive lock (flock) around read-compare-write changes of our tables, so two
/// plugins running at once never both add the same shared rule or delete a table the other
/// is filling. The kernel serialises each transaction; this serialises list + transaction.
public enum NFTablesLock {
    public static let defaultPath = "/run/swift-cni/nftables.lock"

    /// Runs `body` holding the lock at `path`; with `path == nil`, runs it unlocked.
    public static func withLock<T>(path: String?, _ body: () throws(NFTablesError) -> T) throws(NFTablesError) -> T {
        guard let path else { return try body() }
        let outcome: Result<T, NFTablesError>
        do {
            outcome = try FileLock.withLock(path: path, body)
        } catch {
            throw NFTablesError(
                kind: .lockFailed, operation: "\(error.operation) \(error.path)",
                reason: SystemError.describe(error.errno))
        }
        return try outcome.get()
    }
}
