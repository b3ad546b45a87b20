import CNISpec
import Netlink

/// The node's VTEP: a vxlan device with exactly the wanted VNI, port, source address,
/// underlay device and learning setting (recreated when any differ, as flannel does), the
/// derived MAC, the overlay MTU, `<local pod CIDR network>/32` (or /128), `accept_ra=0`, up.
struct VtepDevice {
    let config: VxlanConfig
    let socket: NetlinkSocket

    func wantedSettings(_ underlay: Underlay) -> VxlanSettings {
        VxlanSettings(
            vni: config.vni, port: config.port, local: underlay.local, underlayIndex: underlay.index, learning: config.learning)
    }

    /// Ensures the device and returns its ifindex.
    func ensure(underlay: Underlay, mac: MACAddress, mtu: UInt32, selfNode: ClusterNode) throws(CNIError) -> Int32 {
        let name = config.device
        let wanted = wantedSettings(underlay)
        var existing = try attempt("look up VTEP \(name)") { try socket.link(named: name) }
        if let link = existing, link.kind != "vxlan" || link.vxlan != wanted {
            guard link.kind == "vxlan" else {
                throw CNIError(
                    .invalidNetworkConfig, "interface \(name) exists and is not a vxlan device",
                    details: "kind \(link.kind ?? "none"); choose another \"device\"")
            }
            logger("recreating \(name): has \(String(describing: link.vxlan)), wanted \(wanted)")
            try attempt("delete VTEP \(name) with outdated settings") { try socket.deleteLink(index: link.index) }
            existing = nil
        }
        if existing == nil {
            do {
                try socket.createVxlan(name: name, wanted, mtu: mtu, mac: mac)
            } catch let error as NetlinkError where error.alreadyExists {
                // Created by someone not holding our lock; compared below.
            } catch {
                throw CNIError(.internalError, "create VTEP \(name)", details: String(describing: error))
            }
            existing = try attempt("look up VTEP \(name) after creating it") { try socket.link(named: name) }
        }
        guard let link = existing, link.kind == "vxlan" else {
            throw CNIError(.tryAgainLater, "VTEP \(name) disappeared while being set up")
        }
        if link.mac != mac { try attempt("set MAC \(mac) on \(name)") { try socket.setMAC(index: link.index, mac) } }
        if link.mtu != mtu { try attempt("set MTU \(mtu) on \(name)") { try socket.setMTU(index: link.index, mtu) } }
        try ensureAddresses(index: link.index, selfNode: selfNode)
        if (try? Sysctl.get("net/ipv6/conf/\(name)/accept_ra")) != nil {
            try attempt("set accept_ra=0 on \(name)") { try Sysctl.set("net/ipv6/conf/\(name)/accept_ra", "0") }
        }
        if !link.isUp { try attempt("set \(name) up") { try socket.setUp(index: link.index) } }
        return link.index
    }

    /// `<network>/32` (IPv4) or `<network>/128` (IPv6) of each local pod CIDR; other
    /// global addresses on the VTEP (from an earlier pod CIDR) are removed.
    private func ensureAddresses(index: Int32, selfNode: ClusterNode) throws(CNIError) {
        let wanted = selfNode.podCIDRs.map { InetPrefix($0.network, length: $0.address.maxPrefixLength) }
        let present = try attempt("list addresses of \(config.device)") { try socket.addresses(index: index) }
            .filter { $0.scope == 0 }.map(\.prefix)
        for prefix in present where !wanted.contains(prefix) {
            try attempt("remove stale address \(prefix) from \(config.device)") { try socket.deleteAddress(index: index, prefix) }
        }
        for prefix in wanted where !present.contains(prefix) {
            do {
                try socket.addAddress(index: index, prefix, noDAD: !prefix.address.isIPv4)
            } catch let error as NetlinkError where error.alreadyExists {
            } catch {
                throw CNIError(.internalError, "add \(prefix) to \(config.device)", details: String(describing: error))
            }
        }
    }
}
