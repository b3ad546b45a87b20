import ArgumentParser
import CNIRuntime
import CNISpec
import NFTables
import NetworkPolicy
import PolicyDataplane

struct PolicyApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Compile the manifests and bring the policy table to them in one transaction.")
    @OptionGroup var options: PolicyOptions
    @Flag(help: "Replace the whole table even when an incremental update is possible.")
    var full = false
    @Flag(name: .customLong("dry-run"), help: "Print what would be applied (full sync: nft script; update: JSON transaction) instead of applying it.")
    var dryRun = false
    @Argument(help: "Manifest files or folders.")
    var manifests: [String]

    func run() throws {
        if dryRun {
            do {
                let program = PolicyCompiler().compile(try options.clusterState(manifests))
                let (mode, tx) = try options.withContext { try PolicyApplier(context: $0, layout: options.layout, lockPath: nil).plan(program, forceFull: full) }
                // A full sync is applied as a native-syntax script; an update as JSON.
                print(mode == .full ? PolicySync(layout: options.layout).fullSyncScript(program) : tx.text)
                Output.info("policy apply --dry-run: \(mode.rawValue) update of \(tx.commandCount) commands (not applied)")
            } catch {
                throw policyFailure("apply", error)
            }
            return
        }
        do {
            guard !full else { return try applyCompiled(reason: "--full") }
            switch try PolicyPodUpdate(options: options, manifests: manifests).attempt() {
            case .applied(let commands, let pods, let files, let load, let delta, let nftables, let stateFile, let marks):
                try marks.result.get()
                Output.info(
                    "policy apply: pods-only update of \(commands) commands (\(pods) pods changed, \(files) manifest files changed); "
                        + "load \(Self.ms(load)), delta \(Self.ms(delta)), nftables \(Self.ms(nftables)), state file \(Self.ms(stateFile)), "
                        + "data path marks \(Self.ms(marks.seconds))")
            case .needsFullPath(let reason):
                try applyCompiled(reason: reason)
            }
        } catch {
            throw policyFailure("apply", error)
        }
    }

    static func ms(_ seconds: Double) -> String { String(Int((seconds * 1000).rounded())) + " ms" }

    /// The full path: every manifest read and compiled, the table read back and diffed (or
    /// replaced with `--full`), then the state file written for the next pods-only update.
    private func applyCompiled(reason: String) throws {
        let start = monotonicSeconds()
        var objects = ManifestObjects()
        var files: [PolicyStateFile.ManifestFile] = []
        var stamped = true
        for path in try ManifestLoader.files(manifests) {
            let stamp = FileStamp.of(path)
            let loaded = try ManifestLoader.loadFile(path)
            objects.append(loaded)
            stamped = stamped && stamp != nil
            if let stamp {
                files.append(PolicyStateFile.ManifestFile(
                    path: path, stamp: stamp, hasNamespacesOrPolicies: !loaded.namespaces.isEmpty || !loaded.policies.isEmpty, pods: loaded.pods))
            }
        }
        var state = objects.clusterState
        let cni = CachedPods.read(cacheDirectory: options.cacheDir)
        CachedPods.merge(cni, into: &state)
        let loaded = monotonicSeconds()
        let (program, details) = PolicyCompiler().compileWithDetails(state)
        let compiled = monotonicSeconds()
        let layout = options.layout, lockFile = options.lockFile, statePath = options.statePath
        let (report, saving, marking) = try options.inNodeNamespace {
            try NFTablesLock.withLock(path: lockFile) { () throws(NFTablesError) -> (PolicyApplier.Report, Double, Marks) in
                let report = try PolicyApplier(context: try NFTablesContext(), layout: layout, lockPath: nil).apply(program, forceFull: full)
                let identity = try NFTTableIdentity.read(layout.table)
                // Under the lock, so that the state file always describes the table it names.
                let saveStart = monotonicSeconds()
                if let identity, stamped {
                    Self.save(
                        PolicyStateFile(
                            arguments: manifests, workingDirectory: FileSystem.currentDirectory(), cacheDirectory: options.cacheDir,
                            table: identity, files: files, cniPods: cni,
                            cache: PolicyStateCache(state: state, program: program, details: details, layout: layout)),
                        to: statePath)
                } else {
                    try? FileSystem.removeFile(statePath)
                }
                let saved = monotonicSeconds()
                // Under the lock too: two applies never leave the marks of the older one.
                let marks = Result { () throws(CNIError) in try PolicyDataPathMarks.apply(program) }
                return (report, saved - saveStart, (marks, monotonicSeconds() - saved))
            }
        }
        try marking.result.get()
        let done = monotonicSeconds() - saving - marking.seconds
        Output.info(
            "policy apply: \(state.policies.count) policies, \(state.policedPods.count) pods, \(program.chains.count) chains; "
                + "\(report.mode.rawValue) update of \(report.commands) commands (\(reason)); "
                + "load \(Self.ms(loaded - start)), compile \(Self.ms(compiled - loaded)), nftables \(Self.ms(done - compiled)), state file \(Self.ms(saving)), "
                + "data path marks \(Self.ms(marking.seconds))")
    }

    /// The outcome of `PolicyDataPathMarks` (after the table is updated and the state file
    /// written, so a failure leaves them consistent) and its time.
    typealias Marks = (result: Result<Void, CNIError>, seconds: Double)

    /// Writes the state file; on failure removes it (a stale one could describe another
    /// table) and says so: the apply itself succeeded.
    static func save(_ file: PolicyStateFile, to path: String) {
        do {
            try file.write(path)
        } catch {
            try? FileSystem.removeFile(path)
            Output.info("policy apply: cannot keep the state file \(path) (\(error.description)); the next apply compiles in full")
        }
    }
}
