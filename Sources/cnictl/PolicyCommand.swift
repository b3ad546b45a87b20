import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import CNISpec
import NFTables
import NetNS
import NetworkPolicy
import PolicyDataplane

/// `cnictl policy ...`: Kubernetes NetworkPolicy on this node's nftables.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Enforce Kubernetes NetworkPolicy manifests in nftables (table inet swcni_netpol).",
        discussion: """
            MANIFEST arguments are files or folders of Kubernetes objects (v1 Namespace, v1 Pod, \
            networking.k8s.io/v1 NetworkPolicy, or Lists of them) in JSON or YAML. Pods attached \
            by CNI ADD on this node (K8S_POD_NAMESPACE and K8S_POD_NAME in CNI_ARGS, from the \
            result cache) take their cached addresses; cached pods without a manifest are \
            policed without labels.
            """,
        subcommands: [PolicyApply.self, PolicyExplain.self, PolicyCounters.self, PolicyDrops.self, PolicyDelete.self])
}

/// Where the policy table lives and what it is built from.
struct PolicyOptions: ParsableArguments {
    @Option(help: "Network namespace of the node (path, or a name under /run/netns); default: the current one.")
    var netns: String?

    @Option(name: .customLong("cache-dir"), help: "CNI result cache directory (pods attached by CNI ADD).")
    var cacheDir: String = "/var/lib/cni"

    @Option(help: "nftables table name (family inet).")
    var table: String = PolicyTableLayout.defaultTableName

    @Option(name: .customLong("log-group"), help: "nflog group of drop logs.")
    var logGroup: Int = PolicyTableLayout.defaultLogGroup

    @Option(name: .customLong("lock-file"), help: "Lock held while the table is read back and updated.")
    var lockFile: String = NFTablesLock.defaultPath

    @Option(name: .customLong("state-dir"), help: "Where apply keeps what the next apply needs for a pods-only update.")
    var stateDir: String = "/run/swift-cni/netpol"

    var layout: PolicyTableLayout { PolicyTableLayout(tableName: table, logGroup: logGroup) }

    /// The node namespace's path (nil: the current namespace).
    var netnsPath: String? { netns.map { $0.contains("/") ? $0 : "/run/netns/" + $0 } }

    /// The apply state file of this table in this node namespace.
    var statePath: String { PolicyStateFile.path(directory: stateDir, table: table, netns: netnsPath) }

    func clusterState(_ manifests: [String]) throws(CNIError) -> ClusterState {
        var state = try ManifestLoader.load(manifests).clusterState
        CachedPods.merge(CachedPods.read(cacheDirectory: cacheDir), into: &state)
        return state
    }

    /// Runs `body` with an nftables context in the node's namespace.
    func withContext<T>(_ body: (NFTablesContext) throws -> T) throws -> T {
        try inNodeNamespace { try body(try NFTablesContext()) }
    }

    /// Runs `body` in the node's namespace (no libnftables context: netlink reads need none).
    func inNodeNamespace<T>(_ body: () throws -> T) throws -> T {
        guard let netnsPath else { return try body() }
        return try NetworkNamespace(path: netnsPath).run { try body() }
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Turns any error into the CLI's error output and exit status 1.
func policyFailure(_ command: String, _ error: any Error) -> ExitCode {
    if let error = error as? CNIError { return Output.fail("policy \(command)", error) }
    if let error = error as? NFTablesError { return Output.fail("policy \(command)", CNIError(.internalError, "nftables", details: error.description)) }
    return Output.fail("policy \(command)", CNIError(.internalError, "\(error)"))
}
