import Netlink

/// The kernel state wanted for the peers of this node (pure: computed from the node list,
/// unit-tested). Per peer and pod CIDR, either VXLAN programming (flannel's scheme):
///
/// * neighbour `<peer CIDR network> → <peer VTEP MAC>` on the VTEP (permanent);
/// * FDB `<peer VTEP MAC> → dst <peer underlay IP>` on the VTEP (permanent, self);
/// * route `<peer CIDR> via <peer CIDR network> dev <VTEP> onlink`;
///
/// or, with `directRouting` and the peer's underlay IP inside a subnet of the underlay
/// interface, a direct route `<peer CIDR> via <peer underlay IP> dev <underlay>` (host-gw).
/// With `bgpRouted`, peers get nothing here: BIRD installs the routes it learns for them.
public struct PeerPlan: Sendable, Equatable {
    public struct NeighbourEntry: Sendable, Hashable { public var ip: InetAddress; public var mac: MACAddress }
    public struct FDBEntry: Sendable, Hashable { public var mac: MACAddress; public var destination: InetAddress }
    public struct RouteEntry: Sendable, Hashable { public var destination: InetPrefix; public var gateway: InetAddress }

    public var neighbours: [NeighbourEntry] = []
    public var fdb: [FDBEntry] = []
    public var vtepRoutes: [RouteEntry] = []
    public var directRoutes: [RouteEntry] = []
    /// Peers that cannot be reached (underlay family differs from ours), with the reason.
    public var skipped: [String] = []

    public init(
        vni: UInt32, nodes: [ClusterNode], selfNode: ClusterNode, local: InetAddress,
        underlaySubnets: [InetPrefix], directRouting: Bool, bgpRouted: Bool = false
    ) {
        for peer in nodes where peer.name != selfNode.name && !bgpRouted {
            guard peer.underlayIP.isIPv4 == local.isIPv4 else {
                skipped.append("\(peer.name): underlay \(peer.underlayIP) is not of the family of local \(local)")
                continue
            }
            let direct = directRouting && underlaySubnets.contains { $0.length < $0.address.maxPrefixLength && $0.contains(peer.underlayIP) }
            let mac = peer.mac(vni: vni)
            var needsVxlan = false
            for cidr in peer.podCIDRs {
                if direct && cidr.address.isIPv4 == peer.underlayIP.isIPv4 {
                    directRoutes.append(RouteEntry(destination: cidr, gateway: peer.underlayIP))
                } else {
                    needsVxlan = true
                    neighbours.append(NeighbourEntry(ip: cidr.network, mac: mac))
                    vtepRoutes.append(RouteEntry(destination: cidr, gateway: cidr.network))
                }
            }
            if needsVxlan { fdb.append(FDBEntry(mac: mac, destination: peer.underlayIP)) }
        }
    }
}
