import BGPRouting
import CNISpec
import Netlink
import VxlanDataPath
#if canImport(Glibc)
import Glibc
#endif

/// What the node looks like after a reconcile.
public struct NodeState: Sendable {
    public var selfNode: ClusterNode
    public var nodes: [ClusterNode]
    public var vtepIndex: Int32
    public var vtepMAC: MACAddress
    /// The MTU of the pods' interfaces: the VTEP's (underlay − 50/70) with VXLAN, the
    /// underlay's with routing bgp (nothing is encapsulated).
    public var overlayMTU: UInt32
    public var underlayName: String
    public var plan: PeerPlan
    public var added: Int
    public var removed: Int
    /// Whether pod traffic takes the eBPF data path on this node.
    public var ebpfDataPath: Bool
    /// Routing bgp: BIRD's configuration as written, and what the reconcile did with it.
    public var bird: BirdConfigRenderer.Rendered?
    public var birdOutcome: BirdReconciler.Outcome?
}

/// The node-level work of the plugin, shared by ADD, GC, STATUS and `cnictl reconcile-peers`:
/// under the node lock, read the node list (config + peers file), find this node and its
/// underlay, ensure the VTEP, program every peer and prune peers no longer listed, ensure
/// forwarding and the nftables rules. Idempotent: a second run changes nothing.
public struct NodeReconciler {
    public let config: VxlanConfig

    public init(config: VxlanConfig) { self.config = config }

    public func reconcile() throws(CNIError) -> NodeState {
        try reconcile(then: nil)
    }

    /// Reconciles, then (still under the node lock) hands the data path to `then` (nil
    /// when pods take the kernel path), e.g. to add a pod to it.
    public func reconcile(then: ((NodeState, NodeDataPath?) throws(CNIError) -> Void)?) throws(CNIError) -> NodeState {
        try NodeLock.withLock(device: config.device) { () throws(CNIError) -> NodeState in
            let (state, dataPath) = try reconcileLocked()
            try then?(state, dataPath)
            return state
        }
    }

    /// The state wanted, without changing anything (for CHECK).
    func resolve(socket: NetlinkSocket) throws(CNIError) -> (ClusterNode, [ClusterNode], Underlay, UInt32, MACAddress, PeerPlan) {
        let nodes = try config.allNodes()
        let addresses = try attempt("list local addresses") { try socket.addresses() }.map(\.prefix.address)
        let selfNode = try SelfSelection.select(
            nodes: nodes, nodeName: config.nodeName, localIP: config.localIP, localAddresses: addresses, hostname: Self.hostname())
        let underlay = try Underlay.detect(config, selfNode: selfNode, socket: socket)
        let mtu: UInt32
        if let configured = config.mtu {
            mtu = configured
        } else {
            guard let derived = OverlayMTU.overlay(underlayMTU: underlay.mtu, ipv6Underlay: !underlay.local.isIPv4) else {
                throw CNIError(.invalidNetworkConfig, "underlay \(underlay.name) MTU \(underlay.mtu) is too small for VXLAN")
            }
            mtu = derived
        }
        let mac = VtepMAC.derive(vni: config.vni, underlayIP: underlay.local)
        let plan = PeerPlan(
            vni: config.vni, nodes: nodes, selfNode: selfNode, local: underlay.local, underlaySubnets: underlay.subnets,
            directRouting: config.directRouting, bgpRouted: config.routing.isBGP)
        return (selfNode, nodes, underlay, mtu, selfNode.vtepMAC ?? mac, plan)
    }

    private func reconcileLocked() throws(CNIError) -> (NodeState, NodeDataPath?) {
        let socket = try attempt("open a netlink socket") { try NetlinkSocket() }
        let (selfNode, nodes, underlay, mtu, mac, plan) = try resolve(socket: socket)
        for reason in plan.skipped { logger("peer skipped: \(reason)") }
        let vtep = try VtepDevice(config: config, socket: socket).ensure(underlay: underlay, mac: mac, mtu: mtu, selfNode: selfNode)
        try ensureForwarding(selfNode)
        let cluster = config.clusterCIDRs(nodes: nodes)
        let summary = try PeerProgrammer(
            socket: socket, vtepIndex: vtep, underlayIndex: underlay.index, clusterCIDRs: cluster, localCIDRs: selfNode.podCIDRs
        ).apply(plan)
        try NodeFirewall(network: config.networkName, device: config.device)
            .ensure(cluster: cluster, local: selfNode.podCIDRs, ipMasq: config.ipMasq)
        let dataPath = try ensureDataPath(vtep: vtep, mac: mac, underlay: underlay, plan: plan, socket: socket)
        var bird: (BirdConfigRenderer.Rendered, BirdReconciler.Outcome)?
        if config.routing.isBGP {
            bird = try ensureBird(selfNode: selfNode, nodes: nodes, cluster: cluster, underlay: underlay)
        }
        let state = NodeState(
            selfNode: selfNode, nodes: nodes, vtepIndex: vtep, vtepMAC: mac, overlayMTU: podMTU(vtepMTU: mtu, underlay: underlay),
            underlayName: underlay.name, plan: plan, added: summary.added, removed: summary.removed,
            ebpfDataPath: dataPath != nil, bird: bird?.0, birdOutcome: bird?.1)
        return (state, dataPath)
    }

    /// The eBPF data path per `dataPath`: `kernel` removes it, `ebpf` requires it, `auto`
    /// falls back to the kernel path (with a warning on stderr) where it cannot be set up.
    private func ensureDataPath(vtep: Int32, mac: MACAddress, underlay: Underlay, plan: PeerPlan, socket: NetlinkSocket)
        throws(CNIError) -> NodeDataPath?
    {
        if config.dataPath == .kernel {
            if (try? NodeDataPath.find(vtepIndex: vtep)) != nil {
                try attempt("remove the eBPF data path") { try NodeDataPath.remove(vtepIndex: vtep, socket: socket) }
            }
            return nil
        }
        do {
            return try NodeDataPath.ensure(
                vtepIndex: vtep, vtepMAC: mac, underlay: underlay.dataPath, vni: config.vni, port: config.port,
                peers: plan.dataPathPeers, socket: socket)
        } catch {
            if config.dataPath == .ebpf {
                throw CNIError(.internalError, "set up the eBPF data path (dataPath \"ebpf\")", details: String(describing: error))
            }
            logger("eBPF data path unavailable, pods take the kernel path: \(error)")
            try? NodeDataPath.remove(vtepIndex: vtep, socket: socket)
            return nil
        }
    }

    /// The node routes between its bridge and the VTEP.
    private func ensureForwarding(_ selfNode: ClusterNode) throws(CNIError) {
        let families = Set(selfNode.podCIDRs.map(\.address.isIPv4))
        let keys = (families.contains(true) ? ["net/ipv4/ip_forward"] : []) + (families.contains(false) ? ["net/ipv6/conf/all/forwarding"] : [])
        for key in keys where (try? Sysctl.get(key)) != "1" {
            try attempt("set \(key)=1") { try Sysctl.set(key, "1") }
        }
    }

    static func hostname() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
