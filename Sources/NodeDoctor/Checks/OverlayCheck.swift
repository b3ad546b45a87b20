import Netlink
import Overlay

/// The VTEP of a vxlan network exists with the VNI, port, source address, underlay device
/// and learning setting the configuration asks for, and is up; every peer's FDB entry
/// (VTEP MAC → underlay address), neighbour (pod CIDR network → VTEP MAC) and route (pod
/// CIDR via the VTEP, or via the underlay with direct routing) is present and points where
/// the node list says.
public enum OverlayCheck {
    public static func findings(_ s: NodeSnapshot) -> [Finding] {
        guard let o = s.overlay else { return [] }
        let fix = "cnictl reconcile-peers \(s.network)"
        if let reason = o.unresolved {
            return [Finding(
                check: "overlay-unresolved", network: s.network, object: o.device,
                problem: "the overlay's wanted state cannot be computed: \(reason)",
                evidence: "vxlan configuration of \(s.network) and its node list",
                fix: "correct the node list (peersFile / nodes) or the vxlan options, then \(fix)")]
        }
        guard let vtep = s.link(named: o.device), vtep.kind == "vxlan" else {
            return [Finding(
                check: "vtep-missing", network: s.network, object: o.device,
                problem: "VTEP \(o.device) does not exist: no pod traffic crosses to other nodes",
                evidence: s.link(named: o.device).map { "link \(o.device) has kind \($0.kind ?? "none")" }
                    ?? "no link named \(o.device) (RTM_GETLINK)",
                fix: fix)]
        }
        var found: [Finding] = []
        if let wanted = o.wantedSettings, let have = vtep.vxlan, have != wanted {
            found.append(Finding(
                check: "vtep-settings", network: s.network, object: o.device,
                problem: "VTEP \(o.device) has the wrong \(differences(have, wanted, s).map(\.field).joined(separator: ", ")): peers' packets are not decapsulated or ours not sent",
                evidence: differences(have, wanted, s).map { "\($0.field) \($0.have) (wanted \($0.wanted))" }.joined(separator: ", "),
                fix: "\(fix) (recreates the VTEP with the configured settings)"))
        }
        if !vtep.isUp {
            found.append(Finding(
                check: "vtep-down", network: s.network, object: o.device,
                problem: "VTEP \(o.device) is down: no pod traffic crosses to other nodes",
                evidence: "link \(o.device) (ifindex \(vtep.index)) has no IFF_UP flag",
                fix: "\(fix) (sets it up and reprograms the peer routes and neighbours the kernel flushed)"))
        }
        guard let plan = o.plan else { return found }
        found += fdbFindings(s, o, plan, fix: fix)
        found += neighbourFindings(s, o, plan, fix: fix)
        found += routeFindings(s, o, plan, vtep: vtep, fix: fix)
        return found
    }

    struct Difference { var field: String; var have: String; var wanted: String }

    static func differences(_ have: VxlanSettings, _ wanted: VxlanSettings, _ s: NodeSnapshot) -> [Difference] {
        func device(_ index: Int32?) -> String { index.map { s.link(index: $0)?.name ?? "ifindex \($0)" } ?? "none" }
        var list: [Difference] = []
        if have.vni != wanted.vni { list.append(Difference(field: "VNI", have: "\(have.vni)", wanted: "\(wanted.vni)")) }
        if have.port != wanted.port {
            list.append(Difference(field: "port", have: have.port.map(String.init) ?? "default", wanted: wanted.port.map(String.init) ?? "default"))
        }
        if have.local != wanted.local {
            list.append(Difference(field: "local", have: have.local?.description ?? "none", wanted: wanted.local?.description ?? "none"))
        }
        if have.underlayIndex != wanted.underlayIndex {
            list.append(Difference(field: "underlay device", have: device(have.underlayIndex), wanted: device(wanted.underlayIndex)))
        }
        if have.learning != wanted.learning {
            list.append(Difference(field: "learning", have: have.learning ? "on" : "off", wanted: wanted.learning ? "on" : "off"))
        }
        return list
    }

    static func fdbFindings(_ s: NodeSnapshot, _ o: OverlaySnapshot, _ plan: PeerPlan, fix: String) -> [Finding] {
        var found: [Finding] = []
        for entry in plan.fdb {
            let peer = o.peerName(address: entry.destination) ?? "?"
            if o.fdb.contains(where: { $0.mac == entry.mac && $0.destination == entry.destination }) { continue }
            let sameMAC = o.fdb.filter { $0.mac == entry.mac }
            let sameDestination = o.fdb.filter { $0.destination == entry.destination }
            if !sameMAC.isEmpty {
                found.append(Finding(
                    check: "peer-fdb-stale", network: s.network, object: "\(o.device) fdb \(entry.mac)",
                    problem: "the FDB entry of peer \(peer) points at a stale underlay address: its packets go to the wrong node",
                    evidence: "bridge fdb on \(o.device): \(entry.mac) dst \(sameMAC.map { $0.destination?.description ?? "none" }.joined(separator: ", ")); node list: dst \(entry.destination)",
                    fix: fix))
            } else if !sameDestination.isEmpty {
                found.append(Finding(
                    check: "peer-fdb-stale", network: s.network, object: "\(o.device) fdb dst \(entry.destination)",
                    problem: "the FDB entry toward peer \(peer) carries a stale VTEP MAC: frames for the peer's MAC are flooded or dropped",
                    evidence: "bridge fdb on \(o.device): \(sameDestination.map(\.mac.description).joined(separator: ", ")) dst \(entry.destination); wanted MAC \(entry.mac)",
                    fix: fix))
            } else {
                found.append(Finding(
                    check: "peer-fdb-missing", network: s.network, object: "\(o.device) fdb \(entry.mac)",
                    problem: "no FDB entry for peer \(peer): pod traffic to it is not encapsulated toward its underlay address",
                    evidence: "bridge fdb on \(o.device) has no entry \(entry.mac) dst \(entry.destination)",
                    fix: fix))
            }
        }
        return found
    }

    static func neighbourFindings(_ s: NodeSnapshot, _ o: OverlaySnapshot, _ plan: PeerPlan, fix: String) -> [Finding] {
        var found: [Finding] = []
        for entry in plan.neighbours {
            let peer = o.peerName(address: entry.ip) ?? "?"
            let present = o.neighbours.filter { $0.address == entry.ip }
            if present.contains(where: { $0.mac == entry.mac }) { continue }
            if let stale = present.first {
                found.append(Finding(
                    check: "peer-neighbour-stale", network: s.network, object: "\(o.device) neigh \(entry.ip)",
                    problem: "the neighbour entry of peer \(peer) holds a stale VTEP MAC: its pod traffic is sent to a MAC no FDB entry knows",
                    evidence: "ip neigh on \(o.device): \(entry.ip) lladdr \(stale.mac?.description ?? "none"); wanted \(entry.mac) (peer \(peer)'s VTEP)",
                    fix: fix))
            } else {
                found.append(Finding(
                    check: "peer-neighbour-missing", network: s.network, object: "\(o.device) neigh \(entry.ip)",
                    problem: "no neighbour entry for peer \(peer)'s gateway \(entry.ip): its pod traffic waits on ARP that never answers",
                    evidence: "ip neigh on \(o.device) has no permanent \(entry.ip) lladdr \(entry.mac)",
                    fix: fix))
            }
        }
        return found
    }

    static func routeFindings(_ s: NodeSnapshot, _ o: OverlaySnapshot, _ plan: PeerPlan, vtep: LinkState, fix: String) -> [Finding] {
        var found: [Finding] = []
        let wanted = plan.vtepRoutes.map { ($0, vtep.index, o.device) }
            + plan.directRoutes.map { ($0, o.underlay?.index ?? -1, o.underlay?.name ?? "underlay") }
        for (entry, index, device) in wanted {
            let peer = o.peerName(address: entry.gateway) ?? "?"
            let present = s.routes.filter { $0.destination == entry.destination }
            if present.contains(where: { $0.gateway == entry.gateway && $0.outputIndex == index }) { continue }
            let describe = { (r: RouteState) in
                "\(r.destination)\(r.gateway.map { " via \($0)" } ?? "") dev \(r.outputIndex.flatMap { s.link(index: $0)?.name } ?? "?")"
            }
            if let stale = present.first {
                found.append(Finding(
                    check: "peer-route-stale", network: s.network, object: "route \(entry.destination)",
                    problem: "the route to peer \(peer)'s pods points elsewhere: their traffic does not take the overlay",
                    evidence: "ip route: \(describe(stale)); wanted \(entry.destination) via \(entry.gateway) dev \(device)",
                    fix: fix))
            } else {
                let taken = RouteChoice.best(for: entry.destination.network, in: s.routes).map(describe) ?? "no route"
                found.append(Finding(
                    check: "peer-route-missing", network: s.network, object: "route \(entry.destination)",
                    problem: "no route to peer \(peer)'s pods \(entry.destination): their traffic follows \(taken)",
                    evidence: "main table has no \(entry.destination) via \(entry.gateway) dev \(device)",
                    fix: fix))
            }
        }
        return found
    }
}
