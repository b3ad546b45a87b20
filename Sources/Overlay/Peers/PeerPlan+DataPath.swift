import Netlink
import VxlanDataPath

extension PeerPlan {
    /// The VXLAN peers of the plan as the eBPF data path's peer map holds them: each VTEP
    /// route's pod CIDR, with the MAC of its neighbour entry and the underlay address of that
    /// MAC's FDB entry.
    var dataPathPeers: [DataPathPeer] {
        var macByNetwork: [InetAddress: MACAddress] = [:]
        for neighbour in neighbours { macByNetwork[neighbour.ip] = neighbour.mac }
        var underlayByMAC: [MACAddress: InetAddress] = [:]
        for entry in fdb { underlayByMAC[entry.mac] = entry.destination }
        return vtepRoutes.compactMap { route in
            guard let mac = macByNetwork[route.gateway], let peer = underlayByMAC[mac] else { return nil }
            return DataPathPeer(podCIDR: route.destination, underlayIP: peer, vtepMAC: mac)
        }
    }
}

extension Underlay {
    var dataPath: DataPathUnderlay { DataPathUnderlay(index: index, name: name, local: local) }
}
