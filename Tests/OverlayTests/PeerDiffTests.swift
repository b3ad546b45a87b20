import Netlink
import Testing

@testable import Overlay

/// `PeerDiff`: the operations from the kernel's peer entries to a `PeerPlan`, without a
/// kernel (no root needed).
@Suite("Peer diff")
struct PeerDiffTests {
    static let vtep: Int32 = 7
    static let underlay: Int32 = 2
    static let node1 = ClusterNode(name: "node1", underlayIP: ip("192.168.50.11"), podCIDRs: [prefix("10.244.1.0/24")])
    static let node2 = ClusterNode(name: "node2", underlayIP: ip("192.168.50.12"), podCIDRs: [prefix("10.244.2.0/24")])
    static let node3 = ClusterNode(name: "node3", underlayIP: ip("192.168.60.13"), podCIDRs: [prefix("10.244.3.0/24")])

    static func ip(_ text: String) -> InetAddress { InetAddress(text)! }
    static func prefix(_ text: String) -> InetPrefix { InetPrefix(text)! }

    /// node2 over VXLAN, node3 over VXLAN too unless `direct` (then node2 is on the
    /// underlay's subnet and gets a direct route).
    static func plan(nodes: [ClusterNode] = [node1, node2, node3], direct: Bool = false) -> PeerPlan {
        PeerPlan(
            vni: 1, nodes: nodes, selfNode: node1, local: node1.underlayIP, underlaySubnets: [prefix("192.168.50.11/24")],
            directRouting: direct)
    }

    let diff = PeerDiff(
        vtepIndex: vtep, underlayIndex: underlay, clusterCIDRs: [prefix("10.244.0.0/16")], localCIDRs: [prefix("10.244.1.0/24")])

    /// The kernel state a complete programming of `plan` leaves.
    static func programmed(_ plan: PeerPlan) -> PeerKernelState {
        PeerKernelState(
            neighbours: plan.neighbours.map { .init(ip: $0.ip, mac: $0.mac) },
            fdb: plan.fdb.map { .init(mac: $0.mac, destination: $0.destination) },
            routes: plan.vtepRoutes.map { Route(destination: $0.destination, gateway: $0.gateway, outputIndex: vtep, onLink: true) }
                + plan.directRoutes.map { Route(destination: $0.destination, gateway: $0.gateway, outputIndex: underlay) })
    }

    @Test func anEmptyKernelGetsEveryEntryNeighbourFirst() {
        let plan = Self.plan(direct: true)
        let mac3 = Self.node3.mac(vni: 1)
        #expect(diff.operations(from: PeerKernelState(), to: plan) == [
            .replaceNeighbour(ip: Self.ip("10.244.3.0"), mac: mac3),
            .addFDB(mac: mac3, destination: Self.ip("192.168.60.13")),
            .replaceVtepRoute(destination: Self.prefix("10.244.3.0/24"), gateway: Self.ip("10.244.3.0")),
            .replaceDirectRoute(destination: Self.prefix("10.244.2.0/24"), gateway: Self.ip("192.168.50.12")),
        ])
    }

    @Test func aProgrammedKernelNeedsNothing() {
        for direct in [false, true] {
            let plan = Self.plan(direct: direct)
            #expect(diff.operations(from: Self.programmed(plan), to: plan).isEmpty)
        }
    }

    @Test func aRemovedPeerIsPrunedRouteFirstAfterTheAdditions() {
        let old = Self.programmed(Self.plan(nodes: [Self.node1, Self.node2]))
        let plan = Self.plan(nodes: [Self.node1, Self.node3])
        let mac2 = Self.node2.mac(vni: 1)
        let mac3 = Self.node3.mac(vni: 1)
        let operations = diff.operations(from: old, to: plan)
        #expect(operations == [
            .replaceNeighbour(ip: Self.ip("10.244.3.0"), mac: mac3),
            .addFDB(mac: mac3, destination: Self.ip("192.168.60.13")),
            .replaceVtepRoute(destination: Self.prefix("10.244.3.0/24"), gateway: Self.ip("10.244.3.0")),
            .deleteRoute(old.routes[0]),
            .deleteNeighbour(ip: Self.ip("10.244.2.0")),
            .deleteFDB(mac: mac2, destination: Self.ip("192.168.50.12")),
        ])
        #expect(operations.filter(\.isAddition).count == 3)
    }

    @Test func aChangedMACIsReplacedNotDeleted() {
        let plan = Self.plan(nodes: [Self.node1, Self.node2])
        var kernel = Self.programmed(plan)
        let stale = MACAddress("02:00:00:00:00:99")!
        kernel.neighbours[0].mac = stale
        #expect(diff.operations(from: kernel, to: plan) == [.replaceNeighbour(ip: Self.ip("10.244.2.0"), mac: Self.node2.mac(vni: 1))])
    }

    @Test func aMovedPeerGetsANewFDBEntryAndLosesTheOld() {
        let plan = Self.plan(nodes: [Self.node1, Self.node2])
        var kernel = Self.programmed(plan)
        kernel.fdb[0].destination = Self.ip("192.168.50.99")
        let mac2 = Self.node2.mac(vni: 1)
        #expect(diff.operations(from: kernel, to: plan) == [
            .addFDB(mac: mac2, destination: Self.ip("192.168.50.12")),
            .deleteFDB(mac: mac2, destination: Self.ip("192.168.50.99")),
        ])
    }

    @Test func aVtepRouteWithoutOnlinkIsReplaced() {
        let plan = Self.plan(nodes: [Self.node1, Self.node2])
        var kernel = Self.programmed(plan)
        kernel.routes[0].onLink = false
        // The route matches by destination and gateway, so it is not pruned: the replace fixes it.
        #expect(diff.operations(from: kernel, to: plan) == [
            .replaceVtepRoute(destination: Self.prefix("10.244.2.0/24"), gateway: Self.ip("10.244.2.0"))
        ])
    }

    @Test func routesThatAreNotOursStay() {
        let plan = Self.plan(nodes: [Self.node1])
        var bird = Route(destination: Self.prefix("10.244.9.0/24"), gateway: Self.ip("192.168.50.19"), outputIndex: Self.underlay)
        bird.protocolID = PeerDiff.birdProtocol
        var birdOnVtep = Route(destination: Self.prefix("10.244.8.0/24"), gateway: Self.ip("10.244.8.0"), outputIndex: Self.vtep, onLink: true)
        birdOnVtep.protocolID = PeerDiff.birdProtocol
        let kernel = PeerKernelState(routes: [
            bird, birdOnVtep,
            Route(destination: Self.prefix("0.0.0.0/0"), gateway: Self.ip("192.168.50.1"), outputIndex: Self.underlay),
            Route(destination: Self.prefix("10.244.1.0/24"), gateway: Self.ip("192.168.50.1"), outputIndex: Self.underlay),
            Route(destination: Self.prefix("172.16.0.0/16"), gateway: Self.ip("192.168.50.1"), outputIndex: Self.underlay),
            Route(destination: Self.prefix("10.244.7.0/24"), outputIndex: Self.vtep),
            Route(destination: Self.prefix("10.244.6.0/24"), gateway: Self.ip("10.9.0.1"), outputIndex: 42),
        ])
        #expect(diff.operations(from: kernel, to: plan).isEmpty)
    }

    @Test func staleRoutesOfOursArePruned() {
        let plan = Self.plan(nodes: [Self.node1])
        let onVtep = Route(destination: Self.prefix("10.244.2.0/24"), gateway: Self.ip("10.244.2.0"), outputIndex: Self.vtep, onLink: true)
        let direct = Route(destination: Self.prefix("10.244.3.0/24"), gateway: Self.ip("192.168.50.13"), outputIndex: Self.underlay)
        #expect(diff.operations(from: PeerKernelState(routes: [onVtep, direct]), to: plan) == [.deleteRoute(onVtep), .deleteRoute(direct)])
    }

    @Test func bgpRoutedPeersHaveNoEntries() {
        let plan = PeerPlan(
            vni: 1, nodes: [Self.node1, Self.node2], selfNode: Self.node1, local: Self.node1.underlayIP,
            underlaySubnets: [], directRouting: false, bgpRouted: true)
        let old = Self.programmed(Self.plan(nodes: [Self.node1, Self.node2]))
        #expect(diff.operations(from: old, to: plan).allSatisfy { !$0.isAddition })
        #expect(diff.operations(from: old, to: plan).count == 3)
    }
}
