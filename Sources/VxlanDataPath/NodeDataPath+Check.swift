import Netlink

/// CHECK of the eBPF data path, read-only.
extension NodeDataPath {
    /// Node part: the instance on the VTEP also on the underlay device (IPv4 underlay), the
    /// node settings as wanted, and one peer entry per VXLAN peer CIDR, no other.
    public func problems(
        vtepIndex: Int32, vtepMAC: MACAddress, underlay: DataPathUnderlay, vni: UInt32, port: UInt16, peers: [DataPathPeer]
    ) throws(BPFError) -> [String] {
        var found: [String] = []
        let wanted = Self.nodeEntry(vtepIndex: vtepIndex, vtepMAC: vtepMAC, underlay: underlay, vni: vni, port: port)
        let actual = try maps.node.lookup(DataPathLayout.nodeKey).flatMap(DataPathLayout.NodeEntry.init(bytes:))
        if actual != wanted {
            found.append("eBPF data path node settings are \(actual.map { "\($0)" } ?? "missing"), wanted \(wanted)")
        }
        if underlay.local.isIPv4, try DataPathProgram.attached(to: underlay.index)?.id() != program.id() {
            found.append("eBPF data path not attached to underlay \(underlay.name)")
        }
        let wantedPeers = Self.peerElements(peers, underlay: underlay)
        var actualPeers: [[UInt8]: [UInt8]] = [:]
        for (key, value) in try maps.peers.elements() { actualPeers[key] = value }
        if actualPeers != wantedPeers {
            found.append("eBPF data path has \(actualPeers.count) peer entries, \(wantedPeers.count) wanted (or they differ)")
        }
        return found
    }

    /// Pod part: the program on the pod's host veth and an entry per address.
    public func problems(pod: PodAttachment) throws(BPFError) -> [String] {
        var found: [String] = []
        if try DataPathProgram.attached(to: pod.hostInterfaceIndex)?.id() != program.id() {
            found.append("eBPF data path not attached to the pod's host interface \(pod.hostInterfaceIndex)")
        }
        for address in pod.addresses {
            let entry = try maps.pods.lookup(DataPathLayout.podKey(address)).flatMap(DataPathLayout.PodEntry.init(bytes:))
            if entry?.hostInterfaceIndex != pod.hostInterfaceIndex || entry?.mac != pod.mac {
                found.append("eBPF data path has no entry for \(address) on interface \(pod.hostInterfaceIndex)")
            }
        }
        return found
    }
}
