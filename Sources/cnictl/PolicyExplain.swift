import ArgumentParser
import CNISpec
import NFTables
import NetworkPolicy
import PolicyDataplane

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
