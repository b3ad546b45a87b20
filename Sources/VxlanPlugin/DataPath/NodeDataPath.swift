import CNISpec
import Netlink

/// The node's eBPF data path (bpf/vxlan_datapath.bpf.c): one program instance per node,
/// found again on every run from the VTEP's ingress hook (so no bpffs is needed), attached
/// also to the underlay device and to each pod's host-side veth; its maps hold this node's
/// settings, the peers' pod CIDRs and the local pods.
struct NodeDataPath {
    let program: DataPathProgram
    let maps: DataPathMaps

    /// The instance on the VTEP, if any.
    static func find(vtepIndex: Int32) throws(BPFError) -> NodeDataPath? {
        guard let program = try DataPathProgram.attached(to: vtepIndex) else { return nil }
        return NodeDataPath(program: program, maps: try program.maps())
    }

    /// Makes the data path match the node (called under the node lock by every
    /// reconcile): the program on the VTEP (loaded when missing; pods of an earlier
    /// instance, e.g. before the VTEP was recreated, are moved to the new one) and on the
    /// underlay device; the node settings; one peer entry per VXLAN peer CIDR; local pod
    /// entries whose host veth is gone are removed.
    static func ensure(
        vtepIndex: Int32, vtepMAC: MACAddress, underlay: Underlay, vni: UInt32, port: UInt16, plan: PeerPlan,
        socket: NetlinkSocket
    ) throws -> NodeDataPath {
        let links = try socket.links()
        let encapsulates = underlay.local.isIPv4
        let path: NodeDataPath
        if let found = try find(vtepIndex: vtepIndex) {
            path = found
        } else {
            let (program, maps) = try DataPathProgram.load()
            path = NodeDataPath(program: program, maps: maps)
            try path.adoptEarlierInstance(links: links, vtepIndex: vtepIndex, underlayIndex: encapsulates ? underlay.index : nil)
            try program.attach(to: vtepIndex)
        }
        let node = DataPathLayout.NodeEntry(
            vtepIndex: vtepIndex, underlayIndex: encapsulates ? underlay.index : 0,
            underlayIP: encapsulates ? underlay.local : nil, vni: vni, port: port, vtepMAC: vtepMAC)
        if try path.maps.node.lookup(DataPathLayout.nodeKey) != node.bytes {
            try path.maps.node.update(DataPathLayout.nodeKey, node.bytes)
        }
        if encapsulates {
            let id = try path.program.id()
            if try DataPathProgram.attached(to: underlay.index)?.id() != id { try path.program.attach(to: underlay.index) }
        }
        try path.syncPeers(encapsulates ? Self.peerEntries(plan) : [:])
        let present = Set(links.map(\.index))
        for (key, value) in try path.maps.pods.elements() {
            if let entry = DataPathLayout.PodEntry(bytes: value), !present.contains(entry.hostInterfaceIndex) {
                try path.maps.pods.delete(key)
            }
        }
        return path
    }

    /// Removes this VTEP's data path from the node (`dataPath: "kernel"`): the filter on
    /// every device that carries the VTEP's instance (when the VTEP carries none, e.g. after
    /// a failed set-up: every instance no VTEP carries). Pods then take the kernel path.
    /// Another vxlan network's instance (on its own VTEP) stays.
    static func remove(vtepIndex: Int32, socket: NetlinkSocket) throws {
        let links = try socket.links()
        var ids: [Int32: UInt32] = [:]
        for link in links {
            if let program = try DataPathProgram.attached(to: link.index) { ids[link.index] = try program.id() }
        }
        let removed: Set<UInt32>
        if let own = ids[vtepIndex] {
            removed = [own]
        } else {
            let onVteps = Set(links.filter { $0.kind == "vxlan" }.compactMap { ids[$0.index] })
            removed = Set(ids.values).subtracting(onVteps)
        }
        for (index, id) in ids where removed.contains(id) { try DataPathProgram.detach(from: index) }
    }

    /// The peer entries the plan needs: each VXLAN peer's IPv4 pod CIDRs.
    static func peerEntries(_ plan: PeerPlan) -> [InetPrefix: DataPathLayout.PeerEntry] {
        var macByNetwork: [InetAddress: MACAddress] = [:]
        for neighbour in plan.neighbours { macByNetwork[neighbour.ip] = neighbour.mac }
        var underlayByMAC: [MACAddress: InetAddress] = [:]
        for entry in plan.fdb { underlayByMAC[entry.mac] = entry.destination }
        var entries: [InetPrefix: DataPathLayout.PeerEntry] = [:]
        for route in plan.vtepRoutes where route.destination.address.isIPv4 {
            guard let mac = macByNetwork[route.gateway], let underlay = underlayByMAC[mac], underlay.isIPv4 else { continue }
            entries[route.destination] = DataPathLayout.PeerEntry(underlayIP: underlay, vtepMAC: mac)
        }
        return entries
    }

    private func syncPeers(_ wanted: [InetPrefix: DataPathLayout.PeerEntry]) throws(BPFError) {
        var wantedByKey: [[UInt8]: [UInt8]] = [:]
        for (prefix, entry) in wanted { wantedByKey[DataPathLayout.peerKey(prefix)] = entry.bytes }
        for (key, value) in try maps.peers.elements() {
            if let want = wantedByKey[key] {
                if want == value { wantedByKey[key] = nil }
            } else {
                try maps.peers.delete(key)
            }
        }
        for (key, value) in wantedByKey { try maps.peers.update(key, value) }
    }

    /// After a new load: copy the pod entries of every earlier instance of this network
    /// still attached to a device (one no other VTEP carries), and move those pods' veths
    /// and the current underlay device to the new instance. Any other device carrying such
    /// an earlier instance (the previous underlay, when the VTEP moved to another one)
    /// loses the filter.
    private func adoptEarlierInstance(links: [Link], vtepIndex: Int32, underlayIndex: Int32?) throws(BPFError) {
        // Instances on other VTEPs belong to other vxlan networks: their devices stay theirs.
        var foreign: Set<UInt32> = []
        for link in links where link.kind == "vxlan" && link.index != vtepIndex {
            if let program = try DataPathProgram.attached(to: link.index) { foreign.insert(try program.id()) }
        }
        var podInterfaces: [UInt32: Set<Int32>] = [:]  // by earlier instance
        for link in links where link.index != vtepIndex {
            guard let earlier = try DataPathProgram.attached(to: link.index) else { continue }
            let id = try earlier.id()
            if foreign.contains(id) {
                // The underlay may carry another network's instance: ensure takes it over.
                continue
            }
            if podInterfaces[id] == nil {
                var interfaces: Set<Int32> = []
                if let earlierMaps = try? earlier.maps() {
                    for (key, value) in try earlierMaps.pods.elements() {
                        try maps.pods.update(key, value)
                        if let entry = DataPathLayout.PodEntry(bytes: value) { interfaces.insert(entry.hostInterfaceIndex) }
                    }
                }
                podInterfaces[id] = interfaces
            }
            if link.index == underlayIndex || podInterfaces[id]?.contains(link.index) == true {
                try program.attach(to: link.index)
            } else {
                try DataPathProgram.detach(from: link.index)
            }
        }
    }

    // MARK: Pods

    /// Attaches the program to the pod's host-side veth and records the pod's addresses.
    func addPod(_ pod: PodAttachment) throws(BPFError) {
        for address in pod.addresses {
            let key = DataPathLayout.podKey(address)
            var entry = DataPathLayout.PodEntry(
                hostInterfaceIndex: pod.hostInterfaceIndex, flags: pod.forwards ? DataPathLayout.PodEntry.forwards : 0,
                mac: pod.mac, gatewayMAC: pod.gatewayMAC)
            // A re-ADD keeps the NetworkPolicy mark of the same pod.
            if let old = try maps.pods.lookup(key).flatMap(DataPathLayout.PodEntry.init(bytes:)),
                old.hostInterfaceIndex == pod.hostInterfaceIndex
            {
                entry.flags |= old.flags & DataPathLayout.PodEntry.slowPath
            }
            try maps.pods.update(key, entry.bytes)
        }
        try program.attach(to: pod.hostInterfaceIndex)
    }

    /// Forgets the pod's addresses (the veth, and the filter on it, go with the pod).
    func removePod(addresses: [InetAddress]) throws(BPFError) {
        for address in addresses { try maps.pods.delete(DataPathLayout.podKey(address)) }
    }

    /// Sets or clears the slow-path mark of every local pod: marked pods (those a
    /// NetworkPolicy selects) send and receive through the kernel path, where nftables
    /// enforces the policy. Returns how many entries changed.
    @discardableResult
    func markSlowPath(where isMarked: (InetAddress) -> Bool) throws(BPFError) -> Int {
        var changed = 0
        for (key, value) in try maps.pods.elements() {
            guard var entry = DataPathLayout.PodEntry(bytes: value) else { continue }
            let flags = isMarked(DataPathLayout.address(podKey: key))
                ? entry.flags | DataPathLayout.PodEntry.slowPath : entry.flags & ~DataPathLayout.PodEntry.slowPath
            if flags != entry.flags {
                entry.flags = flags
                try maps.pods.update(key, entry.bytes)
                changed += 1
            }
        }
        return changed
    }
}

/// What the data path needs of one attachment (from the chained `prevResult`).
struct PodAttachment: Equatable {
    var hostInterfaceIndex: Int32
    var mac: MACAddress
    var gatewayMAC: MACAddress
    var addresses: [InetAddress]
    /// IP forwarding is on in the pod's namespace (at ADD).
    var forwards: Bool = false
}
