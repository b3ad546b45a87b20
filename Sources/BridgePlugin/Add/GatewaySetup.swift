import CNISpec
import Netlink
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// Gateway addresses on the bridge (or on `<bridge>.<vlan>`) and IP forwarding.
struct GatewaySetup {
    let config: BridgeConfig
    let host: NetlinkSocket

    /// The reference's `ensureAddr`: nothing to do when the address is there; another
    /// address of the family (IPv4: any; IPv6: an overlapping one) is replaced with
    /// `forceAddress`, else an error. Adding tolerates `EEXIST` (concurrent first pods).
    /// Afterwards the link's MAC is set to itself, so a bridge stops following its ports.
    func ensureAddress(_ address: IPPrefix, on link: Link) throws(CNIError) {
        let family = address.isIPv4 ? AF_INET : AF_INET6
        let existing = try attempt("could not get list of IP addresses of \"\(link.name)\"") {
            try host.addresses(index: link.index, family: family)
        }
        for current in existing {
            let other = current.prefix.ipPrefix
            if other == address { return }
            let overlaps = other.contains(address.bytes) || address.contains(other.bytes)
            guard address.isIPv4 || overlaps else { continue }
            guard config.forceAddress else {
                throw CNIError(
                    .invalidNetworkConfig, "\"\(link.name)\" already has an IP address different from \(address)",
                    details: "it has \(other); set \"forceAddress\": true to replace it")
            }
            try attempt("could not remove IP address \(other) from \"\(link.name)\"") {
                try host.deleteAddress(index: link.index, current.prefix)
            }
        }
        try attempt("could not add IP address \(address) to \"\(link.name)\"") {
            do { try host.addAddress(index: link.index, address.inetPrefix, noDAD: !address.isIPv4) } catch where error.isAlreadyExists {}
        }
        try pinMAC(of: link)
    }

    /// Sets the link's MAC to itself, so a bridge stops following its ports' MACs. A bridge
    /// that had no port when it was read shows 00:00:00:00:00:00, which the kernel refuses
    /// (EADDRNOTAVAIL): it gets a stable MAC derived from its name instead, the same on
    /// every node and after every re-creation.
    private func pinMAC(of link: Link) throws(CNIError) {
        var mac = link.mac ?? Self.derivedMAC(link.name)
        if mac.bytes.allSatisfy({ $0 == 0 }) { mac = Self.derivedMAC(link.name) }
        try attempt("could not set the MAC address \(mac) on bridge \"\(link.name)\"") {
            try host.setMAC(index: link.index, mac)
        }
    }

    /// `02` (locally administered, unicast) and 5 bytes of a hash of the bridge's name.
    static func derivedMAC(_ bridgeName: String) -> MACAddress {
        MACAddress(bytes: StableHash.localMAC(Array("swift-cni bridge ".utf8) + Array(bridgeName.utf8)))
    }

    /// `net.ipv4.ip_forward=1` / `net.ipv6.conf.all.forwarding=1` for the families used.
    func enableForwarding(ipv4: Bool, ipv6: Bool) throws(CNIError) {
        if ipv4 { try setOnce("net/ipv4/ip_forward") }
        if ipv6 { try setOnce("net/ipv6/conf/all/forwarding") }
    }

    private func setOnce(_ key: String) throws(CNIError) {
        if (try? Sysctl.get(key)) == "1" { return }
        try attempt("failed to enable forwarding (\(key))") { try Sysctl.set(key, "1") }
    }
}
