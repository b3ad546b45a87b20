import Netlink
import Overlay

/// The overlay of a `vxlan` network: what its configuration and node list want (VTEP
/// settings, the per-peer `PeerPlan`) and what the VTEP's FDB and neighbour tables hold.
/// The VTEP link itself is in `NodeSnapshot.links`, the routes in `NodeSnapshot.routes`.
public struct OverlaySnapshot: Sendable {
    public var device: String
    public var vni: UInt32
    public var port: UInt16
    public var learning: Bool
    /// The configured `mtu`, if any.
    public var configuredMTU: UInt32?
    /// Why the wanted state could not be computed (peers file unreadable, this node not in
    /// the list, underlay address on no interface); the fields below are then nil or empty.
    public var unresolved: String?
    public var selfNode: ClusterNode?
    public var nodes: [ClusterNode]
    public var underlay: UnderlayState?
    public var plan: PeerPlan?
    /// The VTEP's permanent FDB entries and neighbours.
    public var fdb: [FDBState]
    public var neighbours: [NeighbourState]

    public init(
        device: String, vni: UInt32, port: UInt16 = 4789, learning: Bool = false, configuredMTU: UInt32? = nil,
        unresolved: String? = nil, selfNode: ClusterNode? = nil, nodes: [ClusterNode] = [], underlay: UnderlayState? = nil,
        plan: PeerPlan? = nil, fdb: [FDBState] = [], neighbours: [NeighbourState] = []
    ) {
        self.device = device
        self.vni = vni
        self.port = port
        self.learning = learning
        self.configuredMTU = configuredMTU
        self.unresolved = unresolved
        self.selfNode = selfNode
        self.nodes = nodes
        self.underlay = underlay
        self.plan = plan
        self.fdb = fdb
        self.neighbours = neighbours
    }

    /// The VTEP settings the plugin creates the device with.
    public var wantedSettings: VxlanSettings? {
        guard let underlay else { return nil }
        return VxlanSettings(vni: vni, port: port, local: underlay.local, underlayIndex: underlay.index, learning: learning)
    }

    /// The overlay MTU the plugin applies: the configured one, else underlay − 50/70.
    public var overlayMTU: UInt32? {
        if let configuredMTU { return configuredMTU }
        guard let underlay else { return nil }
        return OverlayMTU.overlay(underlayMTU: underlay.mtu, ipv6Underlay: !underlay.local.isIPv4)
    }

    /// The peer a pod CIDR network, underlay address or VTEP MAC belongs to (for messages).
    func peerName(address: InetAddress) -> String? {
        nodes.first { $0.underlayIP == address || $0.podCIDRs.contains { $0.contains(address) } }?.name
    }

    func peerName(mac: MACAddress) -> String? { nodes.first { $0.mac(vni: vni) == mac }?.name }
}

/// The underlay the VTEP sends from.
public struct UnderlayState: Sendable, Equatable {
    public var name: String
    public var index: Int32
    public var mtu: UInt32
    public var local: InetAddress

    public init(name: String, index: Int32, mtu: UInt32, local: InetAddress) {
        self.name = name
        self.index = index
        self.mtu = mtu
        self.local = local
    }
}

public struct FDBState: Sendable, Equatable {
    public var mac: MACAddress
    public var destination: InetAddress?

    public init(mac: MACAddress, destination: InetAddress?) {
        self.mac = mac
        self.destination = destination
    }
}

public struct NeighbourState: Sendable, Equatable {
    public var address: InetAddress
    public var mac: MACAddress?

    public init(address: InetAddress, mac: MACAddress?) {
        self.address = address
        self.mac = mac
    }
}
