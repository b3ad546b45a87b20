import CNISpec
import Netlink
#if canImport(Glibc)
import Glibc
#endif

/// Brings the VTEP's neighbours, FDB entries and routes (and the direct routes on the
/// underlay) to exactly a `PeerPlan`: reads the kernel's entries, asks `PeerDiff` what to
/// change, and applies those operations in order.
struct PeerProgrammer {
    let socket: NetlinkSocket
    let diff: PeerDiff

    struct Summary: Sendable { var added = 0; var removed = 0 }

    init(socket: NetlinkSocket, vtepIndex: Int32, underlayIndex: Int32, clusterCIDRs: [InetPrefix], localCIDRs: [InetPrefix]) {
        self.socket = socket
        diff = PeerDiff(vtepIndex: vtepIndex, underlayIndex: underlayIndex, clusterCIDRs: clusterCIDRs, localCIDRs: localCIDRs)
    }

    @discardableResult
    func apply(_ plan: PeerPlan) throws(CNIError) -> Summary {
        var summary = Summary()
        for operation in diff.operations(from: try currentState(), to: plan) {
            try apply(operation)
            if operation.isAddition { summary.added += 1 } else { summary.removed += 1 }
        }
        return summary
    }

    /// The VTEP's permanent neighbours and FDB entries, and the main table's routes.
    func currentState() throws(CNIError) -> PeerKernelState {
        let vtepIndex = diff.vtepIndex
        let neighbours = try attempt("list neighbours of the VTEP") {
            try socket.neighbours(family: AF_INET, index: vtepIndex) + socket.neighbours(family: AF_INET6, index: vtepIndex)
        }.compactMap { n in n.isPermanent ? n.destination.map { PeerKernelState.Neighbour(ip: $0, mac: n.mac) } : nil }
        let fdb = try attempt("list FDB entries of the VTEP") { try socket.fdbEntries(index: vtepIndex) }
            .compactMap { e in e.isPermanent ? e.mac.map { PeerKernelState.FDBEntry(mac: $0, destination: e.destination) } : nil }
        let routes = try attempt("list routes") {
            try socket.routes(family: AF_INET) + socket.routes(family: AF_INET6)
        }
        return PeerKernelState(neighbours: neighbours, fdb: fdb, routes: routes)
    }

    private func apply(_ operation: PeerOperation) throws(CNIError) {
        let vtepIndex = diff.vtepIndex
        switch operation {
        case .replaceNeighbour(let ip, let mac):
            try attempt("neighbour \(ip) lladdr \(mac) on the VTEP") {
                try socket.replaceNeighbour(index: vtepIndex, ip: ip, mac: mac)
            }
        case .addFDB(let mac, let destination):
            try attempt("FDB \(mac) dst \(destination) on the VTEP") {
                try socket.addFDBEntry(index: vtepIndex, mac: mac, destination: destination)
            }
        case .replaceVtepRoute(let destination, let gateway):
            try attempt("route \(destination) via \(gateway) onlink on the VTEP") {
                try socket.replaceRoute(Route(destination: destination, gateway: gateway, outputIndex: vtepIndex, onLink: true))
            }
        case .replaceDirectRoute(let destination, let gateway):
            try attempt("direct route \(destination) via \(gateway) on the underlay") {
                try socket.replaceRoute(Route(destination: destination, gateway: gateway, outputIndex: diff.underlayIndex))
            }
        case .deleteRoute(let route):
            try ignoringMissing("delete stale route \(route.destination) via \(route.gateway.map { "\($0)" } ?? "-")") {
                try socket.deleteRoute(route)
            }
        case .deleteNeighbour(let ip):
            try ignoringMissing("delete stale neighbour \(ip) on the VTEP") { try socket.deleteNeighbour(index: vtepIndex, ip: ip) }
        case .deleteFDB(let mac, let destination):
            try ignoringMissing("delete stale FDB entry \(mac) on the VTEP") {
                try socket.deleteFDBEntry(index: vtepIndex, mac: mac, destination: destination)
            }
        }
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
