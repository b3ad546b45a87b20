import CNISpec
import Netlink
import VxlanDataPath
#if canImport(Glibc)
import Glibc
#endif

/// CHECK of the node state, without changing anything: the VTEP exists with the wanted
/// settings, MAC, MTU, address and is up, and every listed peer's neighbour, FDB entry and
/// route (or direct route) is present; with routing bgp, BIRD's file is the rendered one. Returns the problems found (empty: healthy) and the
/// overlay MTU.
extension NodeReconciler {
    public func verify() throws(CNIError) -> (problems: [String], overlayMTU: UInt32) {
        let socket = try attempt("open a netlink socket") { try NetlinkSocket() }
        let (selfNode, nodes, underlay, mtu, mac, plan) = try resolve(socket: socket)
        var problems: [String] = []
        if config.routing.isBGP { problems += try birdProblems(selfNode: selfNode, nodes: nodes, underlay: underlay) }
        let name = config.device
        guard let link = try attempt("look up VTEP \(name)", { try socket.link(named: name) }) else {
            return (["VTEP \(name) does not exist"], podMTU(vtepMTU: mtu, underlay: underlay))
        }
        let wanted = VtepDevice(config: config, socket: socket).wantedSettings(underlay)
        if link.kind != "vxlan" || link.vxlan != wanted {
            problems.append("VTEP \(name) has \(String(describing: link.vxlan)), wanted \(wanted)")
        }
        if link.mac != mac { problems.append("VTEP \(name) has MAC \(link.mac?.description ?? "none"), wanted \(mac)") }
        if link.mtu != mtu { problems.append("VTEP \(name) has MTU \(link.mtu), wanted \(mtu)") }
        if !link.isUp { problems.append("VTEP \(name) is down") }
        let addresses = try attempt("list addresses of \(name)") { try socket.addresses(index: link.index) }.map(\.prefix)
        for cidr in selfNode.podCIDRs {
            let address = InetPrefix(cidr.network, length: cidr.address.maxPrefixLength)
            if !addresses.contains(address) { problems.append("VTEP \(name) lacks address \(address)") }
        }
        let neighbours = try attempt("list neighbours of \(name)") {
            try socket.neighbours(family: AF_INET, index: link.index) + socket.neighbours(family: AF_INET6, index: link.index)
        }
        for n in plan.neighbours where !neighbours.contains(where: { $0.destination == n.ip && $0.mac == n.mac && $0.isPermanent }) {
            problems.append("missing neighbour \(n.ip) lladdr \(n.mac) on \(name)")
        }
        let fdb = try attempt("list FDB entries of \(name)") { try socket.fdbEntries(index: link.index) }
        for f in plan.fdb where !fdb.contains(where: { $0.mac == f.mac && $0.destination == f.destination }) {
            problems.append("missing FDB entry \(f.mac) dst \(f.destination) on \(name)")
        }
        let routes = try attempt("list routes") { try socket.routes(family: AF_INET) + socket.routes(family: AF_INET6) }
        for r in plan.vtepRoutes
        where !routes.contains(where: { $0.destination == r.destination && $0.gateway == r.gateway && $0.outputIndex == link.index }) {
            problems.append("missing route \(r.destination) via \(r.gateway) dev \(name) onlink")
        }
        for r in plan.directRoutes
        where !routes.contains(where: { $0.destination == r.destination && $0.gateway == r.gateway && $0.outputIndex == underlay.index }) {
            problems.append("missing direct route \(r.destination) via \(r.gateway) dev \(underlay.name)")
        }
        problems += try dataPathProblems(vtep: link.index, mac: mac, underlay: underlay, plan: plan)
        return (problems, podMTU(vtepMTU: mtu, underlay: underlay))
    }

    /// `dataPath`: `kernel` wants no program on the VTEP; `ebpf` wants one; `auto` accepts
    /// either (the kernel path is its fallback) and checks the program when there is one.
    private func dataPathProblems(vtep: Int32, mac: MACAddress, underlay: Underlay, plan: PeerPlan) throws(CNIError) -> [String] {
        let found = try attempt("find the eBPF data path") { try NodeDataPath.find(vtepIndex: vtep) }
        switch (config.dataPath, found) {
        case (.kernel, .some): return ["eBPF data path attached to \(config.device) but dataPath is kernel"]
        case (.ebpf, .none): return ["eBPF data path missing on \(config.device) (dataPath ebpf)"]
        case (_, .none): return []
        case (_, .some(let dataPath)):
            return try attempt("check the eBPF data path") {
                try dataPath.problems(
                    vtepIndex: vtep, vtepMAC: mac, underlay: underlay.dataPath, vni: config.vni, port: config.port,
                    peers: plan.dataPathPeers)
            }
        }
    }
}
