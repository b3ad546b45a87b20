import CNISpec
import NetNS
import Netlink

#if canImport(Glibc)
import Glibc
#endif

/// Configures the container end: sysctls, addresses, link up, routes (the reference's
/// `ipam.ConfigureIface`, with DAD skipped unless `enabledad`).
struct ContainerSetup {
    let config: BridgeConfig
    let container: NetlinkSocket
    let namespace: NetworkNamespace
    let ifName: String

    /// Sysctls of the container interface, written from inside the namespace by the calling
    /// thread (net sysctls act on the writing thread's namespace). Called by the ADD's main
    /// thread once IPAM has been joined: the only other thread then is the nftables one,
    /// which works in the host namespace it started in and does not look at the process's
    /// namespace (`/proc/self/ns/net`).
    /// DAD off (`accept_dad=0`) unless `enabledad`, `arp_notify=1` and `ndisc_notify=1` (a
    /// gratuitous ARP / unsolicited neighbour advertisement when the link comes up), IPv6
    /// enabled and addresses kept on down when an IPv6 address is configured.
    func applySysctls(hasIPv6: Bool) throws(CNIError) {
        let ifName = self.ifName
        let enableDAD = config.enableDAD
        try attempt("could not enter the container namespace \(namespace.path) to set sysctls") {
            try namespace.runOnCurrentThread {
                if hasIPv6 {
                    try? Sysctl.set("net/ipv6/conf/lo/disable_ipv6", "0")
                    try? Sysctl.set("net/ipv6/conf/\(ifName)/disable_ipv6", "0")
                    try? Sysctl.set("net/ipv6/conf/\(ifName)/keep_addr_on_down", "1")
                }
                if enableDAD {
                    try? Sysctl.set("net/ipv6/conf/\(ifName)/enhanced_dad", "1")
                    try? Sysctl.set("net/ipv6/conf/\(ifName)/accept_dad", "1")
                } else {
                    try? Sysctl.set("net/ipv6/conf/\(ifName)/accept_dad", "0")
                }
                try? Sysctl.set("net/ipv4/conf/\(ifName)/arp_notify", "1")
                try? Sysctl.set("net/ipv6/conf/\(ifName)/ndisc_notify", "1")
            }
        }
    }

    /// Adds the addresses while the link is down, brings it up (which announces them), then
    /// adds the routes.
    func configure(link: Link, plan: GatewayPlan) throws(CNIError) {
        for ipc in plan.ips {
            guard let prefix = IPPrefix(ipc.address) else {
                throw CNIError(.decodingFailure, "invalid address \"\(ipc.address)\" from IPAM")
            }
            try attempt("failed to add IP addr \(ipc.address) to \"\(ifName)\"") {
                do {
                    try container.addAddress(index: link.index, prefix.inetPrefix, noDAD: !config.enableDAD && !prefix.isIPv4)
                } catch where error.isAlreadyExists {}
            }
        }
        try attempt("failed to set \"\(ifName)\" up") { try container.setUp(index: link.index) }
        if config.enableDAD && plan.ips.contains(where: { $0.gateway != nil && $0.family == "6" }) {
            waitForDAD(link: link)
        }
        let gateways = Self.familyGateways(plan.ips)
        for route in plan.routes {
            let netlinkRoute = try Self.netlinkRoute(route, outputIndex: link.index, gateways: gateways)
            try attempt("failed to add route \(route.dst) via \(netlinkRoute.gateway.map { "\($0)" } ?? "(link)") on \"\(ifName)\"") {
                do { try container.addRoute(netlinkRoute) } catch where error.isAlreadyExists {}
            }
        }
    }

    /// With DAD on, IPv6 addresses are tentative for a while; as the reference, wait for
    /// them to settle (at most 5 s) when an IPv6 gateway is used.
    private func waitForDAD(link: Link) {
        _ = Poll.until(timeoutMilliseconds: 5000) {
            let addresses = (try? container.addresses(index: link.index, family: AF_INET6)) ?? []
            return !addresses.contains { $0.tentative && !$0.dadFailed }
        }
    }

    /// The first gateway of each family among the addresses (`[isIPv4: gateway]`): a route
    /// without `gw` goes via it, as the reference's `ipam.ConfigureIface` does.
    static func familyGateways(_ ips: [CNIResult.IPConfig]) -> [Bool: String] {
        var gateways: [Bool: String] = [:]
        for ipc in ips {
            guard let gateway = ipc.gateway, let address = IPPrefix(ipc.address) else { continue }
            if gateways[address.isIPv4] == nil { gateways[address.isIPv4] = gateway }
        }
        return gateways
    }

    static func netlinkRoute(_ route: CNIResult.Route, outputIndex: Int32, gateways: [Bool: String] = [:]) throws(CNIError)
        -> Route
    {
        guard let destination = IPPrefix(route.dst) else {
            throw CNIError(.decodingFailure, "invalid route destination \"\(route.dst)\"")
        }
        var gateway: InetAddress? = nil
        if let text = route.gw ?? gateways[destination.isIPv4] {
            guard let parsed = IPText.parse(text), parsed.count == destination.bytes.count else {
                throw CNIError(.decodingFailure, "invalid gateway \"\(text)\" for route \(route.dst)")
            }
            gateway = InetAddress(bytes: parsed)
        }
        var result = Route(
            destination: destination.network.inetPrefix, gateway: gateway, outputIndex: outputIndex,
            scope: route.scope.map { UInt8(truncatingIfNeeded: $0) },
            priority: route.priority.map { UInt32(truncatingIfNeeded: $0) },
            mtu: route.mtu.map { UInt32(truncatingIfNeeded: $0) },
            advmss: route.advmss.map { UInt32(truncatingIfNeeded: $0) })
        if let table = route.table { result.table = UInt32(truncatingIfNeeded: table) }
        return result
    }

    /// Layer 2 only: the link is brought up unless `disableContainerInterface`.
    func bringUp(link: Link) throws(CNIError) {
        try attempt("failed to set \"\(ifName)\" up") { try container.setUp(index: link.index) }
    }
}
