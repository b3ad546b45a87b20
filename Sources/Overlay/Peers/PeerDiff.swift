import Netlink

/// The peer entries the kernel holds now, as `PeerProgrammer` reads them: the VTEP's
/// permanent neighbours and FDB entries, and every route of the main table.
public struct PeerKernelState: Sendable, Equatable {
    public struct Neighbour: Sendable, Hashable {
        public var ip: InetAddress
        public var mac: MACAddress?
        public init(ip: InetAddress, mac: MACAddress?) { self.ip = ip; self.mac = mac }
    }
    public struct FDBEntry: Sendable, Hashable {
        public var mac: MACAddress
        public var destination: InetAddress?
        public init(mac: MACAddress, destination: InetAddress?) { self.mac = mac; self.destination = destination }
    }

    public var neighbours: [Neighbour]
    public var fdb: [FDBEntry]
    public var routes: [Route]

    public init(neighbours: [Neighbour] = [], fdb: [FDBEntry] = [], routes: [Route] = []) {
        self.neighbours = neighbours
        self.fdb = fdb
        self.routes = routes
    }
}

/// One change `PeerProgrammer` makes to bring the kernel to a `PeerPlan`.
public enum PeerOperation: Sendable, Equatable {
    /// `ip neigh replace <ip> lladdr <mac> dev <VTEP> nud permanent`
    case replaceNeighbour(ip: InetAddress, mac: MACAddress)
    /// `bridge fdb replace <mac> dev <VTEP> dst <destination> self permanent`
    case addFDB(mac: MACAddress, destination: InetAddress)
    /// `ip route replace <destination> via <gateway> dev <VTEP> onlink`
    case replaceVtepRoute(destination: InetPrefix, gateway: InetAddress)
    /// `ip route replace <destination> via <gateway> dev <underlay>` (direct routing)
    case replaceDirectRoute(destination: InetPrefix, gateway: InetAddress)
    /// A stale route, as dumped.
    case deleteRoute(Route)
    case deleteNeighbour(ip: InetAddress)
    case deleteFDB(mac: MACAddress, destination: InetAddress?)

    public var isAddition: Bool {
        switch self {
        case .replaceNeighbour, .addFDB, .replaceVtepRoute, .replaceDirectRoute: return true
        case .deleteRoute, .deleteNeighbour, .deleteFDB: return false
        }
    }
}

/// The operations that bring the kernel's peer entries from `PeerKernelState` to exactly a
/// `PeerPlan` (pure, unit-tested): what is missing is added first (neighbour → FDB → route,
/// replace semantics), then what no listed peer needs is removed (route → neighbour → FDB),
/// so nothing points at a neighbour that is going away.
///
/// Everything with a gateway routed through the VTEP, and every permanent neighbour and FDB
/// entry on it, is ours: the device is dedicated to this plugin. Direct routes on the
/// underlay are recognised as ours when their destination lies inside a cluster CIDR and
/// they have a gateway; with no `clusterCIDRs` configured, that is any node's pod CIDR as
/// listed now, so a removed peer's direct route is only pruned when `clusterCIDRs` covers it.
/// Routes BIRD installed (`proto bird`, routing mode bgp) are BIRD's, never pruned here.
public struct PeerDiff: Sendable {
    public var vtepIndex: Int32
    public var underlayIndex: Int32
    public var clusterCIDRs: [InetPrefix]
    public var localCIDRs: [InetPrefix]

    /// RTPROT_BIRD: the routing protocol number BIRD's kernel protocol installs routes with.
    public static let birdProtocol: UInt8 = 12

    public init(vtepIndex: Int32, underlayIndex: Int32, clusterCIDRs: [InetPrefix], localCIDRs: [InetPrefix]) {
        self.vtepIndex = vtepIndex
        self.underlayIndex = underlayIndex
        self.clusterCIDRs = clusterCIDRs
        self.localCIDRs = localCIDRs
    }

    public func operations(from current: PeerKernelState, to plan: PeerPlan) -> [PeerOperation] {
        var operations: [PeerOperation] = []
        for entry in plan.neighbours where !current.neighbours.contains(where: { $0.ip == entry.ip && $0.mac == entry.mac }) {
            operations.append(.replaceNeighbour(ip: entry.ip, mac: entry.mac))
        }
        for entry in plan.fdb where !current.fdb.contains(where: { $0.mac == entry.mac && $0.destination == entry.destination }) {
            operations.append(.addFDB(mac: entry.mac, destination: entry.destination))
        }
        for entry in plan.vtepRoutes
        where !current.routes.contains(where: {
            $0.destination == entry.destination && $0.gateway == entry.gateway && $0.outputIndex == vtepIndex && $0.onLink
        }) {
            operations.append(.replaceVtepRoute(destination: entry.destination, gateway: entry.gateway))
        }
        for entry in plan.directRoutes
        where !current.routes.contains(where: {
            $0.destination == entry.destination && $0.gateway == entry.gateway && $0.outputIndex == underlayIndex
        }) {
            operations.append(.replaceDirectRoute(destination: entry.destination, gateway: entry.gateway))
        }

        for route in current.routes where isStale(route, plan) {
            operations.append(.deleteRoute(route))
        }
        for n in current.neighbours {
            if plan.neighbours.contains(where: { $0.ip == n.ip && $0.mac == n.mac }) { continue }
            if plan.neighbours.contains(where: { $0.ip == n.ip }) { continue }  // replaced above
            operations.append(.deleteNeighbour(ip: n.ip))
        }
        for entry in current.fdb where !plan.fdb.contains(where: { $0.mac == entry.mac && $0.destination == entry.destination }) {
            operations.append(.deleteFDB(mac: entry.mac, destination: entry.destination))
        }
        return operations
    }

    /// A route of ours that no listed peer needs.
    private func isStale(_ route: Route, _ plan: PeerPlan) -> Bool {
        guard let gateway = route.gateway, route.protocolID != Self.birdProtocol else { return false }
        if route.outputIndex == vtepIndex {
            return !plan.vtepRoutes.contains(where: { $0.destination == route.destination && $0.gateway == gateway })
        }
        if route.outputIndex == underlayIndex {
            guard !route.isDefault, !localCIDRs.contains(route.destination),
                clusterCIDRs.contains(where: { $0.contains(route.destination) })
            else { return false }
            return !plan.directRoutes.contains(where: { $0.destination == route.destination && $0.gateway == gateway })
        }
        return false
    }
}
