import Netlink

/// Strict reverse-path filtering (`rp_filter` 1, the kernel uses the larger of `all` and the
/// interface's value) drops a packet whose source the node would route out of another
/// interface than the one it came in on. Pod traffic comes in on the bridge (sources: the
/// pods' addresses), on the VTEP (sources: peers' pod CIDRs) or on the underlay (peers' pod
/// CIDRs with direct routing); each is checked against the route the node has back.
/// Loose (2) or off (0) never drops these packets. IPv4 only: IPv6 has no rp_filter.
public enum ReversePathCheck {
    struct Ingress {
        var device: LinkState
        var source: InetAddress
        var who: String
    }

    public static func findings(_ s: NodeSnapshot) -> [Finding] {
        guard s.routesPodTraffic else { return [] }
        var ingresses: [Ingress] = []
        if let name = s.bridge?.name, let bridge = s.link(named: name) {
            for pod in s.pods where pod.netnsExists {
                for address in pod.addresses where address.isIPv4 {
                    ingresses.append(Ingress(device: bridge, source: address, who: "pod \(pod.label) \(address)"))
                }
            }
        }
        if let overlay = s.overlay, let plan = overlay.plan {
            if let vtep = s.link(named: overlay.device) {
                for route in plan.vtepRoutes where route.destination.address.isIPv4 {
                    let peer = overlay.peerName(address: route.gateway) ?? "?"
                    ingresses.append(Ingress(device: vtep, source: route.gateway, who: "peer \(peer) pod CIDR \(route.destination)"))
                }
            }
            if let underlay = overlay.underlay, let link = s.link(index: underlay.index) {
                for route in plan.directRoutes where route.destination.address.isIPv4 {
                    let peer = overlay.peerName(address: route.gateway) ?? "?"
                    ingresses.append(Ingress(
                        device: link, source: route.destination.network, who: "peer \(peer) pod CIDR \(route.destination)"))
                }
            }
        }
        var found: [Finding] = []
        var reported: Set<String> = []
        for ingress in ingresses {
            let device = ingress.device.name
            let all = Int(s.sysctls["net/ipv4/conf/all/rp_filter"] ?? "") ?? 0
            let own = Int(s.sysctls["net/ipv4/conf/\(device)/rp_filter"] ?? "") ?? 0
            guard max(all, own) == 1 else { continue }
            let back = RouteChoice.best(for: ingress.source, in: s.routes)
            if back?.outputIndex == ingress.device.index { continue }
            let key = "\(device) \(ingress.source)"
            guard reported.insert(key).inserted else { continue }
            let backText = back.map { r in
                "\(r.destination)\(r.gateway.map { " via \($0)" } ?? "") dev \(r.outputIndex.flatMap { s.link(index: $0)?.name } ?? "?")"
            } ?? "no route"
            let which = all == 1 ? "net.ipv4.conf.all.rp_filter" : "net.ipv4.conf.\(device).rp_filter"
            found.append(Finding(
                check: "rp-filter-strict", network: s.network, object: which,
                problem: "strict rp_filter drops packets from \(ingress.who) arriving on \(device): the route back to \(ingress.source) leaves by another interface",
                evidence: "net.ipv4.conf.all.rp_filter = \(all), net.ipv4.conf.\(device).rp_filter = \(own); route to \(ingress.source): \(backText)",
                fix: "sysctl -w \(which)=2 (loose), or remove the route that sends \(ingress.source) away from \(device)"))
        }
        return found
    }
}
