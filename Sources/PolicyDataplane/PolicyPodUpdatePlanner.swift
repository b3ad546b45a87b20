import NFTables
import NetworkPolicy

/// The pods-only path of `policy apply`, without I/O of its own: when the state file of the
/// last apply describes the live table and only pods changed (manifest files added, removed
/// or rewritten holding only pods; CNI-cache pods attached or gone), the update is the set
/// and map elements of the changed pods, computed from the state file (`PolicyDelta`)
/// without reading the unchanged manifests, compiling, or listing the table: one
/// element-only transaction. Anything else needs the full path, and the planner says why.
public enum PolicyPodUpdatePlanner {
    /// A stage's outcome: its result, or why the full path is needed.
    public enum Step<Value> {
        case ready(Value)
        case needsFullPath(String)
    }

    /// What the last apply was given, as this apply is given it.
    public struct Inputs: Sendable {
        public var arguments: [String]
        public var workingDirectory: String
        public var cacheDirectory: String
        public var layout: PolicyTableLayout

        public init(arguments: [String], workingDirectory: String, cacheDirectory: String, layout: PolicyTableLayout) {
            self.arguments = arguments
            self.workingDirectory = workingDirectory
            self.cacheDirectory = cacheDirectory
            self.layout = layout
        }
    }

    /// The manifest files as they are now, and how many were read again (changed, new or gone).
    public struct Files {
        public var files: [PolicyStateFile.ManifestFile]
        public var reread: Int
    }

    /// The update: the transaction, the state file to write after it, and the pods it is for.
    public struct Plan {
        public var transaction: NFTablesTransaction
        public var next: PolicyStateFile
        /// Every pod after the update (manifests, then the CNI cache's addresses).
        public var pods: [ObjectRef: Pod]
        /// Pods added, removed or changed.
        public var changedPods: Int
    }

    /// Nil when `previous` was written for the same inputs; else why not.
    public static func mismatch(_ previous: PolicyStateFile, _ inputs: Inputs) -> String? {
        guard previous.arguments == inputs.arguments, previous.workingDirectory == inputs.workingDirectory,
            previous.cacheDirectory == inputs.cacheDirectory
        else { return "other manifest arguments or cache directory than the last apply" }
        guard previous.cache.layoutMarker == PolicySync(layout: inputs.layout).layoutMarker.name else {
            return "other table layout or log group than the last apply"
        }
        return nil
    }

    /// The manifest files `paths` (in order): an unchanged file (same stamp) is taken from
    /// `previous` without reading it; a changed or new one is read with `load` and must hold
    /// only pods, as must every file that changed or is gone.
    public static func files(
        _ previous: PolicyStateFile, paths: [String], stamp: (String) -> FileStamp?, load: (String) throws -> ManifestObjects
    ) rethrows -> Step<Files> {
        var known: [String: PolicyStateFile.ManifestFile] = [:]
        for file in previous.files { known[file.path] = file }
        var files: [PolicyStateFile.ManifestFile] = []
        var reread = 0
        for path in paths {
            guard let stamp = stamp(path) else { return .needsFullPath("cannot stat \(path)") }
            let old = known.removeValue(forKey: path)
            if let old, old.stamp == stamp {
                files.append(old)
                continue
            }
            if old?.hasNamespacesOrPolicies == true { return .needsFullPath("\(path) held namespaces or policies and changed") }
            let objects = try load(path)
            guard objects.namespaces.isEmpty, objects.policies.isEmpty else { return .needsFullPath("\(path) holds namespaces or policies") }
            files.append(PolicyStateFile.ManifestFile(path: path, stamp: stamp, hasNamespacesOrPolicies: false, pods: objects.pods))
            reread += 1
        }
        if let gone = known.values.first(where: \.hasNamespacesOrPolicies) {
            return .needsFullPath("\(gone.path) held namespaces or policies and is gone")
        }
        return .ready(Files(files: files, reread: reread + known.count))
    }

    /// The element changes from the pods of `previous` to those of `files` and `cni`.
    public static func plan(
        _ previous: PolicyStateFile, files: [PolicyStateFile.ManifestFile], cni: [ObjectRef: [IPAddress]], layout: PolicyTableLayout
    ) -> Step<Plan> {
        let old = previous.pods, new = PolicyStateFile.pods(files.map(\.pods), cni: cni)
        guard let delta = PolicyDelta.compute(previous.cache, old: old, new: new, layout: layout) else {
            return .needsFullPath("the pods need chains the table does not have, or leave chains unused")
        }
        var next = previous
        next.files = files
        next.cniPods = cni
        next.cache = delta.cache
        let changed = Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }.count
        return .ready(Plan(transaction: delta.transaction, next: next, pods: new, changedPods: changed))
    }
}
