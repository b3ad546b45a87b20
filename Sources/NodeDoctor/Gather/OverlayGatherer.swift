import CNISpec
import Netlink
import Overlay
#if canImport(Glibc)
import Glibc
#endif

/// Reads the overlay part of a snapshot: resolves this node, its underlay and the peer plan
/// the way the vxlan plugin does (without its lock, changing nothing), and reads the VTEP's
/// FDB and neighbour tables. Problems resolving are recorded, not thrown: they are findings.
struct OverlayGatherer {
    let intent: NetworkIntent
    let socket: NetlinkSocket
    let links: [LinkState]

    func gather() throws(CNIError) -> OverlaySnapshot {
        guard let config = intent.vxlan else {
            return OverlaySnapshot(device: intent.vxlanDevice ?? "vxlan.1", vni: 1, unresolved: intent.vxlanError)
        }
        var o = OverlaySnapshot(
            device: config.device, vni: config.vni, port: config.port, learning: config.learning, configuredMTU: config.mtu)
        let addresses = try reading("list addresses") { try socket.addresses() }
        do {
            o.nodes = try config.allNodes()
            let selfNode = try SelfSelection.select(
                nodes: o.nodes, nodeName: config.nodeName, localIP: config.localIP,
                localAddresses: addresses.map(\.prefix.address), hostname: Self.hostname())
            o.selfNode = selfNode
            let (underlay, subnets) = try Self.underlay(config, selfNode: selfNode, addresses: addresses, links: links)
            o.underlay = underlay
            o.plan = PeerPlan(
                vni: config.vni, nodes: o.nodes, selfNode: selfNode, local: underlay.local, underlaySubnets: subnets,
                directRouting: config.directRouting)
        } catch {
            o.unresolved = error.description
            return o
        }
        if let vtep = links.first(where: { $0.name == config.device && $0.kind == "vxlan" }) {
            o.fdb = try reading("list FDB entries of \(config.device)") { try socket.fdbEntries(index: vtep.index) }
                .compactMap { entry in entry.isPermanent ? entry.mac.map { FDBState(mac: $0, destination: entry.destination) } : nil }
            o.neighbours = try reading("list neighbours of \(config.device)") {
                try socket.neighbours(family: AF_INET, index: vtep.index) + socket.neighbours(family: AF_INET6, index: vtep.index)
            }.compactMap { n in n.destination.map { NeighbourState(address: $0, mac: n.mac) } }
        }
        return o
    }

    /// The vxlan plugin's underlay choice (`UnderlaySource.choose`) over the links read.
    static func underlay(
        _ config: VxlanConfig, selfNode: ClusterNode, addresses: [InterfaceAddress], links: [LinkState]
    ) throws(CNIError) -> (UnderlayState, [InetPrefix]) {
        let global = addresses.filter { $0.scope == 0 }
        let deviceIndex = config.underlayInterface.flatMap { name in links.first(where: { $0.name == name })?.index }
        let (index, local) = try UnderlaySource.choose(config, selfNode: selfNode, globalAddresses: global, deviceIndex: deviceIndex)
        guard let link = links.first(where: { $0.index == index }) else {
            throw CNIError(.invalidNetworkConfig, "underlay interface \(index) disappeared")
        }
        let subnets = global.filter { $0.index == index }.map(\.prefix)
        return (UnderlayState(name: link.name, index: index, mtu: link.mtu, local: local), subnets)
    }

    static func hostname() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
