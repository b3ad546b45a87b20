import CNISpec
import Netlink
#if canImport(Glibc)
import Glibc
#endif

/// Brings the VTEP's neighbours, FDB entries and routes (and the direct routes on the
/// underlay) to exactly a `PeerPlan`: adds what is missing (neighbour → FDB → route, replace
/// semantics), then removes what no listed peer needs (route → neighbour → FDB).
///
/// Everything with a gateway routed through the VTEP, and every permanent neighbour and
/// FDB entry on it, is ours: the device is dedicated to this plugin. Direct routes on the
/// underlay are recognised as ours when their destination lies inside a cluster CIDR and
/// they have a gateway; with no `clusterCIDRs` configured, that is any node's pod CIDR as
/// listed now, so a removed peer's direct route is only pruned when `clusterCIDRs` covers it.
/// Routes BIRD installed (`proto bird`, routing mode bgp) are BIRD's, never pruned here.
struct PeerProgrammer {
    let socket: NetlinkSocket
    let vtepIndex: Int32
    let underlayIndex: Int32
    let clusterCIDRs: [InetPrefix]
    let localCIDRs: [InetPrefix]

    struct Summary: Sendable { var added = 0; var removed = 0 }

    /// RTPROT_BIRD: the routing protocol number BIRD's kernel protocol installs routes with.
    static let birdProtocol: UInt8 = 12

    @discardableResult
    func apply(_ plan: PeerPlan) throws(CNIError) -> Summary {
        var summary = Summary()
        let neighbours = try attempt("list neighbours of the VTEP") {
            try socket.neighbours(family: AF_INET, index: vtepIndex) + socket.neighbours(family: AF_INET6, index: vtepIndex)
        }.filter(\.isPermanent)
        let fdb = try attempt("list FDB entries of the VTEP") { try socket.fdbEntries(index: vtepIndex) }
            .filter { $0.isPermanent && $0.mac != nil }
        let routes = try attempt("list routes") {
            try socket.routes(family: AF_INET) + socket.routes(family: AF_INET6)
        }

        for entry in plan.neighbours where !neighbours.contains(where: { $0.destination == entry.ip && $0.mac == entry.mac }) {
            try attempt("neighbour \(entry.ip) lladdr \(entry.mac) on the VTEP") {
                try socket.replaceNeighbour(index: vtepIndex, ip: entry.ip, mac: entry.mac)
            }
            summary.added += 1
        }
        for entry in plan.fdb where !fdb.contains(where: { $0.mac == entry.mac && $0.destination == entry.destination }) {
            try attempt("FDB \(entry.mac) dst \(entry.destination) on the VTEP") {
                try socket.addFDBEntry(index: vtepIndex, mac: entry.mac, destination: entry.destination)
            }
            summary.added += 1
        }
        for entry in plan.vtepRoutes
        where !routes.contains(where: { $0.destination == entry.destination && $0.gateway == entry.gateway && $0.outputIndex == vtepIndex && $0.onLink }) {
            try attempt("route \(entry.destination) via \(entry.gateway) onlink on the VTEP") {
                try socket.replaceRoute(Route(destination: entry.destination, gateway: entry.gateway, outputIndex: vtepIndex, onLink: true))
            }
            summary.added += 1
        }
        for entry in plan.directRoutes
        where !routes.contains(where: { $0.destination == entry.destination && $0.gateway == entry.gateway && $0.outputIndex == underlayIndex }) {
            try attempt("direct route \(entry.destination) via \(entry.gateway) on the underlay") {
                try socket.replaceRoute(Route(destination: entry.destination, gateway: entry.gateway, outputIndex: underlayIndex))
            }
            summary.added += 1
        }

        // Prune: routes first, so nothing points at a neighbour that is going away.
        for route in routes where route.gateway != nil && route.protocolID != Self.birdProtocol {
            guard let gateway = route.gateway else { continue }
            if route.outputIndex == vtepIndex {
                if plan.vtepRoutes.contains(where: { $0.destination == route.destination && $0.gateway == gateway }) { continue }
            } else if route.outputIndex == underlayIndex {
                guard !route.isDefault, !localCIDRs.contains(route.destination),
                    clusterCIDRs.contains(where: { $0.contains(route.destination) })
                else { continue }
                if plan.directRoutes.contains(where: { $0.destination == route.destination && $0.gateway == gateway }) { continue }
            } else {
                continue
            }
            try ignoringMissing("delete stale route \(route.destination) via \(gateway)") { try socket.deleteRoute(route) }
            summary.removed += 1
        }
        for n in neighbours {
            guard let ip = n.destination else { continue }
            if plan.neighbours.contains(where: { $0.ip == ip && $0.mac == n.mac }) { continue }
            if plan.neighbours.contains(where: { $0.ip == ip }) { continue }  // replaced above
            try ignoringMissing("delete stale neighbour \(ip) on the VTEP") { try socket.deleteNeighbour(index: vtepIndex, ip: ip) }
            summary.removed += 1
        }
        for entry in fdb {
            guard let mac = entry.mac else { continue }
            if plan.fdb.contains(where: { $0.mac == mac && $0.destination == entry.destination }) { continue }
            try ignoringMissing("delete stale FDB entry \(mac) on the VTEP") {
                try socket.deleteFDBEntry(index: vtepIndex, mac: mac, destination: entry.destination)
            }
            summary.removed += 1
        }
        return summary
    }

    private func ignoringMissing(_ step: String, _ body: () throws -> Void) throws(CNIError) {
        do {
            try body()
        } catch let error as NetlinkError where error.notFound {
        } catch {
            throw CNIError(.internalError, step, details: String(describing: error))
        }
    }
}
