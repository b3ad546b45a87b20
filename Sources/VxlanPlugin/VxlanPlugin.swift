import BGPRouting
import CNISpec
import Overlay
import PluginRuntime

/// The `vxlan` plugin: a chained plugin placed after `bridge` (with `host-local` IPAM on the
/// node's pod CIDR). It makes the node part of the cluster's pod network, NAT-free:
///
/// * ADD: reconciles the node (VTEP, peers, forwarding rules; see `NodeReconciler`) under
///   a host-wide lock, sets the attachment's interfaces to the overlay MTU, and returns
///   `prevResult` with the interfaces' MTUs. The VTEP is not added to `interfaces`: it is
///   node infrastructure shared by every pod, not part of the attachment.
/// * ADD also puts the pod on the node's eBPF data path (`dataPath`, see docs/vxlan.md).
/// * DEL: the pod's addresses leave the eBPF data path. Node state is shared; the last
///   pod's DEL leaves the VTEP and peers, as a node's network stays up while it has no
///   pods (a new pod needs no re-programming, and peers keep reaching the node).
/// * CHECK: verifies the node state and the attachment's MTU without changing anything.
/// * GC: reconciles the node (prunes peers no longer listed).
/// * STATUS: reconciles the node; a failure to do so is code 50 (cannot serve ADD); an
///   invalid configuration keeps its own code. With routing bgp, also code 50 while BIRD
///   does not answer on its control socket or a required session is not Established.
public struct VxlanPlugin: CNIPlugin {
    public init() {}

    public var about: String { "CNI vxlan plugin (swift-cni): cross-node pod network without NAT" }

    public func add(_ request: CNIRequest) throws -> CNIResult {
        let config = try VxlanConfig(request: request)
        guard let previous = try request.config.prevResult() else {
            throw CNIError(
                .invalidNetworkConfig, "vxlan is a chained plugin: prevResult is missing",
                details: "place it after bridge (with host-local on this node's pod CIDR) in a conflist")
        }
        var result = previous
        _ = try NodeReconciler(config: config).reconcile { (state, dataPath) throws(CNIError) in
            // MTU first: the pod joins the eBPF data path with its final settings.
            let (withMTU, podForwards) = try PodMTU(overlayMTU: state.overlayMTU, request: request)
                .apply(to: previous, readingForwarding: dataPath != nil)
            result = withMTU
            if let dataPath {
                try PodDataPath.add(
                    result, netns: request.netns, podForwards: podForwards,
                    shaped: try Self.ingressShaped(request), to: dataPath)
            }
        }
        return result
    }

    /// DEL: the pod's addresses leave the eBPF data path (its veth, and the filter on
    /// it, go with the pod). Node state stays. Succeeds when anything is already gone.
    public func del(_ request: CNIRequest) throws {
        let config = try VxlanConfig(request: request)
        guard config.dataPath != .kernel, let previous = try? request.config.prevResult() else { return }
        try NodeLock.withLock(device: config.device) { () throws(CNIError) in
            try PodDataPath.remove(previous, config: config)
        }
    }

    public func check(_ request: CNIRequest) throws {
        let config = try VxlanConfig(request: request)
        guard let previous = try request.config.prevResult() else {
            throw CNIError(.invalidNetworkConfig, "Required prevResult missing", details: "CHECK needs the ADD result as prevResult")
        }
        let (problems, mtu) = try NodeReconciler(config: config).verify()
        let all = problems + (try PodMTU(overlayMTU: mtu, request: request).violations(in: previous))
            + (try PodDataPath.problems(previous, netns: request.netns, config: config))
        if !all.isEmpty {
            throw CNIError(.internalError, "vxlan CHECK failed for network \(config.networkName)", details: all.joined(separator: "; "))
        }
    }

    public func gc(_ request: CNIRequest) throws {
        _ = try NodeReconciler(config: try VxlanConfig(request: request)).reconcile()
    }

    public func status(_ request: CNIRequest) throws {
        let config = try VxlanConfig(request: request)
        let state: NodeState
        do {
            state = try NodeReconciler(config: config).reconcile()
        } catch {
            throw CNIError(.pluginNotAvailable, "vxlan cannot serve ADD: \(error.msg)", details: error.details)
        }
        if let bird = state.bird {
            let problems = BirdHealth.problems(sessions: bird.sessions, socketPath: config.routing.birdSocket)
            if !problems.isEmpty {
                throw CNIError(
                    .pluginNotAvailable, "vxlan (routing bgp) cannot serve ADD: \(problems[0])",
                    details: problems.joined(separator: "; "))
            }
        }
    }
}
