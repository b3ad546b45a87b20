import Netlink
import Overlay

/// Everything the checks decide on, read once from the kernel and the files of one network
/// (see `SnapshotGatherer`). Plain values, so every decision is testable without root.
public struct NodeSnapshot: Sendable {
    public var network: String
    /// The network's `bridge` plugin, when it has one.
    public var bridge: BridgeIntent?
    /// Whether the node routes pod traffic (a gateway bridge or an overlay), so forwarding,
    /// rp_filter and the forward hook matter.
    public var routesPodTraffic: Bool
    /// `/proc/sys` keys read (`net/ipv4/ip_forward`, `net/ipv4/conf/<dev>/rp_filter`, ...);
    /// a key that could not be read is absent.
    public var sysctls: [String: String]
    public var links: [LinkState]
    /// Routes of the main table, both families.
    public var routes: [RouteState]
    /// The network's attachments in the result cache.
    public var pods: [PodAttachment]
    /// host-local's store of the network, when its IPAM is host-local.
    public var reservations: ReservationSnapshot?
    /// Base chains on the forward hook of tables that are not ours (`swcni*`).
    public var foreignForwardChains: [ForwardChain]
    /// The overlay of a network with a `vxlan` plugin.
    public var overlay: OverlaySnapshot?

    public init(
        network: String, bridge: BridgeIntent? = nil, routesPodTraffic: Bool = false, sysctls: [String: String] = [:],
        links: [LinkState] = [], routes: [RouteState] = [], pods: [PodAttachment] = [],
        reservations: ReservationSnapshot? = nil, foreignForwardChains: [ForwardChain] = [], overlay: OverlaySnapshot? = nil
    ) {
        self.network = network
        self.bridge = bridge
        self.routesPodTraffic = routesPodTraffic
        self.sysctls = sysctls
        self.links = links
        self.routes = routes
        self.pods = pods
        self.reservations = reservations
        self.foreignForwardChains = foreignForwardChains
        self.overlay = overlay
    }

    public func link(named name: String) -> LinkState? { links.first { $0.name == name } }
    public func link(index: Int32) -> LinkState? { links.first { $0.index == index } }
}

/// What the conflist asks of the bridge.
public struct BridgeIntent: Sendable, Equatable {
    public var name: String
    public var isGateway: Bool

    public init(name: String, isGateway: Bool) {
        self.name = name
        self.isGateway = isGateway
    }
}

/// One link of the node namespace.
public struct LinkState: Sendable, Equatable {
    public var index: Int32
    public var name: String
    public var kind: String?
    public var isUp: Bool
    public var masterIndex: Int32?
    public var mtu: UInt32
    public var mac: MACAddress?
    public var alias: String?
    public var vxlan: VxlanSettings?

    public init(
        index: Int32, name: String, kind: String? = nil, isUp: Bool = true, masterIndex: Int32? = nil, mtu: UInt32 = 1500,
        mac: MACAddress? = nil, alias: String? = nil, vxlan: VxlanSettings? = nil
    ) {
        self.index = index
        self.name = name
        self.kind = kind
        self.isUp = isUp
        self.masterIndex = masterIndex
        self.mtu = mtu
        self.mac = mac
        self.alias = alias
        self.vxlan = vxlan
    }
}

/// One route of the main table.
public struct RouteState: Sendable, Equatable {
    public var destination: InetPrefix
    public var gateway: InetAddress?
    public var outputIndex: Int32?
    /// `RTN_*`: only unicast (1) routes forward.
    public var type: UInt8
    public var priority: UInt32

    public init(destination: InetPrefix, gateway: InetAddress? = nil, outputIndex: Int32?, type: UInt8 = 1, priority: UInt32 = 0) {
        self.destination = destination
        self.gateway = gateway
        self.outputIndex = outputIndex
        self.type = type
        self.priority = priority
    }
}

/// One cached attachment (`<cache>/results/<network>-<id>-<ifname>`).
public struct PodAttachment: Sendable, Equatable {
    public var containerID: String
    public var ifName: String
    public var netns: String
    public var netnsExists: Bool
    /// `K8S_POD_NAMESPACE/K8S_POD_NAME` when the runtime passed them.
    public var podName: String?
    public var addresses: [InetAddress]
    /// The host end of the pod's veth, from the result's host-side interfaces.
    public var hostVeth: String?
    /// The MTU of the pod's interface inside its namespace, when it could be read.
    public var podInterfaceMTU: UInt32?

    public init(
        containerID: String, ifName: String, netns: String, netnsExists: Bool = true, podName: String? = nil,
        addresses: [InetAddress] = [], hostVeth: String? = nil, podInterfaceMTU: UInt32? = nil
    ) {
        self.containerID = containerID
        self.ifName = ifName
        self.netns = netns
        self.netnsExists = netnsExists
        self.podName = podName
        self.addresses = addresses
        self.hostVeth = hostVeth
        self.podInterfaceMTU = podInterfaceMTU
    }

    /// How findings name the pod: its Kubernetes name when known, else container/ifname.
    public var label: String {
        let short = containerID.count > 16 ? String(containerID.prefix(12)) : containerID
        if let podName { return "\(podName) (\(short)/\(ifName))" }
        return "\(short)/\(ifName)"
    }
}

/// host-local's reservation files of the network (`<dataDir>/<network>/<IP>`).
public struct ReservationSnapshot: Sendable, Equatable {
    public var directory: String
    public var entries: [Reservation]

    public init(directory: String, entries: [Reservation]) {
        self.directory = directory
        self.entries = entries
    }
}

public struct Reservation: Sendable, Equatable {
    public var address: InetAddress
    public var containerID: String
    /// nil for a legacy record that holds only the container ID.
    public var ifName: String?

    public init(address: InetAddress, containerID: String, ifName: String?) {
        self.address = address
        self.containerID = containerID
        self.ifName = ifName
    }
}

/// A base chain on the forward hook of a table that is not ours.
public struct ForwardChain: Sendable, Equatable {
    /// `ip`, `ip6` or `inet`.
    public var family: String
    public var table: String
    public var chain: String
    public var dropsByDefault: Bool
    /// The chain's counters (packets that met its policy), when it has them.
    public var policyPackets: UInt64?
    public var policyBytes: UInt64?
    /// `a=` keys of the rules our firewall plugin put in the chain (one per attachment it opened).
    public var openedAttachmentKeys: Set<String>
    /// What the chain's own accept rules open (see `AcceptRule`).
    public var accepts: [AcceptRule.Accepts]

    public init(
        family: String, table: String, chain: String, dropsByDefault: Bool, policyPackets: UInt64? = nil,
        policyBytes: UInt64? = nil, openedAttachmentKeys: Set<String> = [], accepts: [AcceptRule.Accepts] = []
    ) {
        self.accepts = accepts
        self.family = family
        self.table = table
        self.chain = chain
        self.dropsByDefault = dropsByDefault
        self.policyPackets = policyPackets
        self.policyBytes = policyBytes
        self.openedAttachmentKeys = openedAttachmentKeys
    }

    public var carriesIPv4: Bool { family == "ip" || family == "inet" }
    public var carriesIPv6: Bool { family == "ip6" || family == "inet" }
}
