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

    var layout: PolicyTableLayout { PolicyTableLayout(tableName: table, logGroup: logGroup) }

    func clusterState(_ manifests: [String]) throws(CNIError) -> ClusterState {
        var state = try ManifestLoader.load(manifests).clusterState
        CachedPods.merge(CachedPods.read(cacheDirectory: cacheDir), into: &state)
        return state
    }

    /// Runs `body` with an nftables context in the node's namespace.
    func withContext<T>(_ body: (NFTablesContext) throws -> T) throws -> T {
        guard let netns else { return try body(try NFTablesContext()) }
        let path = netns.contains("/") ? netns : "/run/netns/" + netns
        return try NetworkNamespace(path: path).run { try body(try NFTablesContext()) }
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
                Output.info("policy apply --dry-run: \(mode.rawValue) update of \(tx.commands.count) commands (not applied)")
            } catch {
                throw policyFailure("apply", error)
            }
            return
        }
        do {
            let start = monotonicSeconds()
            let state = try options.clusterState(manifests)
            let loaded = monotonicSeconds()
            let program = PolicyCompiler().compile(state)
            let compiled = monotonicSeconds()
            let report = try options.withContext { try PolicyApplier(context: $0, layout: options.layout, lockPath: options.lockFile).apply(program, forceFull: full) }
            let done = monotonicSeconds()
            func ms(_ seconds: Double) -> String { String(Int((seconds * 1000).rounded())) + " ms" }
            Output.info(
                "policy apply: \(state.policies.count) policies, \(state.policedPods.count) pods, \(program.chains.count) chains; "
                    + "\(report.mode.rawValue) update of \(report.commands) commands; "
                    + "load \(ms(loaded - start)), compile \(ms(compiled - loaded)), nftables \(ms(done - compiled))")
        } catch {
            throw policyFailure("apply", error)
        }
    }
}

struct PolicyExplain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Would a new connection pass, and which policy and rule decide it (from the compiled state).")
    @OptionGroup var options: PolicyOptions
    @Option(help: "Source: NAMESPACE/POD or an IP address.") var from: String
    @Option(help: "Destination: NAMESPACE/POD or an IP address.") var to: String
    @Option(help: "Destination port.") var port: Int
    @Option(name: .customLong("protocol"), help: "TCP, UDP or SCTP.") var proto: String = "TCP"
    @Flag(help: "Do not compare with the live table.") var offline = false
    @Argument(help: "Manifest files or folders.") var manifests: [String]

    func address(_ text: String, _ state: ClusterState) throws(CNIError) -> IPAddress {
        if let ip = IPAddress(text) { return ip }
        let ref = ObjectRef(parsing: text)
        guard let pod = state.pods[ref] else { throw CNIError(.invalidNetworkConfig, "unknown pod \(ref)", details: "not in the manifests nor the CNI cache") }
        guard let ip = pod.ips.first else { throw CNIError(.invalidNetworkConfig, "pod \(ref) has no address") }
        return ip
    }

    func run() throws {
        do {
            guard let proto = TransportProtocol(rawValue: proto.uppercased()) else {
                throw CNIError(.invalidNetworkConfig, "unknown protocol \(proto)", details: "expected TCP, UDP or SCTP")
            }
            let state = try options.clusterState(manifests)
            let program = PolicyCompiler().compile(state)
            var source = try address(from, state), destination = try address(to, state)
            if source.family != destination.family, let ip = state.pod(withIP: source)?.ips.first(where: { $0.family == destination.family }) {
                source = ip
            }
            if source.family != destination.family, let ip = state.pod(withIP: destination)?.ips.first(where: { $0.family == source.family }) {
                destination = ip
            }
            let connection = Connection(from: source, to: destination, proto: proto, port: port)
            let verdict = program.trace(connection)
            print("\(connection): \(verdict.allowed ? "ALLOW" : "DROP")")
            print("  egress of \(state.pod(withIP: source)?.ref.description ?? "\(source) (not a pod)"): \(verdict.egress)")
            print("  ingress of \(state.pod(withIP: destination)?.ref.description ?? "\(destination) (not a pod)"): \(verdict.ingress)")
            if !offline {
                let inSync = try options.withContext { try PolicyApplier(context: $0, layout: options.layout).isInSync(with: program) }
                print(inSync ? "  dataplane: table \(options.layout.table) holds this compiled state"
                      : "  dataplane: table \(options.layout.table) differs from these manifests (run policy apply)")
            }
        } catch {
            throw policyFailure("explain", error)
        }
    }
}

struct PolicyCounters: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counters", abstract: "Packets and bytes per policy rule and per drop rule, from the live table.")
    @OptionGroup var options: PolicyOptions
    @Flag(help: "Also list rules that matched nothing.") var all = false

    func run() throws {
        do {
            let counters = try options.withContext { try PolicyApplier(context: $0, layout: options.layout).counters() }
            var totals: [String: (packets: Int, bytes: Int)] = [:]
            var order: [String] = []
            for counter in counters {
                if totals[counter.comment] == nil { order.append(counter.comment) }
                let previous = totals[counter.comment] ?? (0, 0)
                totals[counter.comment] = (previous.packets + counter.packets, previous.bytes + counter.bytes)
            }
            for comment in order where all || totals[comment]!.packets > 0 {
                print("\(totals[comment]!.packets) packets \(totals[comment]!.bytes) bytes  \(comment)")
            }
        } catch {
            throw policyFailure("counters", error)
        }
    }
}

struct PolicyDrops: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drops",
        abstract: "Dropped packets with the policies that dropped them.",
        discussion: """
            Without --listen: the drop-rule counters of the live table (packets dropped per set \
            of isolating policies). With --listen SECONDS: subscribes to the nflog group of the \
            drop rules in the node namespace and prints each dropped packet as it happens \
            ("SRC:PORT -> DST:PORT PROTO: swcni-np DROP <direction> <policies>"). Only one \
            process can listen to a group in a namespace.
            """)
    @OptionGroup var options: PolicyOptions
    @Option(help: "Listen to nflog for this many seconds and print each dropped packet.")
    var listen: Double?
    @Option(help: "With --listen: stop after this many packets.")
    var max: Int?

    func run() throws {
        do {
            if let listen {
                try options.withContext { _ in try Self.listen(seconds: listen, max: max, group: UInt16(options.logGroup)) }
                return
            }
            let counters = try options.withContext { try PolicyApplier(context: $0, layout: options.layout).counters() }
            for counter in counters where counter.isDrop && counter.packets > 0 {
                let direction = counter.chain.hasPrefix("in_") ? "ingress" : "egress"
                print("\(counter.packets) packets dropped (\(direction), chain \(counter.chain)): \(counter.comment)")
            }
        } catch {
            throw policyFailure("drops", error)
        }
    }

    /// Runs in the node namespace (inside `withContext`): the socket belongs to it.
    static func listen(seconds: Double, max: Int?, group: UInt16) throws {
        let socket = try NFLogSocket(group: group)
        Output.info("listening to nflog group \(group) for \(seconds) s")
        var seen = 0
        let deadline = monotonicSeconds() + seconds
        while true {
            let left = deadline - monotonicSeconds()
            if left <= 0 { break }
            guard let datagram = try socket.receive(timeoutMilliseconds: Int32(min(left, 1.0) * 1000) + 1) else { continue }
            for record in NFLogRecord.parse(datagram).records where record.prefix.hasPrefix(PolicyTableLayout.logPrefixTag) {
                print(record.description)
                fflush(nil)  // flushes stdout without touching the global
                seen += 1
                if let max, seen >= max { return }
            }
        }
    }
}

struct PolicyDelete: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove the policy table (no policy enforced).")
    @OptionGroup var options: PolicyOptions

    func run() throws {
        do {
            try options.withContext { try PolicyApplier(context: $0, layout: options.layout).remove() }
        } catch {
            throw policyFailure("delete", error)
        }
    }
}
