import CNIRuntime
import CNISpec
import NFTables
import NetworkPolicy
import PolicyDataplane

/// The pods-only path of `policy apply` (`PolicyPodUpdatePlanner`), with its I/O and
/// timings: the state file, the manifest files, the CNI cache, the table and the data path.
struct PolicyPodUpdate {
    let options: PolicyOptions
    let manifests: [String]

    enum Outcome {
        /// Applied: the commands sent, pods changed, files re-read, and where the time went.
        case applied(
            commands: Int, pods: Int, files: Int, load: Double, delta: Double, nftables: Double, state: Double, marks: PolicyApply.Marks)
        /// Not possible: why (the caller runs the full path).
        case needsFullPath(String)
    }

    /// Everything from reading the state file to writing it back happens under the nftables
    /// lock: two applies never compute deltas from the same state file.
    func attempt() throws -> Outcome {
        var outcome: Result<Outcome, any Error> = .success(.needsFullPath("not attempted"))
        try NFTablesLock.withLock(path: options.lockFile) { () throws(NFTablesError) in
            do { outcome = .success(try attemptLocked()) } catch { outcome = .failure(error) }
        }
        return try outcome.get()
    }

    private func attemptLocked() throws -> Outcome {
        let start = monotonicSeconds()
        let statePath = options.statePath
        guard let previous = PolicyStateFile.read(statePath) else { return .needsFullPath("no usable state file \(statePath)") }
        let inputs = PolicyPodUpdatePlanner.Inputs(
            arguments: manifests, workingDirectory: FileSystem.currentDirectory(), cacheDirectory: options.cacheDir, layout: options.layout)
        if let reason = PolicyPodUpdatePlanner.mismatch(previous, inputs) { return .needsFullPath(reason) }
        let files: PolicyPodUpdatePlanner.Files
        switch try PolicyPodUpdatePlanner.files(
            previous, paths: try ManifestLoader.files(manifests), stamp: FileStamp.of, load: ManifestLoader.loadFile)
        {
        case .needsFullPath(let reason): return .needsFullPath(reason)
        case .ready(let found): files = found
        }
        let cni = CachedPods.read(cacheDirectory: options.cacheDir)
        let loaded = monotonicSeconds()

        let plan: PolicyPodUpdatePlanner.Plan
        switch PolicyPodUpdatePlanner.plan(previous, files: files.files, cni: cni, layout: options.layout) {
        case .needsFullPath(let reason): return .needsFullPath(reason)
        case .ready(let planned): plan = planned
        }
        let computed = monotonicSeconds()

        let tx = plan.transaction
        let layout = options.layout
        let pods = plan.pods, cache = plan.next.cache
        var marks: PolicyApply.Marks = (.success(()), 0)
        let reason: String? = try options.inNodeNamespace { () throws -> String? in
            // Only this table's incarnation and object count are checked: every apply
            // through cnictl rewrites the state file under the lock.
            guard try NFTTableIdentity.read(layout.table) == previous.table else {
                return "table \(layout.table) changed since the last apply"
            }
            if !tx.isEmpty {
                do {
                    try tx.apply(try NFTablesContext(), operation: "update pods in policy table \(layout.table) (\(tx.commandCount) commands)")
                } catch {
                    return "element update failed (\(error))"
                }
            }
            // The data path's marks follow the table (also when no element changed: they
            // are re-asserted). A failure is reported after the state file is written.
            let marking = monotonicSeconds()
            marks.result = Result { () throws(CNIError) in try PolicyDataPathMarks.apply(cache: cache, pods: pods) }
            marks.seconds = monotonicSeconds() - marking
            return nil
        }
        if let reason { return .needsFullPath(reason) }
        let done = monotonicSeconds()
        PolicyApply.save(plan.next, to: statePath)
        return .applied(
            commands: tx.commandCount, pods: plan.changedPods, files: files.reread,
            load: loaded - start, delta: computed - loaded, nftables: done - computed - marks.seconds, state: monotonicSeconds() - done,
            marks: marks)
    }
}
