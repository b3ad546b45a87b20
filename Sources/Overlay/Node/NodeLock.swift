import CNISpec
import SystemSupport

/// A host-wide exclusive lock (flock) around the node reconcile of one VTEP, so concurrent
/// ADDs (and `cnictl reconcile-peers`) never race each other creating the device or
/// pruning entries the other just added.
public enum NodeLock {
    static let directory = "/run/swift-cni/vxlan"

    public static func withLock<T>(device: String, _ body: () throws(CNIError) -> T) throws(CNIError) -> T {
        let outcome: Result<T, CNIError>
        do {
            outcome = try FileLock.withLock(path: "\(directory)/\(device).lock", body)
        } catch {
            let step = error.operation == "flock" ? "cannot lock" : "cannot open lock file"
            throw CNIError(.ioFailure, "\(step) \(error.path)", details: SystemError.describe(error.errno))
        }
        return try outcome.get()
    }
}
