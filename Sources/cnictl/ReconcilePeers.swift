import ArgumentParser
import CNIRuntime
import CNISpec
import Overlay

/// `cnictl reconcile-peers NETWORK`: brings this node's vxlan state (VTEP, per-peer
/// neighbour, FDB and route entries, forwarding rules) in line with the node list, without
/// any pod ADD. Uses the `vxlan` plugin object of the network's configuration list; with
/// `--peers FILE`, that file (JSON or YAML: a node list, `{"nodes": [...]}`, or a Kubernetes
/// NodeList as printed by `kubectl get nodes -o json|yaml`) replaces the configured `nodes`
/// and `peersFile`: it is the whole node list, this node included.
struct ReconcilePeers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile-peers",
        abstract: "Reconcile this node's vxlan peers (FDB, neighbours, routes) from the configuration or a peers file.")
    @OptionGroup var network: NetworkOptions

    @Option(
        name: .customLong("peers"),
        help: "Whole node list, JSON or YAML: a nodes array, {\"nodes\": [...]}, or a Kubernetes NodeList (kubectl get nodes -o json|yaml).")
    var peersFile: String?

    func run() throws {
        let list = try prepare("reconcile-peers", network)
        let plugins = list.plugins.filter { $0["type"]?.stringValue == "vxlan" }
        guard !plugins.isEmpty else {
            throw Output.fail(
                "reconcile-peers", CNIError(.invalidNetworkConfig, "network \"\(list.name)\" has no plugin of type vxlan"))
        }
        for plugin in plugins {
            let request = RequestBuilder.statusRequest(plugin: plugin, list: list)
            do {
                var config = try VxlanConfig(networkName: list.name, reader: JSONFieldReader(request))
                if let peersFile {
                    config.nodes = try PeersDocument.nodes(from: peersFile)
                    config.peersFile = nil
                }
                let state = try NodeReconciler(config: config).reconcile()
                let peers = state.nodes.count - 1
                Output.info(
                    "node \(state.selfNode.name): \(config.device) VNI \(config.vni) MTU \(state.overlayMTU) on \(state.underlayName); "
                        + "\(peers) peer\(peers == 1 ? "" : "s"), \(state.added) entries added, \(state.removed) removed"
                        + Self.birdSummary(state, config: config))
            } catch {
                throw Output.fail("reconcile-peers", error)
            }
        }
    }

    /// Routing mode bgp: what happened to BIRD's configuration.
    static func birdSummary(_ state: NodeState, config: VxlanConfig) -> String {
        guard let bird = state.bird, let outcome = state.birdOutcome else { return "" }
        let what = !outcome.changed ? "unchanged" : outcome.reloaded ? "rewritten, BIRD reloaded" : "rewritten, BIRD not running"
        return "; routing bgp: \(config.routing.birdConfig) \(what), \(bird.sessions.count) BGP session\(bird.sessions.count == 1 ? "" : "s")"
    }
}
