import Netlink

/// The node's eBPF data path (Sources/CVxlanDataPath/bpf/vxlan_datapath.bpf.c): one program instance per node,
/// found again on every run from the VTEP's ingress hook (so no bpffs is needed), attached
/// also to the underlay device and to each pod's host-side veth; its maps hold this node's
/// settings, the peers' pod CIDRs and the local pods.
public struct NodeDataPath {
    let program: DataPathProgram
    let maps: DataPathMaps
    /// The node's links as `ensure` listed them (under the node lock, after the previous
    /// plugin made the pod's veth): ADD reads the pod's veth and bridge from them instead
    /// of asking the kernel again. Empty for an instance `find` returned.
    public internal(set) var links: [Link] = []

    /// The instance on the VTEP, if any.
    public static func find(vtepIndex: Int32) throws(BPFError) -> NodeDataPath? {
        guard let program = try DataPathProgram.attached(to: vtepIndex) else { return nil }
        return NodeDataPath(program: program, maps: try program.maps())
    }

    /// The instance on the VTEP named `device`, if the VTEP and an instance exist.
    public static func find(device: String, socket: NetlinkSocket) throws -> NodeDataPath? {
        guard let vtep = try socket.link(named: device) else { return nil }
        return try find(vtepIndex: vtep.index)
    }

    /// Makes the data path match the node (called under the node lock by every
    /// reconcile): the program on the VTEP (loaded when missing; pods of an earlier
    /// instance, e.g. before the VTEP was recreated, are moved to the new one) and on the
    /// underlay device; the node settings; one peer entry per VXLAN peer CIDR; local pod
    /// entries whose host veth is gone are removed.
    public static func ensure(
        vtepIndex: Int32, vtepMAC: MACAddress, underlay: DataPathUnderlay, vni: UInt32, port: UInt16, peers: [DataPathPeer],
        socket: NetlinkSocket
    ) throws -> NodeDataPath {
        let links = try socket.links()
        let encapsulates = underlay.local.isIPv4
        let path: NodeDataPath
        if let found = try find(vtepIndex: vtepIndex) {
            path = NodeDataPath(program: found.program, maps: found.maps, links: links)
        } else {
            let (program, maps) = try DataPathProgram.load()
            path = NodeDataPath(program: program, maps: maps, links: links)
            try path.adoptEarlierInstance(links: links, vtepIndex: vtepIndex, underlayIndex: encapsulates ? underlay.index : nil)
            try program.attach(to: vtepIndex)
        }
        let node = Self.nodeEntry(vtepIndex: vtepIndex, vtepMAC: vtepMAC, underlay: underlay, vni: vni, port: port)
        if try path.maps.node.lookup(DataPathLayout.nodeKey) != node.bytes {
            try path.maps.node.update(DataPathLayout.nodeKey, node.bytes)
        }
        if encapsulates {
            let id = try path.program.id()
            if try DataPathProgram.attached(to: underlay.index)?.id() != id { try path.program.attach(to: underlay.index) }
        }
        try path.syncPeers(Self.peerElements(peers, underlay: underlay))
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
    public static func remove(vtepIndex: Int32, socket: NetlinkSocket) throws {
        let links = try socket.links()
        let ids = try attachedInstances(links).mapValues(\.id)
        let removed: Set<UInt32>
        if let own = ids[vtepIndex] {
            removed = [own]
        } else {
            let onVteps = Set(links.filter { $0.kind == "vxlan" }.compactMap { ids[$0.index] })
            removed = Set(ids.values).subtracting(onVteps)
        }
        for (index, id) in ids where removed.contains(id) { try DataPathProgram.detach(from: index) }
    }

    /// The node settings the program needs. An IPv6 underlay gets no underlay index and
    /// address: the program does not encapsulate there (the kernel VTEP does).
    static func nodeEntry(vtepIndex: Int32, vtepMAC: MACAddress, underlay: DataPathUnderlay, vni: UInt32, port: UInt16)
        -> DataPathLayout.NodeEntry
    {
        let encapsulates = underlay.local.isIPv4
        return DataPathLayout.NodeEntry(
            vtepIndex: vtepIndex, underlayIndex: encapsulates ? underlay.index : 0,
            underlayIP: encapsulates ? underlay.local : nil, vni: vni, port: port, vtepMAC: vtepMAC)
    }

    /// The peer map's wanted elements (key and value bytes): each VXLAN peer's IPv4 pod
    /// CIDRs, over an IPv4 underlay only.
    static func peerElements(_ peers: [DataPathPeer], underlay: DataPathUnderlay) -> [[UInt8]: [UInt8]] {
        guard underlay.local.isIPv4 else { return [:] }
        var elements: [[UInt8]: [UInt8]] = [:]
        for peer in peers where peer.podCIDR.address.isIPv4 && peer.underlayIP.isIPv4 {
            elements[DataPathLayout.peerKey(peer.podCIDR)] = DataPathLayout.PeerEntry(underlayIP: peer.underlayIP, vtepMAC: peer.vtepMAC).bytes
        }
        return elements
    }

    private func syncPeers(_ wanted: [[UInt8]: [UInt8]]) throws(BPFError) {
        var missing = wanted
        for (key, value) in try maps.peers.elements() {
            if let want = wanted[key] {
                if want == value { missing[key] = nil }
            } else {
                try maps.peers.delete(key)
            }
        }
        for (key, value) in missing { try maps.peers.update(key, value) }
    }

    /// The program instance (its id) on each of `links` that carries one.
    static func attachedInstances(_ links: [Link]) throws(BPFError) -> [Int32: (program: DataPathProgram, id: UInt32)] {
        var found: [Int32: (program: DataPathProgram, id: UInt32)] = [:]
        for link in links {
            if let program = try DataPathProgram.attached(to: link.index) { found[link.index] = (program, try program.id()) }
        }
        return found
    }

    /// After a new load: copy the pod entries of every earlier instance of this network
    /// still attached to a device (one no other VTEP carries), and move those pods' veths
    /// and the current underlay device to the new instance. Any other device carrying such
    /// an earlier instance (the previous underlay, when the VTEP moved to another one)
    /// loses the filter.
    private func adoptEarlierInstance(links: [Link], vtepIndex: Int32, underlayIndex: Int32?) throws(BPFError) {
        let attached = try Self.attachedInstances(links.filter { $0.index != vtepIndex })
        // Instances on other VTEPs belong to other vxlan networks: their devices stay theirs
        // (the underlay may carry another network's instance: ensure takes it over).
        let foreign = Set(links.filter { $0.kind == "vxlan" }.compactMap { attached[$0.index]?.id })
        var podInterfaces: [UInt32: Set<Int32>] = [:]  // by earlier instance
        for (index, earlier) in attached where !foreign.contains(earlier.id) {
            if podInterfaces[earlier.id] == nil {
                var interfaces: Set<Int32> = []
                if let earlierMaps = try? earlier.program.maps() {
                    for (key, value) in try earlierMaps.pods.elements() {
                        try maps.pods.update(key, value)
                        if let entry = DataPathLayout.PodEntry(bytes: value) { interfaces.insert(entry.hostInterfaceIndex) }
                    }
                }
                podInterfaces[earlier.id] = interfaces
            }
            if index == underlayIndex || podInterfaces[earlier.id]?.contains(index) == true {
                try program.attach(to: index)
            } else {
                try DataPathProgram.detach(from: index)
            }
        }
    }

    // MARK: Pods

    /// Attaches the program to the pod's host-side veth and records the pod's addresses.
    public func addPod(_ pod: PodAttachment) throws(BPFError) {
        for address in pod.addresses {
            let key = DataPathLayout.podKey(address)
            var entry = DataPathLayout.PodEntry(
                hostInterfaceIndex: pod.hostInterfaceIndex,
                flags: (pod.forwards ? DataPathLayout.PodEntry.forwards : 0) | (pod.shaped ? DataPathLayout.PodEntry.shaped : 0),
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
    public func removePod(addresses: [InetAddress]) throws(BPFError) {
        for address in addresses { try maps.pods.delete(DataPathLayout.podKey(address)) }
    }

    /// Sets or clears the slow-path mark of every local pod: marked pods (those a
    /// NetworkPolicy selects) send and receive through the kernel path, where nftables
    /// enforces the policy. Returns how many entries changed.
    @discardableResult
    public func markSlowPath(where isMarked: (InetAddress) -> Bool) throws(BPFError) -> Int {
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
public struct PodAttachment: Equatable {
    public var hostInterfaceIndex: Int32
    public var mac: MACAddress
    public var gatewayMAC: MACAddress
    public var addresses: [InetAddress]
    /// IP forwarding is on in the pod's namespace (at ADD).
    public var forwards: Bool = false
    /// Traffic to the pod is shaped on its host veth (see `PodEntry.shaped`).
    public var shaped: Bool = false
}
