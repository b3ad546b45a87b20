import CNIRuntime
import CNISpec
import NFTables
import NetworkPolicy
import PolicyDataplane

/// The pods-only path of `policy apply`: when the state file of the last apply describes the
/// live table and only pods changed (manifest files added, removed or rewritten holding only
/// pods; CNI-cache pods attached or gone), the update is the set and map elements of the
/// changed pods, computed from the state file (`PolicyDelta`) without reading the unchanged
/// manifests, compiling, or listing the table: one element-only transaction.
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
        guard previous.arguments == manifests, previous.workingDirectory == FileSystem.currentDirectory(),
            previous.cacheDirectory == options.cacheDir
        else { return .needsFullPath("other manifest arguments or cache directory than the last apply") }
        guard previous.cache.layoutMarker == PolicySync(layout: options.layout).layoutMarker.name else {
            return .needsFullPath("other table layout or log group than the last apply")
        }
        var known: [String: PolicyStateFile.ManifestFile] = [:]
        for file in previous.files { known[file.path] = file }
        var files: [PolicyStateFile.ManifestFile] = []
        var reread = 0
        for path in try ManifestLoader.files(manifests) {
            guard let stamp = FileStamp.of(path) else { return .needsFullPath("cannot stat \(path)") }
            let old = known.removeValue(forKey: path)
            if let old, old.stamp == stamp {
                files.append(old)
                continue
            }
            if old?.hasNamespacesOrPolicies == true { return .needsFullPath("\(path) held namespaces or policies and changed") }
            let objects = try ManifestLoader.loadFile(path)
            guard objects.namespaces.isEmpty, objects.policies.isEmpty else { return .needsFullPath("\(path) holds namespaces or policies") }
            files.append(PolicyStateFile.ManifestFile(path: path, stamp: stamp, hasNamespacesOrPolicies: false, pods: objects.pods))
            reread += 1
        }
        if let gone = known.values.first(where: \.hasNamespacesOrPolicies) { return .needsFullPath("\(gone.path) held namespaces or policies and is gone") }
        reread += known.count
        let cni = CachedPods.read(cacheDirectory: options.cacheDir)
        let loaded = monotonicSeconds()

        let old = previous.pods, new = PolicyStateFile.pods(files.map(\.pods), cni: cni)
        guard let delta = PolicyDelta.compute(previous.cache, old: old, new: new, layout: options.layout) else {
            return .needsFullPath("the pods need chains the table does not have, or leave chains unused")
        }
        let changedPods = Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }.count
        var next = previous
        next.files = files
        next.cniPods = cni
        next.cache = delta.cache
        let computed = monotonicSeconds()

        let tx = delta.transaction
        let layout = options.layout
        let pods = new, cache = delta.cache
        var marks: PolicyApply.Marks = (.success(()), 0)
        let reason: String? = try options.inNodeNamespace { () throws -> String? in
            // Only this table's incarnation and object count are checked: every apply
            // through cnictl rewrites the state file under the lock.
            guard try NFTTableIdentity.read(layout.table) == previous.table else {
                return "table \(layout.table) changed since the last apply"
            }
            if !tx.isEmpty {
                do {
                    try tx.apply(try NFTablesContext(), operation: "update pods in policy table \(layout.table) (\(tx.commands.count) commands)")
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
        PolicyApply.save(next, to: statePath)
        return .applied(
            commands: tx.commands.count, pods: changedPods, files: reread,
            load: loaded - start, delta: computed - loaded, nftables: done - computed - marks.seconds, state: monotonicSeconds() - done,
            marks: marks)
    }
}
